// Two gateway instances on one database and one BIND, and a commit that fails after BIND applied
// its message (docs/design.md, "The database follows BIND"). Instance A's message writes a new
// address to BIND, then its commit is refused, which frees the host's row before A's
// compensation has reached BIND. Instance B, asked for the same address, reads the old state,
// sends the address again and commits it. A's compensation then still finds the address in BIND
// (its prerequisite) and puts the old one back: BIND holds the old address while the database
// holds the new one. A marks what it compensated in doubt, so the in-doubt pass (every second
// here) settles BIND to the database; the full comparison is an hour away in this test.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "second_instance.hpp"
#include "stack_environment.hpp"
#include "udp_relay.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct-horse-battery";
constexpr const char* kOld = "198.51.100.10";
constexpr const char* kNew = "198.51.100.77";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    // No credential cache: the instances read the zone's server (moved to the relay) and the
    // host from the database on every request. The full comparison runs once, at start (no
    // sweeper to defer it), and the test waits for it; /metrics tells when it ran.
    o.extra_config =
        "reconcile.interval = 3600\nreconcile.in_doubt_poll = 1\nauth.cache_ttl = 0\n"
        "sweep.interval = 0\nmetrics.on_public_listeners = true\n";
    return o;
}()));

using std::chrono::milliseconds;
using std::chrono::seconds;

class CompensationRace : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
        // Instances A and B beside the stack's own: a held message must not time out (and be
        // sent again) while the test lets B go first. Each one's first reconciler pass is its
        // full comparison, which must not come during the race.
        const auto patient = [](std::string config) {
            const std::string fast = "dns.timeout_ms = 500";
            config.replace(config.find(fast), fast.size(), "dns.timeout_ms = 20000");
            return config;
        };
        a = std::make_unique<SecondInstance>(stack(), patient);
        ASSERT_TRUE(a->ready()) << a->log();
        b = std::make_unique<SecondInstance>(stack(), patient);
        ASSERT_TRUE(b->ready()) << b->log();
        for (const std::uint16_t port : {stack().http_port(), a->port(), b->port()})
            ASSERT_TRUE(wait_until(
                [&] { return metric_sample(port, "ddns_reconcile_passes_total").value_or(0) >= 1; },
                seconds(15)))
                << "no reconciler pass on port " << port;
        ASSERT_EQ(update(*a, kOld), "good " + std::string(kOld));
    }
    void TearDown() override {
        route(stack().named().port());
        stack().sql("DROP TRIGGER IF EXISTS race_refuse_commit ON hosts");
        stack().sql("DROP SEQUENCE IF EXISTS race_refusals");
        if (HasFailure() && a) std::cerr << "instance A:\n" << a->log();
        if (HasFailure() && b) std::cerr << "instance B:\n" << b->log();
        a.reset();
        b.reset();
        StackTest::TearDown();
    }
    // The zone's UPDATEs go to `port` (the reconciler reads BIND over TCP: named's own port).
    void route(std::uint16_t port) {
        stack().sql("update zones set server_port = " + std::to_string(port) + " where name = '" +
                    kZone + "'");
    }
    // dyndns2 through `instance`; returns the body.
    std::string update(SecondInstance& instance, const std::string& ip) {
        const std::uint16_t port = instance.port();
        const std::string request = "GET /nic/update?hostname=" + host + "&myip=" + ip +
                                    " HTTP/1.0\r\nUser-Agent: race-test\r\nAuthorization: Basic " +
                                    base64(user + ":" + kPassword) + "\r\n\r\n";
        return http_exchange(port, request, seconds(30)).body;
    }
    // The next commit that writes kNew to a host is refused once, at COMMIT (a deferred
    // constraint trigger), after the gateway has had BIND apply the message.
    void refuse_next_commit_of_new_address() {
        stack().sql("CREATE SEQUENCE IF NOT EXISTS race_refusals");
        stack().sql(
            "CREATE OR REPLACE FUNCTION race_refuse_commit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN IF host(NEW.ipv4) = '" +
            std::string(kNew) +
            "' AND nextval('race_refusals') = 1 THEN RAISE EXCEPTION 'commit refused once (test)'; "
            "END IF; RETURN NULL; END $$");
        stack().sql(
            "CREATE CONSTRAINT TRIGGER race_refuse_commit AFTER UPDATE ON hosts DEFERRABLE "
            "INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION race_refuse_commit()");
    }

    std::string user;
    std::string host;
    std::unique_ptr<SecondInstance> a;
    std::unique_ptr<SecondInstance> b;
};

TEST_F(CompensationRace, BindFollowsTheDatabaseWhenAnotherInstanceCommittedBeforeACompensation) {
    UdpRelay relay(stack().named().port());
    route(relay.port());
    refuse_next_commit_of_new_address();
    relay.hold_next_guarded_update = true;

    // Instance A: BIND applies kNew, the commit is refused, the compensation is held.
    auto first = std::async(std::launch::async, [&] { return update(*a, kNew); });
    ASSERT_TRUE(wait_until([&] { return relay.held.load() == 1; }, seconds(15)))
        << "instance A's compensation never came";
    EXPECT_EQ(a_records(host), std::vector<std::string>{kNew}) << "BIND did not apply A's message";
    EXPECT_EQ(stored_ipv4(host), kOld) << "A's refused commit stored the address";

    // Instance B: reads the old state (A's rows are free), sends kNew again and commits it.
    EXPECT_EQ(update(*b, kNew), "good " + std::string(kNew));
    EXPECT_EQ(stored_ipv4(host), kNew);

    // A's compensation reaches BIND now: its prerequisite (kNew) holds, it puts kOld back.
    relay.release = true;
    const std::string answer_a = first.get();
    EXPECT_EQ(answer_a.rfind("911", 0), 0U) << "instance A answered " << answer_a;
    ASSERT_TRUE(
        wait_until([&] { return a_records(host) == std::vector<std::string>{kOld}; }, seconds(5)))
        << "the compensation did not put the old address back (the race did not happen)";

    // The reconciler reads BIND over TCP: route the zone to named itself again.
    route(stack().named().port());
    // A marked the host in doubt: BIND follows the database within a few in-doubt passes.
    EXPECT_TRUE(wait_until([&] { return a_records(host) == std::vector<std::string>{kNew}; },
                           seconds(10), milliseconds(200)))
        << "BIND still holds " << (a_records(host).empty() ? "-" : a_records(host)[0])
        << " while the database holds " << stored_ipv4(host);
    EXPECT_EQ(stored_ipv4(host), kNew);
}

}  // namespace
}  // namespace ddns::test
