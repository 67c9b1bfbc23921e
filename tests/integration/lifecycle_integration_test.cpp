// Host lifecycle against real named + PostgreSQL: heartbeat timeouts, offline actions (delete,
// sentinel, the host's own against its zone's), round robins, dyndns2 offline=YES, a failed
// commit after BIND took a host offline. lifecycle_faults_integration_test.cpp (same program)
// has expiry, several sweepers, outages, the admin commands and the real binary.
//
// The stack (named, PostgreSQL, migrate, admin) comes from GatewayStack, whose own gateway does
// not sweep. The parts under test (PgStore, UpdateService, the sweeper, the dyndns2 dialect) are
// built here around a clock the test moves (lifecycle_fixture.hpp), so an hour passes without
// waiting. TSIG signing keeps the real time (BIND checks it).
#include "lifecycle_fixture.hpp"

namespace ddns::test::lifecycle {
namespace {

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {kZone, kSentinelZone, "zonedefault.test"};
    o.extra_config = "sweep.interval = 0\n";  // the stack's gateway leaves sweeping to the tests
    return o;
}()));

TEST_F(Lifecycle, AHeartbeatHostGoesOfflineAfterItsTimeoutAndComesBackWithItsNextUpdate) {
    admin_ok({"host", "heartbeat", host, "20m"});
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.50,2001:db8::50"),
              "good 192.0.2.50,2001:db8::50");
    TestClock::advance(minutes(20));
    sweep();
    EXPECT_EQ(a_records(host), Strings{"192.0.2.50"}) << "exactly 20 minutes is not yet too long";
    TestClock::advance(seconds(1));
    sweep();
    ASSERT_TRUE(stack().named().running());
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_TRUE(aaaa_records(host).empty());
    EXPECT_EQ(state(host), "heartbeat - -");
    EXPECT_EQ(core->counting.accepted_for(host), 2) << "one update, one sweep";
    // A second pass leaves an offline host alone.
    const int attempts = core->counting.attempts_for(host);
    TestClock::advance(minutes(30));
    sweep();
    EXPECT_EQ(core->counting.attempts_for(host), attempts);

    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.50"), "good 192.0.2.50");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.50"});
    EXPECT_TRUE(aaaa_records(host).empty()) << "only the family in the request comes back";
    EXPECT_EQ(state(host), "online 192.0.2.50 -");
}

// The database refuses to record the offline state (a trigger that fails the commit) after BIND
// took the host offline: the sweeper puts back both the name and its wildcard mirror *.<host>.
TEST_F(Lifecycle, AFailedCommitRestoresTheNameAndItsWildcardMirror) {
    const std::string star = "*." + host;
    admin_ok({"zone", "wildcard", kZone, "on"});
    admin_ok({"host", "heartbeat", host, "20m"});
    const auto good = update("hostname=" + host + "&myip=192.0.2.70,2001:db8::70&wildcard=ON");
    admin_ok({"zone", "wildcard", kZone, "off"});
    ASSERT_EQ(good, "good 192.0.2.70,2001:db8::70");
    ASSERT_EQ(a_records(star), Strings{"192.0.2.70"});
    const std::string trigger = "refuse_offline";
    stack().sql("CREATE FUNCTION " + trigger +
                "() RETURNS trigger LANGUAGE plpgsql AS "
                "$$BEGIN RAISE EXCEPTION 'refused at commit'; END$$");
    stack().sql("CREATE CONSTRAINT TRIGGER " + trigger +
                " AFTER UPDATE ON hosts DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "WHEN (NEW.offline_reason IS NOT NULL AND NEW.name = '" +
                host + "') EXECUTE FUNCTION " + trigger + "()");
    TestClock::advance(minutes(21));
    sweep();
    stack().sql("DROP TRIGGER " + trigger + " ON hosts");
    EXPECT_EQ(state(host), "online 192.0.2.70 2001:db8::70");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.70"});
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::70"});
    EXPECT_EQ(a_records(star), Strings{"192.0.2.70"}) << "the mirror is restored too";
    EXPECT_EQ(aaaa_records(star), Strings{"2001:db8::70"});
    // The next pass, with the database working, takes both offline.
    sweep();
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_TRUE(a_records(star).empty());
}

// A MyServer free account's round robin (FamilyAction::Join) is the host's whole A set: the
// sweeper's prerequisite names every record of it and the whole set goes offline.
TEST_F(Lifecycle, ARoundRobinGoesOfflineAsAWhole) {
    admin_ok({"host", "heartbeat", host, "20m"});
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.61"), "good 192.0.2.61");
    for (const char* more : {"192.0.2.62", "192.0.2.63"}) {
        const auto principal = core->store.load_principal(user, "");
        ASSERT_TRUE(principal);
        const auto r = core->updates.apply(
            {{&principal->hosts.at(0), gateway::FamilyIntent::join(*IpAddress::parse(more)),
              gateway::FamilyIntent::keep()}},
            TestClock::now());
        ASSERT_EQ(r.at(0).status, gateway::ApplyStatus::Changed) << more;
    }
    auto held = a_records(host);
    std::sort(held.begin(), held.end());
    EXPECT_EQ(held, (Strings{"192.0.2.61", "192.0.2.62", "192.0.2.63"}));
    TestClock::advance(minutes(21));
    // At least this host: hosts of earlier tests (the order is shuffled) may fall due too.
    EXPECT_GE(sweep().taken_offline, 1u);
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_EQ(state(host), "heartbeat - -");
    EXPECT_EQ(row(host, "cardinality(extra_ipv4)"), "0");
}

TEST_F(Lifecycle, SentinelZonePointsOfflineHostsAtZeroAddresses) {
    admin_ok({"zone", "offline-action", kSentinelZone, "sentinel"});
    const std::string name = user + "." + kSentinelZone;
    stack().add_host(name, user);
    admin_ok({"host", "heartbeat", name, "10m"});
    ASSERT_EQ(update("hostname=" + name + "&myip=192.0.2.51,2001:db8::51"),
              "good 192.0.2.51,2001:db8::51");
    TestClock::advance(minutes(10) + seconds(1));
    sweep();
    EXPECT_EQ(a_records(name), Strings{"0.0.0.0"});
    EXPECT_EQ(aaaa_records(name), Strings{"::"});
    EXPECT_EQ(state(name), "heartbeat 0.0.0.0 ::");
    // Back with IPv4 only: the AAAA sentinel goes, it must not outlive the offline state.
    EXPECT_EQ(update("hostname=" + name + "&myip=192.0.2.52"), "good 192.0.2.52");
    EXPECT_EQ(a_records(name), Strings{"192.0.2.52"});
    EXPECT_TRUE(aaaa_records(name).empty());
    EXPECT_EQ(state(name), "online 192.0.2.52 -");
}

TEST_F(Lifecycle, AHostsOwnSentinelActionWinsInADeleteZone) {
    ASSERT_EQ(stack().sql("select offline_action from zones where name = 'life.test'"), "delete");
    const std::string follows = user + "-z." + kZone;
    stack().add_host(follows, user);
    admin_ok({"host", "offline-action", host, "sentinel"});
    for (const auto& n : {host, follows}) admin_ok({"host", "heartbeat", n, "10m"});
    ASSERT_EQ(update("hostname=" + host + "," + follows + "&myip=192.0.2.57,2001:db8::57"),
              "good 192.0.2.57,2001:db8::57\ngood 192.0.2.57,2001:db8::57");
    TestClock::advance(minutes(10) + seconds(1));
    sweep();
    EXPECT_EQ(a_records(host), Strings{"0.0.0.0"});
    EXPECT_EQ(aaaa_records(host), Strings{"::"});
    EXPECT_EQ(state(host), "heartbeat 0.0.0.0 ::");
    EXPECT_TRUE(a_records(follows).empty()) << "its zone's action: delete";
    EXPECT_TRUE(aaaa_records(follows).empty());
    EXPECT_EQ(state(follows), "heartbeat - -");

    // dyndns2 offline=YES (domain accounts) takes the host's own action too.
    const std::string owner = user + "-dom";
    const std::string requested = owner + "." + kZone;
    stack().add_account(owner, kPassword, "domain");
    stack().add_host(requested, owner);
    admin_ok({"host", "offline-action", requested, "sentinel"});
    ASSERT_EQ(update("hostname=" + requested + "&myip=192.0.2.58", owner), "good 192.0.2.58");
    EXPECT_EQ(update("hostname=" + requested + "&offline=YES", owner), "good 0.0.0.0");
    EXPECT_EQ(a_records(requested), Strings{"0.0.0.0"});
    EXPECT_EQ(state(requested), "request 0.0.0.0 -");
}

TEST_F(Lifecycle, AHostsOwnDeleteActionWinsInASentinelZone) {
    admin_ok({"zone", "offline-action", kSentinelZone, "sentinel"});
    const std::string own = user + "-d." + kSentinelZone;
    const std::string follows = user + "-s." + kSentinelZone;
    for (const auto& n : {own, follows}) {
        stack().add_host(n, user);
        admin_ok({"host", "heartbeat", n, "10m"});
    }
    admin_ok({"host", "offline-action", own, "delete"});
    ASSERT_EQ(update("hostname=" + own + "," + follows + "&myip=192.0.2.59"),
              "good 192.0.2.59\ngood 192.0.2.59");
    TestClock::advance(minutes(10) + seconds(1));
    sweep();
    EXPECT_TRUE(a_records(own).empty());
    EXPECT_EQ(state(own), "heartbeat - -");
    EXPECT_EQ(a_records(follows), Strings{"0.0.0.0"}) << "its zone's action: sentinel";
    EXPECT_EQ(state(follows), "heartbeat 0.0.0.0 -");

    // Back to the zone's action: the next offline transition uses the sentinel.
    admin_ok({"host", "offline-action", own, "zone"});
    EXPECT_EQ(row(own, "offline_action is null"), "t");
    ASSERT_EQ(update("hostname=" + own + "&myip=192.0.2.60"), "good 192.0.2.60");
    TestClock::advance(minutes(10) + seconds(1));
    sweep();
    EXPECT_EQ(a_records(own), Strings{"0.0.0.0"});
}

TEST_F(Lifecycle, AHostThatSentNochgJustBeforeItsDeadlineIsNotSwept) {
    admin_ok({"host", "heartbeat", host, "20m"});
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.53"), "good 192.0.2.53");
    TestClock::advance(minutes(19) + seconds(59));
    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.53"), "nochg 192.0.2.53");
    TestClock::advance(seconds(2));  // past the first deadline, well within the refreshed one
    sweep();
    EXPECT_EQ(a_records(host), Strings{"192.0.2.53"});
    EXPECT_EQ(state(host), "online 192.0.2.53 -");
    EXPECT_EQ(core->counting.attempts_for(host), 1) << "only the first update reached BIND";
    // Without the refresh it would have gone: the timeout still applies from the nochg on.
    TestClock::advance(minutes(20));
    sweep();
    EXPECT_EQ(state(host), "heartbeat - -");
}

TEST_F(Lifecycle, OfflineYesForDomainAccountsAndNotDonatorForFreeOnes) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.54"), "good 192.0.2.54");
    EXPECT_EQ(update("hostname=" + host + "&offline=YES"), "!donator");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.54"});
    EXPECT_EQ(state(host), "online 192.0.2.54 -");

    const std::string owner = user + "-dom";
    const std::string deleted = owner + "." + kZone;
    const std::string sentinel = owner + "." + kSentinelZone;
    admin_ok({"zone", "offline-action", kSentinelZone, "sentinel"});
    stack().add_account(owner, kPassword, "domain");
    stack().add_host(deleted, owner);
    stack().add_host(sentinel, owner);
    ASSERT_EQ(update("hostname=" + deleted + "," + sentinel + "&myip=192.0.2.55", owner),
              "good 192.0.2.55\ngood 192.0.2.55");
    // Both hosts at once, each with its zone's action; a malformed myip does not matter.
    EXPECT_EQ(update("hostname=" + deleted + "," + sentinel + "&offline=YES&myip=bogus", owner),
              "good 0.0.0.0\ngood 0.0.0.0");
    EXPECT_TRUE(a_records(deleted).empty());
    EXPECT_EQ(a_records(sentinel), Strings{"0.0.0.0"});
    EXPECT_EQ(state(deleted), "request - -");
    EXPECT_EQ(state(sentinel), "request 0.0.0.0 -");
    EXPECT_EQ(update("hostname=" + deleted + "&offline=YES", owner), "nochg 0.0.0.0");
    // offline=NO is just an update.
    EXPECT_EQ(update("hostname=" + sentinel + "&offline=NO&myip=192.0.2.56", owner),
              "good 192.0.2.56");
    EXPECT_EQ(a_records(sentinel), Strings{"192.0.2.56"});
    EXPECT_EQ(state(sentinel), "online 192.0.2.56 -");
}

}  // namespace
}  // namespace ddns::test::lifecycle
