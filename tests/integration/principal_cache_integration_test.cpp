// The principal cache (cache.ttl on) across two gateway instances on one database and one
// BIND: a change made through one instance takes effect on the other once PostgreSQL's
// notification has arrived (LISTEN/NOTIFY, migration 018), requests alternating between the
// instances are applied in order, unchanged updates keep a heartbeat host online through the
// batched last_seen writes, and an instance's own write through the API is seen at once. (Each
// rule of a credential under the cache: principal_cache_rules_integration_test.cpp.)
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "api_client.hpp"
#include "second_instance.hpp"
#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";

// The throttle is off: the tests present old passwords and revoked tokens on purpose. The
// staleness bound is the longest there is (a minute), so that a test that holds notifications
// back sees what the cache answers within it.
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config =
        "cache.ttl = 60\ncache.max_lag_ms = 60000\nweb.enabled = true\n"
        "auth.lockout_failures = 0\nauth.account_lockout_failures = 0\n"
        "auth.address_lockout_failures = 0\n";
    return o;
}()));

using Strings = std::vector<std::string>;

// Holds PostgreSQL's notifications back from every listening instance: the backends that run a
// LISTEN are stopped (SIGSTOP) while this lives, and resumed when it goes.
struct HeldNotifications {
    explicit HeldNotifications(GatewayStack& stack) {
        const std::string listeners = stack.sql(
            "select string_agg(pid::text, ' ') from pg_stat_activity where query ilike "
            "'LISTEN %'");
        for (std::size_t at = 0; at < listeners.size();) {
            const std::size_t end = std::min(listeners.find(' ', at), listeners.size());
            pids.push_back(std::stoi(listeners.substr(at, end - at)));
            at = end + 1;
        }
        for (const int pid : pids) all_stopped = ::kill(pid, SIGSTOP) == 0 && all_stopped;
    }
    ~HeldNotifications() {
        for (const int pid : pids) ::kill(pid, SIGCONT);
    }
    HeldNotifications(const HeldNotifications&) = delete;
    HeldNotifications& operator=(const HeldNotifications&) = delete;
    std::vector<int> pids;
    bool all_stopped = true;
};

class PrincipalCache : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
        second = std::make_unique<SecondInstance>(stack());
        ASSERT_TRUE(second->ready()) << second->log();
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << "second instance:\n" << second->log();
        second.reset();
        StackTest::TearDown();
    }
    // dyndns2 through instance 0 (the stack's) or 1 (the second); returns the body.
    std::string update(int instance, const std::string& ip, const std::string& secret = kPassword,
                       const std::string& name = "") {
        const std::uint16_t port = instance == 0 ? stack().http_port() : second->port();
        const std::string request = "GET /nic/update?hostname=" + host + "&myip=" + ip +
                                    " HTTP/1.0\r\nUser-Agent: cache-test\r\nAuthorization: Basic " +
                                    base64((name.empty() ? user : name) + ":" + secret) +
                                    "\r\n\r\n";
        return http_exchange(port, request).body;
    }
    // Both instances answer nochg for `ip`, so both hold the principal in memory.
    void warm(const std::string& ip, const std::string& secret = kPassword,
              const std::string& name = "") {
        for (int round = 0; round < 2; ++round)
            for (int i = 0; i < 2; ++i)
                ASSERT_EQ(update(i, ip, secret, name), "nochg " + ip) << "instance " << i;
    }

    std::string user;
    std::string host;
    std::unique_ptr<SecondInstance> second;
};

// Both instances hold the host's state in memory when one of them changes it; once the
// notification has arrived, the address the other still remembered is a change again, not nochg.
TEST_F(PrincipalCache, RequestsAlternatingBetweenInstancesAreAppliedInOrder) {
    const std::string held = "192.0.2.20";
    ASSERT_EQ(update(0, held), "good " + held);
    for (int round = 0; round < 6; ++round) {
        const int through = round % 2;
        const std::string ip = "192.0.2." + std::to_string(21 + round);
        warm(held);
        EXPECT_EQ(update(through, ip), "good " + ip) << "round " << round;
        // Until the notification has arrived the other instance may still answer nochg from
        // memory (nothing is written from that answer); then the held address is a change.
        EXPECT_TRUE(wait_until([&] { return update(1 - through, held) == "good " + held; }))
            << "round " << round;
        EXPECT_EQ(a_records(host), Strings{held});
        EXPECT_EQ(stored_addresses(host), held + " -");
    }
}

// A heartbeat host's unchanged updates are answered from memory and their last_seen written
// by the next batch: the database follows within about a second, and the host stays online.
TEST_F(PrincipalCache, UnchangedUpdatesOfAHeartbeatHostAreWrittenInBatches) {
    ASSERT_EQ(stack().admin({"host", "heartbeat", host, "60s"}).exit_code, 0);
    ASSERT_EQ(update(0, "192.0.2.30"), "good 192.0.2.30");
    const auto seen = [&] {
        return std::stoll(stack().sql(
            "select (extract(epoch from last_seen) * 1000)::bigint from hosts where name = '" +
            host + "'"));
    };
    for (int i = 0; i < 6; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        const auto before = seen();
        ASSERT_EQ(update(i % 2, "192.0.2.30"), "nochg 192.0.2.30");
        EXPECT_TRUE(wait_until([&] { return seen() > before; }))
            << "last_seen of update " << i << " never reached the database";
    }
    EXPECT_EQ(stack().sql("select offline_since is null from hosts where name = '" + host + "'"),
              "t");
}

// A write through the JSON API is seen by the same instance's next request even while its
// notifications are held up (every listening backend stopped): after a write through the pages
// or the API the instance answers from the database until a freshness ping sent after the write
// has come back. Without that barrier the cached principal, which lacks the new host, answered
// the router for up to cache.max_lag_ms (a minute here).
TEST_F(PrincipalCache, AHostAddedThroughTheApiIsUpdatableAtOnceOnTheSameInstance) {
    // Users may add names in the zone; the account gets an API token. Both before the cache is
    // warmed, so their own notifications have been applied.
    const auto open = stack().admin({"zone", "public", kZone, "on"});
    ASSERT_EQ(open.exit_code, 0) << open.output;
    const auto t = stack().admin({"apitoken", "add", user});
    ASSERT_EQ(t.exit_code, 0) << t.output;
    const std::string token = t.output.substr(0, t.output.find('\n'));
    ASSERT_EQ(update(0, "192.0.2.80"), "good 192.0.2.80");
    warm("192.0.2.80");
    const HeldNotifications held(stack());
    ASSERT_FALSE(held.pids.empty()) << "no listening backend found";
    ASSERT_TRUE(held.all_stopped);

    const std::string added = "b-" + host;
    const auto r =
        api_call(stack(), "127.0.0.1", "POST", "hosts", R"({"name":")" + added + R"("})", token);
    ASSERT_EQ(r.status / 100, 2) << r.http.body;
    const std::string request = "GET /nic/update?hostname=" + added +
                                "&myip=192.0.2.81 HTTP/1.0\r\nUser-Agent: cache-test\r\n"
                                "Authorization: Basic " +
                                base64(user + ":" + kPassword) + "\r\n\r\n";
    EXPECT_EQ(http_exchange(stack().http_port(), request).body, "good 192.0.2.81");
    EXPECT_EQ(stack().named().query(added, "A"), Strings{"192.0.2.81"});
}

// A change answered from a cached copy older than an admin change writes that copy's state to
// BIND: here the host's TTL. `admin host ttl` stores 1234 and writes it to BIND; the router's
// next change, answered within cache.max_lag_ms from the copy with the old TTL, then puts the
// old TTL back into BIND, where it stays while the database says 1234 (no answer is stale beyond
// the bound, but what it wrote is). The change takes the TTL from its locked read instead.
TEST_F(PrincipalCache, AChangeRightAfterAnAdminTtlChangeWritesTheStoredTtl) {
    ASSERT_EQ(update(0, "192.0.2.90"), "good 192.0.2.90");
    warm("192.0.2.90");
    const HeldNotifications held(stack());
    ASSERT_FALSE(held.pids.empty()) << "no listening backend found";
    ASSERT_TRUE(held.all_stopped);

    const auto ttl = stack().admin({"host", "ttl", host, "1234"});
    ASSERT_EQ(ttl.exit_code, 0) << ttl.output;
    const auto ttl_in_bind = [&] {
        const auto r = run_command({"dig", "+noall", "+answer", "+norec", "@127.0.0.1", "-p",
                                    std::to_string(stack().named().port()), host, "A"});
        std::istringstream in(r.output);
        std::string owner, value;
        in >> owner >> value;
        return value;
    };
    ASSERT_EQ(ttl_in_bind(), "1234");
    // Within the bound the old copy may answer; the change it makes must still carry the TTL
    // the database holds.
    ASSERT_EQ(update(0, "192.0.2.91"), "good 192.0.2.91");
    EXPECT_EQ(stack().sql("select ttl from hosts where name = '" + host + "'"), "1234");
    EXPECT_EQ(ttl_in_bind(), "1234") << "BIND holds another TTL than the database";
}

}  // namespace
}  // namespace ddns::test
