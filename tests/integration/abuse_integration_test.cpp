// Abuse control end to end: the no-change budget, operator blocks of hosts and accounts, and a
// BIND outage that must not count against anyone. The real gateway with a 3-second no-change
// window (budget 2), assertions on the HTTP answers of every dialect, on what named serves and
// on the rows in PostgreSQL.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct-horse-battery";
constexpr int kWindow = 3;  // seconds
// The principal cache answers from memory; a change made by another process (admin) is seen
// within cache.max_lag_ms, not at once (configuration.md).
constexpr auto kMaxLag = std::chrono::milliseconds(500);

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config = "abuse.nochg_interval = " + std::to_string(kWindow) +
                     "\n"
                     "abuse.nochg_budget = 2\n"
                     "cache.max_lag_ms = " +
                     std::to_string(kMaxLag.count()) + "\n";
    return o;
}()));

using Strings = std::vector<std::string>;

class Abuse : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    HttpReply dyndns2(const std::string& address) {
        return stack().get("/nic/update?hostname=" + host + "&myip=" + address,
                           std::pair{user, std::string(kPassword)});
    }
    // /dynamic needs an update token and the account switched on.
    std::string enable_dynamic() {
        const std::string token = stack().add_token(user);
        admin_ok({"account", "enable-updates", user});
        return token;
    }
    HttpReply dynamic(const std::string& token, const std::string& address) {
        return stack().get("/dynamic?host=" + host + "&ip=" + address + "&user=" + user +
                           "&password=" + token);
    }
    HttpReply dynamip(const std::string& address) {
        return stack().get("/Login/updateip.asp?SiteID=" + host + "&Password=" + kPassword +
                           "&IPAddr=" + address + "&ProgVer=1.0");
    }
    HttpReply myserver(const std::string& address) {
        return stack().get("/dnslogin3.asp?Usr=" + user + "&Pwd=" + kPassword +
                           "&FXN=Add&IP=" + address);
    }
    std::string nochg_count() {
        return stack().sql("select nochg_count from hosts where name = '" + host + "'");
    }
    static int retry_after(const HttpReply& r) {
        const auto value = r.header("Retry-After");
        return value ? std::stoi(*value) : -1;
    }
    // An admin change, then the time the gateway may still answer from its cached copy.
    void admin_ok(const std::vector<std::string>& args) {
        const auto r = stack().admin(args);
        ASSERT_EQ(r.exit_code, 0) << r.output;
        std::this_thread::sleep_for(kMaxLag + std::chrono::milliseconds(100));
    }

    std::string user;
    std::string host;
};

TEST_F(Abuse, Dyndns2OverTheNochgBudgetIsAbuseUntilTheWindowPasses) {
    ASSERT_EQ(dyndns2("192.0.2.10").body, "good 192.0.2.10");
    // The budget: two unchanged updates inside one window.
    EXPECT_EQ(dyndns2("192.0.2.10").body, "nochg 192.0.2.10");
    EXPECT_EQ(dyndns2("192.0.2.10").body, "nochg 192.0.2.10");
    const auto over = dyndns2("192.0.2.10");
    EXPECT_EQ(over.status, 200);
    EXPECT_EQ(over.body, "abuse");
    EXPECT_GE(retry_after(over), 1);
    EXPECT_LE(retry_after(over), kWindow);
    EXPECT_EQ(nochg_count(), "3");

    // While the window lasts even a real change is refused, and nothing reaches BIND.
    const auto change = dyndns2("192.0.2.11");
    EXPECT_EQ(change.body, "abuse");
    EXPECT_GE(retry_after(change), 1);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.10"});
    EXPECT_EQ(stored_ipv4(host), "192.0.2.10");

    // After the window the change goes through and starts the count afresh.
    HttpReply r;
    EXPECT_TRUE(wait_until(
        [&] {
            r = dyndns2("192.0.2.11");
            return r.body != "abuse";
        },
        std::chrono::seconds(kWindow + 5), std::chrono::milliseconds(250)));
    EXPECT_EQ(r.body, "good 192.0.2.11");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.11"});
    EXPECT_EQ(stored_ipv4(host), "192.0.2.11");
    EXPECT_EQ(nochg_count(), "0");
}

TEST_F(Abuse, DynamicAnswers429WithRetryAfter) {
    const std::string token = enable_dynamic();
    ASSERT_EQ(dynamic(token, "192.0.2.20").status, 200);
    EXPECT_EQ(dynamic(token, "192.0.2.20").status, 200);
    EXPECT_EQ(dynamic(token, "192.0.2.20").status, 200);
    const auto over = dynamic(token, "192.0.2.20");
    EXPECT_EQ(over.status, 429);
    EXPECT_EQ(over.body, "too many unchanged updates");
    EXPECT_GE(retry_after(over), 1);
    EXPECT_LE(retry_after(over), kWindow);
    EXPECT_EQ(dynamic(token, "192.0.2.21").status, 429);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.20"});
    EXPECT_TRUE(wait_until([&] { return dynamic(token, "192.0.2.21").status == 200; },
                           std::chrono::seconds(kWindow + 5), std::chrono::milliseconds(250)));
    EXPECT_EQ(a_records(host), Strings{"192.0.2.21"});
}

TEST_F(Abuse, DynamipAnswersTooManyUpdates) {
    // A DynamIP host gets the protocol's heartbeat timeout, and heartbeat hosts have no budget
    // (protocols.md §5, §8): only a host that opted out of the heartbeat can be over it.
    admin_ok({"host", "heartbeat", host, "off"});
    ASSERT_EQ(dynamip("192.0.2.30").body.rfind("IP Address for ", 0), 0u);
    EXPECT_EQ(dynamip("192.0.2.30").body.rfind("IP Address for ", 0), 0u);
    EXPECT_EQ(dynamip("192.0.2.30").body.rfind("IP Address for ", 0), 0u);
    const auto over = dynamip("192.0.2.30");
    EXPECT_EQ(over.body.rfind("{{{Too Many Updates|", 0), 0u) << over.body;
    EXPECT_GE(retry_after(over), 1);
    EXPECT_EQ(dynamip("192.0.2.31").body.rfind("{{{Too Many Updates|", 0), 0u);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.30"});
    EXPECT_TRUE(
        wait_until([&] { return dynamip("192.0.2.31").body.rfind("IP Address for ", 0) == 0; },
                   std::chrono::seconds(kWindow + 5), std::chrono::milliseconds(250)));
    EXPECT_EQ(a_records(host), Strings{"192.0.2.31"});
}

TEST_F(Abuse, MyServerAnswersTooManyAttemptsWithRetryAfter) {
    ASSERT_EQ(myserver("192.0.2.35").body, "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(myserver("192.0.2.35").body, "Error:Record Already Exists\r\n");
    EXPECT_EQ(myserver("192.0.2.35").body, "Error:Record Already Exists\r\n");
    const auto over = myserver("192.0.2.35");
    EXPECT_EQ(over.body, "Error:Too Many Attempts\r\n");
    EXPECT_GE(retry_after(over), 1);
    EXPECT_LE(retry_after(over), kWindow);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.35"});
}

TEST_F(Abuse, HeartbeatHostsAndHostsWithTheBudgetOffAreExempt) {
    admin_ok({"host", "heartbeat", host, "20m"});
    ASSERT_EQ(dyndns2("192.0.2.40").body, "good 192.0.2.40");
    for (int i = 0; i < 5; ++i) EXPECT_EQ(dyndns2("192.0.2.40").body, "nochg 192.0.2.40");
    EXPECT_EQ(nochg_count(), "0");

    admin_ok({"host", "heartbeat", host, "off"});
    admin_ok({"host", "nochg-interval", host, "off"});
    for (int i = 0; i < 5; ++i) EXPECT_EQ(dyndns2("192.0.2.40").body, "nochg 192.0.2.40");
    admin_ok({"host", "nochg-interval", host, "default"});
    for (int i = 0; i < 2; ++i) EXPECT_EQ(dyndns2("192.0.2.40").body, "nochg 192.0.2.40");
    EXPECT_EQ(dyndns2("192.0.2.40").body, "abuse");
}

TEST_F(Abuse, BindOutageNeverCountsAgainstTheClient) {
    ASSERT_EQ(dyndns2("192.0.2.50").body, "good 192.0.2.50");
    // The whole budget used: one more unchanged update would be abuse.
    EXPECT_EQ(dyndns2("192.0.2.50").body, "nochg 192.0.2.50");
    EXPECT_EQ(dyndns2("192.0.2.50").body, "nochg 192.0.2.50");
    stack().named().stop();
    // The router retries its new address while BIND is down: every try is dnserr, none abuse.
    for (int i = 0; i < 4; ++i) EXPECT_EQ(dyndns2("192.0.2.51").body, "dnserr") << i;
    EXPECT_EQ(stored_ipv4(host), "192.0.2.50");
    EXPECT_EQ(nochg_count(), "2");
    stack().named().start_again();
    EXPECT_EQ(dyndns2("192.0.2.51").body, "good 192.0.2.51");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.51"});
    EXPECT_EQ(nochg_count(), "0");
    EXPECT_EQ(dyndns2("192.0.2.51").body, "nochg 192.0.2.51");
    // The outage is charged to the server, never to the client (the update log is written in
    // the background, hence the wait).
    const std::string faults =
        "select server_faults || ' ' || client_faults from host_counters c join hosts h "
        "on h.id = c.host_id where name = '" +
        host + "'";
    EXPECT_TRUE(wait_until([&] { return stack().sql(faults) == "4 0"; })) << stack().sql(faults);
}

TEST_F(Abuse, BlockedHostIsRefusedInEveryDialectUntilUnblocked) {
    const std::string token = enable_dynamic();
    ASSERT_EQ(dyndns2("192.0.2.60").body, "good 192.0.2.60");
    admin_ok({"host", "block", host, "--reason", "spamming updates"});
    const auto list = stack().admin({"host", "list", "--account", user});
    EXPECT_NE(list.output.find("blocked"), std::string::npos) << list.output;
    const auto show = stack().admin({"host", "show", host});
    EXPECT_NE(show.output.find("spamming updates"), std::string::npos) << show.output;

    EXPECT_EQ(dyndns2("192.0.2.61").body, "abuse");
    const auto d = dynamic(token, "192.0.2.61");
    EXPECT_EQ(d.status, 403);
    EXPECT_EQ(d.body, "blocked");
    EXPECT_EQ(dynamip("192.0.2.61").body.rfind("{{{Blocked|", 0), 0u);
    EXPECT_EQ(myserver("192.0.2.61").body, "Error:Permission Denied\r\n");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.60"});
    EXPECT_EQ(stored_ipv4(host), "192.0.2.60");

    admin_ok({"host", "unblock", host});
    EXPECT_EQ(dyndns2("192.0.2.61").body, "good 192.0.2.61");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.61"});
}

TEST_F(Abuse, BlockedAccountIsRefusedInEveryDialectUntilUnblocked) {
    const std::string token = enable_dynamic();
    ASSERT_EQ(dyndns2("192.0.2.70").body, "good 192.0.2.70");
    admin_ok({"account", "block", user, "--reason", "abuse report"});
    const auto list = stack().admin({"account", "list"});
    EXPECT_NE(list.output.find(user), std::string::npos);
    EXPECT_NE(list.output.find("blocked"), std::string::npos) << list.output;

    EXPECT_EQ(dyndns2("192.0.2.71").body, "abuse");
    const auto d = dynamic(token, "192.0.2.71");
    EXPECT_EQ(d.status, 403);
    EXPECT_EQ(d.body, "blocked");
    EXPECT_EQ(dynamip("192.0.2.71").body.rfind("{{{Blocked|", 0), 0u);
    EXPECT_EQ(myserver("192.0.2.71").body, "Error:Permission Denied\r\n");
    // A wrong password still gets badauth: the block is only told to the account's owner.
    EXPECT_EQ(stack()
                  .get("/nic/update?hostname=" + host + "&myip=192.0.2.71",
                       std::pair{user, std::string("wrong-password")})
                  .body,
              "badauth");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.70"});
    EXPECT_EQ(stored_ipv4(host), "192.0.2.70");

    admin_ok({"account", "unblock", user});
    EXPECT_EQ(dynamic(token, "192.0.2.71").status, 200);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.71"});
}

}  // namespace
}  // namespace ddns::test
