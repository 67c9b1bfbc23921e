// Brute-force throttling end to end: the real gateway with short lock settings, clients on
// different loopback source addresses, assertions on the HTTP answers, on what named serves and
// on the rows in PostgreSQL.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";
constexpr const char* kGuess = "guess-7f3a";  // never logged, checked below
constexpr const char* kAttacker = "127.0.0.3";
constexpr const char* kRouter = "127.0.0.4";

// Short locks so the test can watch them end: 3 failures lock an address for 2 s, then 4 s;
// 6 failures across addresses lock the account for 3 s.
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config =
        "auth.lockout_failures = 3\n"
        "auth.lockout_initial = 2\n"
        "auth.lockout_max = 4\n"
        "auth.account_lockout_failures = 6\n"
        "auth.account_lockout = 3\n";
    return o;
}()));

using Strings = std::vector<std::string>;
using Clock = std::chrono::steady_clock;

class Throttle : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    HttpReply update(const std::string& password, const std::string& source,
                     const std::string& address) {
        return stack().get("/nic/update?hostname=" + host + "&myip=" + address,
                           std::pair{user, password}, {"User-Agent: ddns-test/1.0"}, source);
    }
    int retry_after(const HttpReply& r) {
        const auto value = r.header("Retry-After");
        return value ? std::stoi(*value) : -1;
    }
    Strings a() { return stack().named().query(host, "A"); }
    std::string stored() {
        return stack().sql("select coalesce(host(ipv4),'-') from hosts where name = '" + host +
                           "'");
    }

    std::string user;
    std::string host;
};

TEST_F(Throttle, WrongPasswordsLockOutTheirAddressButNotTheRouter) {
    for (int i = 0; i < 3; ++i) {
        const auto r = update(kGuess, kAttacker, "192.0.2.66");
        ASSERT_EQ(r.status, 401);
        ASSERT_EQ(r.body, "badauth");
    }
    const auto locked_at = Clock::now();

    // Now even the right password from that address is refused without being checked.
    const auto refused = update(kPassword, kAttacker, "192.0.2.66");
    EXPECT_EQ(refused.status, 200);
    EXPECT_EQ(refused.body, "abuse");
    EXPECT_FALSE(refused.header("WWW-Authenticate").has_value());
    EXPECT_GE(retry_after(refused), 1);
    EXPECT_LE(retry_after(refused), 2);
    EXPECT_TRUE(a().empty());
    EXPECT_EQ(stored(), "-");

    // The account's router, elsewhere, is not affected.
    const auto router = update(kPassword, kRouter, "192.0.2.67");
    EXPECT_EQ(router.body, "good 192.0.2.67");
    EXPECT_EQ(a(), Strings{"192.0.2.67"});

    // When the lock ends, the right password from the locked address works again.
    HttpReply last;
    ASSERT_TRUE(wait_until(
        [&] {
            last = update(kPassword, kAttacker, "192.0.2.68");
            return last.body != "abuse";
        },
        std::chrono::seconds(10), std::chrono::milliseconds(100)));
    EXPECT_EQ(last.body, "good 192.0.2.68");
    // The lock, plus slack for a loaded machine: far below what an unbounded lock would cost.
    EXPECT_LE(Clock::now() - locked_at, std::chrono::seconds(2 + 3));
    EXPECT_EQ(a(), Strings{"192.0.2.68"});
    EXPECT_EQ(stored(), "192.0.2.68");

    EXPECT_EQ(stack().gateway_log().find(kGuess), std::string::npos) << "a password was logged";
    EXPECT_EQ(stack().gateway_log().find(kPassword), std::string::npos) << "a password was logged";
}

TEST_F(Throttle, EachWrongPasswordAfterALockDoublesIt) {
    for (int i = 0; i < 3; ++i) ASSERT_EQ(update(kGuess, kAttacker, "192.0.2.70").body, "badauth");
    ASSERT_TRUE(
        wait_until([&] { return update(kGuess, kAttacker, "192.0.2.70").body == "badauth"; },
                   std::chrono::seconds(10), std::chrono::milliseconds(100)));
    // That wrong password, right after the 2 s lock, locked the address again for 4 s.
    const auto refused = update(kPassword, kAttacker, "192.0.2.70");
    EXPECT_EQ(refused.body, "abuse");
    EXPECT_GE(retry_after(refused), 3);
    EXPECT_LE(retry_after(refused), 4);
    EXPECT_TRUE(a().empty());
}

TEST_F(Throttle, GuessingFromManyAddressesLocksTheAccountBriefly) {
    // The router updated before the attack: its address is exempt from the account lock.
    ASSERT_EQ(update(kPassword, kRouter, "192.0.2.71").body, "good 192.0.2.71");
    for (const char* source : {"127.0.0.5", "127.0.0.6", "127.0.0.7"})
        for (int i = 0; i < 2; ++i) ASSERT_EQ(update(kGuess, source, "192.0.2.72").body, "badauth");
    const auto locked_at = Clock::now();

    // Six failures, two per address: no address lock, but the account is locked for new
    // addresses, for at most auth.account_lockout.
    const auto newcomer = update(kPassword, "127.0.0.8", "192.0.2.73");
    EXPECT_EQ(newcomer.body, "abuse");
    EXPECT_GE(retry_after(newcomer), 1);
    EXPECT_LE(retry_after(newcomer), 3);
    EXPECT_EQ(update(kPassword, kRouter, "192.0.2.74").body, "good 192.0.2.74");

    HttpReply last;
    ASSERT_TRUE(wait_until(
        [&] {
            last = update(kPassword, "127.0.0.8", "192.0.2.73");
            return last.body != "abuse";
        },
        std::chrono::seconds(10), std::chrono::milliseconds(100)));
    EXPECT_EQ(last.body, "good 192.0.2.73");
    EXPECT_LE(Clock::now() - locked_at, std::chrono::seconds(3 + 3)) << "lock plus slack";
    EXPECT_EQ(a(), Strings{"192.0.2.73"});
}

TEST_F(Throttle, UnknownUsersGetTheSameAnswers) {
    const std::string nobody = user + "-nobody";
    for (int i = 0; i < 3; ++i) {
        const auto r = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.75",
                                   std::pair{nobody, std::string(kGuess)},
                                   {"User-Agent: ddns-test/1.0"}, kAttacker);
        ASSERT_EQ(r.status, 401);
        ASSERT_EQ(r.body, "badauth");
    }
    const auto r = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.75",
                               std::pair{nobody, std::string(kGuess)},
                               {"User-Agent: ddns-test/1.0"}, kAttacker);
    EXPECT_EQ(r.body, "abuse") << "an unknown name is locked like a real one";
    EXPECT_TRUE(r.header("Retry-After").has_value());
}

TEST_F(Throttle, ADatabaseOutageDoesNotCountAgainstAnyone) {
    stack().postgres().stop();
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(update(kGuess, kAttacker, "192.0.2.76").body, "911");
        EXPECT_EQ(update(kPassword, kRouter, "192.0.2.76").body, "911");
    }
    stack().postgres().start_again();
    // Had the outage counted, both addresses would now be locked (abuse).
    ASSERT_TRUE(wait_until(
        [&] { return update(kPassword, kRouter, "192.0.2.76").body == "good 192.0.2.76"; }));
    EXPECT_EQ(update(kPassword, kAttacker, "192.0.2.77").body, "good 192.0.2.77");
    EXPECT_EQ(a(), Strings{"192.0.2.77"});
}

// The other dialects share the throttle: wrong credentials from one address lock it out for
// that name, the right credential from there gets the dialect's own throttle answer and changes
// nothing, and the router elsewhere still updates.
class ThrottleDialects : public Throttle {
protected:
    // `send(secret, source, address)` sends the dialect's update; returns the reply.
    using Send = std::function<HttpReply(const std::string& secret, const std::string& source,
                                         const std::string& address)>;
    void expect_lockout(const std::string& right, const std::string& wrong, const Send& send,
                        const std::function<void(const HttpReply&)>& expect_throttled,
                        const std::string& success) {
        for (int i = 0; i < 3; ++i) {
            const auto r = send(wrong, kAttacker, "192.0.2.80");
            ASSERT_EQ(r.error, "");
            ASSERT_EQ(r.body.find(success), std::string::npos) << r.body;
        }
        const auto before = stack().named().soa_serial(kZone);
        const auto refused = send(right, kAttacker, "192.0.2.80");
        expect_throttled(refused);
        EXPECT_TRUE(a().empty());
        EXPECT_EQ(stored(), "-");
        EXPECT_EQ(stack().named().soa_serial(kZone), before) << "no DNS traffic";

        const auto router = send(right, kRouter, "192.0.2.81");
        EXPECT_NE(router.body.find(success), std::string::npos) << router.body;
        EXPECT_EQ(a(), Strings{"192.0.2.81"});
        EXPECT_EQ(stored(), "192.0.2.81");
        EXPECT_EQ(stack().gateway_log().find(kGuess), std::string::npos) << "a secret was logged";
        EXPECT_EQ(stack().gateway_log().find(right), std::string::npos) << "a secret was logged";
    }
    static std::string pct(const std::string& text) {
        std::string out;
        for (char c : text) out += c == ' ' ? std::string("%20") : std::string(1, c);
        return out;
    }
};

TEST_F(ThrottleDialects, DynamicAnswers429WithRetryAfter) {
    ASSERT_EQ(stack().admin({"account", "enable-updates", user}).exit_code, 0);
    const std::string token = stack().add_token(user);
    expect_lockout(
        token, kGuess,
        [&](const std::string& secret, const std::string& source, const std::string& address) {
            return stack().get("/dynamic?host=" + host + "&ip=" + address + "&user=" + user +
                                   "&password=" + secret,
                               {}, {"User-Agent: ddns-test/1.0"}, source);
        },
        [&](const HttpReply& r) {
            EXPECT_EQ(r.status, 429);
            EXPECT_EQ(r.body, "too many failed logins");
            EXPECT_GE(retry_after(r), 1);
            EXPECT_LE(retry_after(r), 2);
        },
        "OK");
}

TEST_F(ThrottleDialects, DynamipAnswersTooManyAttempts) {
    expect_lockout(
        kPassword, kGuess,
        [&](const std::string& secret, const std::string& source, const std::string& address) {
            return stack().get("/Login/updateip.asp?SiteID=" + host + "&Password=" + pct(secret) +
                                   "&IPAddr=" + address + "&ProgVer=1.0",
                               {}, {"User-Agent: ddns-test/1.0"}, source);
        },
        [&](const HttpReply& r) {
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(r.body.rfind("{{{Too Many Attempts|", 0), 0u) << r.body;
            EXPECT_GE(retry_after(r), 1);
            EXPECT_LE(retry_after(r), 2);
        },
        "IP Address for " + host);
}

TEST_F(ThrottleDialects, MyServerAnswersTooManyAttempts) {
    expect_lockout(
        kPassword, kGuess,
        [&](const std::string& secret, const std::string& source, const std::string& address) {
            return stack().get("/dnslogin3.asp?FXN=Add&Usr=" + user + "&Pwd=" + pct(secret) +
                                   "&Host=" + host + "&Type=A&IP=" + address,
                               {}, {"User-Agent: ddns-test/1.0"}, source);
        },
        [&](const HttpReply& r) {
            EXPECT_EQ(r.status, 200);
            EXPECT_EQ(r.body, "Error:Too Many Attempts\r\n");
            EXPECT_GE(retry_after(r), 1);
            EXPECT_LE(retry_after(r), 2);
        },
        "DNS ADD:SUCCESS");
}

}  // namespace
}  // namespace ddns::test
