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
constexpr const char* kRouter = "127.0.0.4";

// Short locks so the test can watch them end: 3 failures lock an address for 2 s, then 4 s;
// 6 failures across addresses lock the account for 3 s; 10 failures from one address across
// names lock that address for all names for 2 s, then 4 s.
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config =
        "auth.lockout_failures = 3\n"
        "auth.lockout_initial = 2\n"
        "auth.lockout_max = 4\n"
        "auth.account_lockout_failures = 6\n"
        "auth.account_lockout = 3\n"
        "auth.address_lockout_failures = 10\n"
        "auth.address_lockout_initial = 2\n"
        "auth.address_lockout_max = 4\n";
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
        attacker = fresh_source();
    }
    // A loopback source address no other test (or repetition) used: failures from one address
    // add up across names, so tests that guess must not share one.
    static std::string fresh_source() {
        static int next = 0;
        const int n = next++;
        return "127.1." + std::to_string(n / 250) + "." + std::to_string(n % 250 + 1);
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

    std::string user;
    std::string host;
    std::string attacker;
};

TEST_F(Throttle, WrongPasswordsLockOutTheirAddressButNotTheRouter) {
    for (int i = 0; i < 3; ++i) {
        const auto r = update(kGuess, attacker, "192.0.2.66");
        ASSERT_EQ(r.status, 401);
        ASSERT_EQ(r.body, "badauth");
    }
    const auto locked_at = Clock::now();

    // Now even the right password from that address is refused without being checked.
    const auto refused = update(kPassword, attacker, "192.0.2.66");
    EXPECT_EQ(refused.status, 200);
    EXPECT_EQ(refused.body, "abuse");
    EXPECT_FALSE(refused.header("WWW-Authenticate").has_value());
    EXPECT_GE(retry_after(refused), 1);
    EXPECT_LE(retry_after(refused), 2);
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_EQ(stored_ipv4(host), "-");

    // The account's router, elsewhere, is not affected.
    const auto router = update(kPassword, kRouter, "192.0.2.67");
    EXPECT_EQ(router.body, "good 192.0.2.67");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.67"});

    // When the lock ends, the right password from the locked address works again.
    HttpReply last;
    ASSERT_TRUE(wait_until(
        [&] {
            last = update(kPassword, attacker, "192.0.2.68");
            return last.body != "abuse";
        },
        std::chrono::seconds(10), std::chrono::milliseconds(100)));
    EXPECT_EQ(last.body, "good 192.0.2.68");
    // The lock, plus slack for a loaded machine: far below what an unbounded lock would cost.
    EXPECT_LE(Clock::now() - locked_at, std::chrono::seconds(2 + 3));
    EXPECT_EQ(a_records(host), Strings{"192.0.2.68"});
    EXPECT_EQ(stored_ipv4(host), "192.0.2.68");

    EXPECT_EQ(stack().gateway_log().find(kGuess), std::string::npos) << "a password was logged";
    EXPECT_EQ(stack().gateway_log().find(kPassword), std::string::npos) << "a password was logged";
}

TEST_F(Throttle, EachWrongPasswordAfterALockDoublesIt) {
    for (int i = 0; i < 3; ++i) ASSERT_EQ(update(kGuess, attacker, "192.0.2.70").body, "badauth");
    ASSERT_TRUE(wait_until([&] { return update(kGuess, attacker, "192.0.2.70").body == "badauth"; },
                           std::chrono::seconds(10), std::chrono::milliseconds(100)));
    // That wrong password, right after the 2 s lock, locked the address again for 4 s.
    const auto refused = update(kPassword, attacker, "192.0.2.70");
    EXPECT_EQ(refused.body, "abuse");
    EXPECT_GE(retry_after(refused), 3);
    EXPECT_LE(retry_after(refused), 4);
    EXPECT_TRUE(a_records(host).empty());
}

TEST_F(Throttle, GuessingFromManyAddressesLocksTheAccountBriefly) {
    // The router updated before the attack: its address is exempt from the account lock.
    ASSERT_EQ(update(kPassword, kRouter, "192.0.2.71").body, "good 192.0.2.71");
    for (const std::string& source : {fresh_source(), fresh_source(), fresh_source()})
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
    EXPECT_EQ(a_records(host), Strings{"192.0.2.73"});
}

TEST_F(Throttle, SprayingOnePasswordOverManyNamesLocksTheAddressButNotItsRouters) {
    // A NAT: our router behind it has updated before; a neighbour's router has not.
    const std::string nat = fresh_source();
    const std::string neighbour = user + "-n";
    stack().add_account(neighbour, kPassword);
    ASSERT_EQ(update(kPassword, nat, "192.0.2.90").body, "good 192.0.2.90");
    const auto spray = [&](const std::string& name) {
        return stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.91",
                           std::pair{name, std::string(kGuess)}, {"User-Agent: ddns-test/1.0"},
                           nat);
    };
    // One guess per name: no name sees two, so only the address-wide count can stop it.
    for (int i = 0; i < 10; ++i) ASSERT_EQ(spray(user + "-s" + std::to_string(i)).body, "badauth");
    const auto locked_at = Clock::now();

    const auto refused = spray(user + "-s10");
    EXPECT_EQ(refused.body, "abuse");
    EXPECT_GE(retry_after(refused), 1);
    EXPECT_LE(retry_after(refused), 2);
    // The neighbour's right password is refused unchecked too: it never logged in from here.
    const auto newcomer = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.92",
                                      std::pair{neighbour, std::string(kPassword)},
                                      {"User-Agent: ddns-test/1.0"}, nat);
    EXPECT_EQ(newcomer.body, "abuse");
    // Our router behind the NAT is trusted for its account and keeps updating.
    EXPECT_EQ(update(kPassword, nat, "192.0.2.93").body, "good 192.0.2.93");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.93"});
    EXPECT_EQ(stored_ipv4(host), "192.0.2.93");
    // Another address is not affected.
    const auto elsewhere = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.94",
                                       std::pair{user + "-s11", std::string(kGuess)},
                                       {"User-Agent: ddns-test/1.0"}, attacker);
    EXPECT_EQ(elsewhere.body, "badauth");

    // The lock is short: the neighbour gets through once it ends (its host is not ours, so the
    // answer is the dyndns2 word for that, not a lockout).
    HttpReply last;
    ASSERT_TRUE(wait_until(
        [&] {
            last = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.92",
                               std::pair{neighbour, std::string(kPassword)},
                               {"User-Agent: ddns-test/1.0"}, nat);
            return last.body != "abuse";
        },
        std::chrono::seconds(10), std::chrono::milliseconds(100)));
    EXPECT_EQ(last.body, "nohost");
    EXPECT_LE(Clock::now() - locked_at, std::chrono::seconds(2 + 3)) << "lock plus slack";
    EXPECT_EQ(a_records(host), Strings{"192.0.2.93"});
    EXPECT_EQ(stack().gateway_log().find(kGuess), std::string::npos) << "a password was logged";
}

TEST_F(Throttle, UnknownUsersGetTheSameAnswers) {
    const std::string nobody = user + "-nobody";
    for (int i = 0; i < 3; ++i) {
        const auto r = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.75",
                                   std::pair{nobody, std::string(kGuess)},
                                   {"User-Agent: ddns-test/1.0"}, attacker);
        ASSERT_EQ(r.status, 401);
        ASSERT_EQ(r.body, "badauth");
    }
    const auto r = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.75",
                               std::pair{nobody, std::string(kGuess)},
                               {"User-Agent: ddns-test/1.0"}, attacker);
    EXPECT_EQ(r.body, "abuse") << "an unknown name is locked like a real one";
    EXPECT_TRUE(r.header("Retry-After").has_value());
}

TEST_F(Throttle, ADatabaseOutageDoesNotCountAgainstAnyone) {
    stack().postgres().stop();
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(update(kGuess, attacker, "192.0.2.76").body, "911");
        EXPECT_EQ(update(kPassword, kRouter, "192.0.2.76").body, "911");
    }
    stack().postgres().start_again();
    // Had the outage counted, both addresses would now be locked (abuse).
    ASSERT_TRUE(wait_until(
        [&] { return update(kPassword, kRouter, "192.0.2.76").body == "good 192.0.2.76"; }));
    EXPECT_EQ(update(kPassword, attacker, "192.0.2.77").body, "good 192.0.2.77");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.77"});
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
            const auto r = send(wrong, attacker, "192.0.2.80");
            ASSERT_EQ(r.error, "");
            ASSERT_EQ(r.body.find(success), std::string::npos) << r.body;
        }
        const auto before = stack().named().soa_serial(kZone);
        const auto refused = send(right, attacker, "192.0.2.80");
        expect_throttled(refused);
        EXPECT_TRUE(a_records(host).empty());
        EXPECT_EQ(stored_ipv4(host), "-");
        EXPECT_EQ(stack().named().soa_serial(kZone), before) << "no DNS traffic";

        const auto router = send(right, kRouter, "192.0.2.81");
        EXPECT_NE(router.body.find(success), std::string::npos) << router.body;
        EXPECT_EQ(a_records(host), Strings{"192.0.2.81"});
        EXPECT_EQ(stored_ipv4(host), "192.0.2.81");
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
