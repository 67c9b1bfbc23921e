// The throttle shared through PostgreSQL, end to end: two real gateway processes on one
// database (the stack's and a second one started here), failures spread over both, a restart,
// and the success path writing nothing to the throttle's table.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";
constexpr const char* kGuess = "guess-51c2";

// 3 failures lock an address for 60 s (long: the test never waits for it to end); 6 failures
// across addresses lock the account for 60 s; other instances' locks are read every second.
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config =
        "auth.lockout_failures = 3\n"
        "auth.lockout_initial = 60\n"
        "auth.lockout_max = 120\n"
        "auth.account_lockout_failures = 6\n"
        "auth.account_lockout = 60\n"
        "auth.throttle_sync_interval = 1\n";
    return o;
}()));

// A second `ddns-gateway serve` on the stack's database, named server and configuration, on a
// port of its own.
class SecondGateway {
public:
    explicit SecondGateway(GatewayStack& stack) : port_(free_port()) {
        std::string config = read_file(stack.config_path());
        const auto at = config.find("http.listen = ");
        const auto end = config.find('\n', at);
        config.replace(at, end - at, "http.listen = 127.0.0.1:" + std::to_string(port_));
        write_file(dir_.path() / "second.conf", config);
        process_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{gateway_binary(), "serve", "--config",
                                     (dir_.path() / "second.conf").string()},
            dir_.path() / "second.log");
        const bool up = wait_until([&] { return get("/healthz").status == 200; });
        if (!up) throw std::runtime_error("second gateway did not start:\n" + process_->log());
    }
    HttpReply get(const std::string& target, const std::string& auth_header = {},
                  const std::string& source = "127.0.0.1") {
        std::string request = "GET " + target +
                              " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                              "\r\nConnection: close\r\nUser-Agent: ddns-test/1.0\r\n";
        if (!auth_header.empty()) request += auth_header;
        return http_exchange(port_, request + "\r\n", std::chrono::seconds(15), source);
    }
    std::string log() const { return process_->log(); }

private:
    std::uint16_t port_;
    TempDir dir_{"ddns-second"};
    std::unique_ptr<ChildProcess> process_;
};

class SharedThrottle : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
        if (!second) second = std::make_unique<SecondGateway>(stack());
    }
    static void TearDownTestSuite() { second.reset(); }

    std::string target(const std::string& address) const {
        return "/nic/update?hostname=" + host + "&myip=" + address;
    }
    HttpReply on_first(const std::string& password, const std::string& source,
                       const std::string& address = "192.0.2.10") {
        return stack().get(target(address), std::pair{user, password},
                           {"User-Agent: ddns-test/1.0"}, source);
    }
    HttpReply on_second(const std::string& password, const std::string& source,
                        const std::string& address = "192.0.2.10") {
        return second->get(target(address),
                           "Authorization: Basic " + base64(user + ":" + password) + "\r\n",
                           source);
    }
    std::string logs() { return stack().logs() + "---- second gateway log ----\n" + second->log(); }

    std::string user;
    std::string host;
    static inline std::unique_ptr<SecondGateway> second;
};

TEST_F(SharedThrottle, AddressFailuresOverTwoInstancesLockBoth) {
    const std::string attacker = "127.2.0.1";
    ASSERT_EQ(on_first(kGuess, attacker).body, "badauth");
    ASSERT_EQ(on_second(kGuess, attacker).body, "badauth");
    ASSERT_EQ(on_first(kGuess, attacker).body, "badauth");  // the third of three, over both
    EXPECT_EQ(on_first(kPassword, attacker).body, "abuse") << logs();
    // The second instance has seen one failure; it applies the lock at its next sync (every
    // second here). Waiting first: a right password admitted before would only prove that the
    // sync interval is not zero.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    const HttpReply last = on_second(kPassword, attacker);
    EXPECT_EQ(last.body, "abuse") << logs();
    EXPECT_GE(std::stoi(last.header("Retry-After").value_or("0")), 50);
    // Another address of the same account is not locked, on either instance.
    EXPECT_EQ(on_second(kPassword, "127.2.0.2", "192.0.2.11").body, "good 192.0.2.11");
}

TEST_F(SharedThrottle, AccountFailuresOverTwoInstancesLockBoth) {
    // Six addresses, three failures on each instance: neither reaches six alone.
    for (int i = 0; i < 6; ++i) {
        const std::string source = "127.3.0." + std::to_string(i + 1);
        ASSERT_EQ((i % 2 ? on_second(kGuess, source) : on_first(kGuess, source)).body, "badauth");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // both have synced
    EXPECT_EQ(on_first(kPassword, "127.3.1.1").body, "abuse") << logs();
    EXPECT_EQ(on_second(kPassword, "127.3.1.2").body, "abuse");
    EXPECT_TRUE(stack().named().query(host, "A").empty());
}

TEST_F(SharedThrottle, ARestartedGatewayStillRefusesALockedAddress) {
    const std::string attacker = "127.4.0.1";
    for (int i = 0; i < 3; ++i) ASSERT_EQ(on_first(kGuess, attacker).body, "badauth");
    ASSERT_EQ(on_first(kPassword, attacker).body, "abuse");
    stack().stop_gateway();
    stack().start_gateway();
    EXPECT_EQ(on_first(kPassword, attacker).body, "abuse") << logs();
    EXPECT_EQ(on_first(kPassword, "127.4.0.2", "192.0.2.12").body, "good 192.0.2.12");
}

TEST_F(SharedThrottle, TheSuccessPathWritesNothingToTheThrottleTable) {
    // A statement-level trigger counts every INSERT and UPDATE statement on the table.
    stack().sql(
        "CREATE TABLE IF NOT EXISTS throttle_writes (n bigint NOT NULL);"
        "INSERT INTO throttle_writes SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM throttle_writes);"
        "CREATE OR REPLACE FUNCTION count_throttle_write() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN UPDATE throttle_writes SET n = n + 1; RETURN NULL; END $$;"
        "DROP TRIGGER IF EXISTS throttle_writes ON throttle_streaks;"
        "CREATE TRIGGER throttle_writes AFTER INSERT OR UPDATE ON throttle_streaks "
        "FOR EACH STATEMENT EXECUTE FUNCTION count_throttle_write()");
    const std::string before = stack().sql("SELECT n FROM throttle_writes");
    for (int i = 0; i < 10; ++i) {
        const std::string address = "192.0.2." + std::to_string(100 + i);
        const auto r = i % 2 ? on_second(kPassword, "127.5.0.1", address)
                             : on_first(kPassword, "127.5.0.1", address);
        ASSERT_EQ(r.body, "good " + address);
    }
    EXPECT_EQ(stack().sql("SELECT n FROM throttle_writes"), before);
    ASSERT_EQ(on_first(kGuess, "127.5.0.2").body, "badauth");
    EXPECT_NE(stack().sql("SELECT n FROM throttle_writes"), before) << "a failure is counted";
}

}  // namespace
}  // namespace ddns::test
