// Host lifecycle against real named + PostgreSQL: heartbeat timeouts, offline actions, expiry,
// dyndns2 offline=YES, several sweepers on one database, prerequisites, BIND outages.
//
// The stack (named, PostgreSQL, migrate, admin) comes from GatewayStack, whose own gateway does
// not sweep. The parts under test (PgStore, UpdateService, the sweeper, the dyndns2 dialect) are
// built here around a clock the test moves, so an hour passes without waiting. TSIG signing
// keeps the real time (BIND checks it). One test runs the real binary with a short real timeout.
#include <gtest/gtest.h>

#include <algorithm>

#include <latch>
#include <mutex>
#include <set>
#include <thread>

#include "ddns/auth/authenticator.hpp"
#include "ddns/gateway/core/address_policy.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "ddns/gateway/dialects/dyndns2_dialect.hpp"
#include "ddns/gateway/jobs/offline_sweeper.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_lifecycle_store.hpp"
#include "ddns/sql/pg_store.hpp"
#include "stack_environment.hpp"

namespace ddns::test {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Strings = std::vector<std::string>;

constexpr const char* kZone = "life.test";              // offline action: delete (the default)
constexpr const char* kSentinelZone = "sentinel.test";  // offline action: sentinel
constexpr const char* kPassword = "lifecycle password";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {kZone, kSentinelZone, "zonedefault.test"};
    o.extra_config = "sweep.interval = 0\n";  // the stack's gateway leaves sweeping to the tests
    return o;
}()));

// Process-wide virtual time: the real time (whole seconds) when the tests started, plus what
// they added. It stands still otherwise, so "exactly 20 minutes later" is exact, and it only
// moves forward, so rows written by one test never lie in another test's future.
class TestClock {
public:
    static auth::TimePoint now() {
        std::lock_guard lock(mutex());
        return current();
    }
    static void advance(auth::Clock::duration d) {
        std::lock_guard lock(mutex());
        current() += d;
    }

private:
    static std::mutex& mutex() {
        static std::mutex m;
        return m;
    }
    static auth::TimePoint& current() {
        static auth::TimePoint t = std::chrono::floor<seconds>(auth::Clock::now());
        return t;
    }
};

// The real UpdateClient, recording every message and its result, so tests can say which hosts
// an UPDATE touched and how often.
class CountingSender final : public UpdateSender {
public:
    explicit CountingSender(UpdateSender& inner) : inner_(inner) {}
    UpdateResult send(const UpdateRequest& request, const TsigKey& key,
                      const ServerEndpoint& server) override {
        UpdateResult result = inner_.send(request, key, server);
        std::lock_guard lock(mutex_);
        sent_.emplace_back(request, result.status);
        return result;
    }
    // Messages that BIND accepted and that touched `name`.
    int accepted_for(const std::string& name) const {
        std::lock_guard lock(mutex_);
        int n = 0;
        for (const auto& [request, status] : sent_)
            if (status == UpdateStatus::Success && touches(request, name)) ++n;
        return n;
    }
    int attempts_for(const std::string& name) const {
        std::lock_guard lock(mutex_);
        int n = 0;
        for (const auto& [request, status] : sent_) n += touches(request, name) ? 1 : 0;
        return n;
    }

private:
    static bool touches(const UpdateRequest& request, const std::string& name) {
        for (const auto& op : request.operations)
            if (const auto* d = std::get_if<DeleteRRset>(&op); d && d->owner.str() == name)
                return true;
        return false;
    }
    UpdateSender& inner_;
    mutable std::mutex mutex_;
    std::vector<std::pair<UpdateRequest, UpdateStatus>> sent_;
};

// The gateway's core as `serve` builds it, on its own connection pool.
struct Core {
    explicit Core(const std::string& conninfo)
        : db(conninfo, 4),
          store(db),
          lifecycle(db),
          hasher(auth::Argon2Params{1, 8 * 1024}),
          authenticator(store, hasher, &TestClock::now),
          dns([] {
              UpdateClientOptions o;
              o.timeout = std::chrono::milliseconds(500);
              o.udp_attempts = 1;
              return o;
          }()),
          counting(dns),
          updates(counting, store, log),
          dyndns2(authenticator, updates, policy, log, &TestClock::now, gateway::Dyndns2Options{}),
          sweeper(counting, lifecycle, log, &TestClock::now,
                  gateway::SweeperOptions{seconds(30), 3}) {}

    sql::Database db;
    sql::PgStore store;
    sql::PgLifecycleStore lifecycle;
    auth::PasswordHasher hasher;
    auth::Authenticator authenticator;
    gateway::Logger log{gateway::LogLevel::Warning};
    UpdateClient dns;
    CountingSender counting;
    gateway::UpdateService updates;
    gateway::AddressPolicy policy;
    gateway::Dyndns2Dialect dyndns2;
    gateway::OfflineSweeper sweeper;
};

class Lifecycle : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
        core = std::make_unique<Core>(stack().conninfo());
    }

    // A dyndns2 request straight into the dialect (no HTTP), as `who`.
    std::string update(const std::string& query, const std::string& who = {}) {
        gateway::RequestView r;
        r.method = "GET";
        r.path = "/nic/update";
        r.query = gateway::QueryParams::parse(query);
        r.headers = {
            {"Authorization", "Basic " + base64((who.empty() ? user : who) + ":" + kPassword)},
            {"User-Agent", "lifecycle-test/1.0"}};
        r.peer = *IpAddress::parse("127.0.0.1");
        r.client = *IpAddress::parse("203.0.113.99");
        return core->dyndns2.handle(r).body;
    }
    void admin_ok(const std::vector<std::string>& args) {
        const auto r = stack().admin(args);
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    std::string row(const std::string& name, const std::string& columns) {
        return stack().sql("select " + columns + " from hosts where name = '" + name + "'");
    }
    // "online"/"offline <reason>" and the stored addresses.
    std::string state(const std::string& name) {
        return row(name,
                   "coalesce(offline_reason, 'online') || ' ' || coalesce(host(ipv4), '-') || ' ' "
                   "|| coalesce(host(ipv6), '-')");
    }
    gateway::SweepReport sweep() { return core->sweeper.sweep_once(); }

    std::string user;
    std::string host;
    std::unique_ptr<Core> core;
};

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

TEST_F(Lifecycle, ExpiryTakesTheAccountsHostsOfflineAndRefusesItsUpdates) {
    const std::string second = user + "-2." + kZone;
    stack().add_host(second, user);
    ASSERT_EQ(update("hostname=" + host + "," + second + "&myip=192.0.2.57"),
              "good 192.0.2.57\ngood 192.0.2.57");
    const auto expires = std::chrono::duration_cast<std::chrono::microseconds>(
                             (TestClock::now() + minutes(60)).time_since_epoch())
                             .count();
    stack().sql("update accounts set expires_at = to_timestamp(" + std::to_string(expires) +
                " / 1000000.0) where username = '" + user + "'");
    sweep();
    EXPECT_EQ(state(host), "online 192.0.2.57 -") << "not expired yet";
    TestClock::advance(minutes(61));
    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.58"), "badauth");
    sweep();
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_TRUE(a_records(second).empty());
    EXPECT_EQ(state(host), "expired - -");
    EXPECT_EQ(state(second), "expired - -");
    EXPECT_EQ(core->counting.accepted_for(host), 2) << "the update and one sweep";
}

// Two gateway instances (two connection pools, two sweepers) on one database: every due host
// is taken offline by exactly one UPDATE.
TEST_F(Lifecycle, TwoSweepersOnOneDatabaseTakeEachHostOfflineOnce) {
    admin_ok({"zone", "offline-action", kSentinelZone, "sentinel"});
    Strings names;
    for (int i = 0; i < 12; ++i) {
        names.push_back(user + "-" + std::to_string(i) + "." + (i % 2 ? kZone : kSentinelZone));
        stack().add_host(names.back(), user);
        admin_ok({"host", "heartbeat", names.back(), "1m"});
    }
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ",") + n;
    ASSERT_EQ(update("hostname=" + list + "&myip=192.0.2.59").find("good"), 0U);
    TestClock::advance(minutes(2));

    Core other(stack().conninfo());
    std::latch start(2);
    std::thread one([&] {
        start.arrive_and_wait();
        core->sweeper.sweep_once();
    });
    std::thread two([&] {
        start.arrive_and_wait();
        other.sweeper.sweep_once();
    });
    one.join();
    two.join();
    for (const auto& n : names) {
        EXPECT_EQ(core->counting.accepted_for(n) + other.counting.accepted_for(n), 2)
            << n << ": one update, then exactly one sweep";
        EXPECT_EQ(row(n, "offline_reason"), "heartbeat") << n;
    }
    EXPECT_TRUE(a_records(names[1]).empty());
    EXPECT_EQ(a_records(names[0]), Strings{"0.0.0.0"});
}

// Somebody changed the record in BIND directly: the prerequisite fails, the sweeper leaves that
// host as it is (and retries it next pass) while the other host of the message goes offline.
TEST_F(Lifecycle, ARecordChangedBehindTheGatewaysBackIsNotTouched) {
    const std::string other = user + "-x." + kZone;
    stack().add_host(other, user);
    admin_ok({"host", "heartbeat", host, "1m"});
    admin_ok({"host", "heartbeat", other, "1m"});
    ASSERT_EQ(update("hostname=" + host + "," + other + "&myip=192.0.2.60"),
              "good 192.0.2.60\ngood 192.0.2.60");
    auto key = parse_tsig_key_file(read_file(stack().named().key_file()));
    ASSERT_TRUE(key);
    const ServerEndpoint server{*IpAddress::parse("127.0.0.1"), stack().named().port()};
    const DnsName owner = *DnsName::parse(host);
    UpdateRequest manual{
        *DnsName::parse(kZone),
        {},
        {DeleteRRset{owner, RecordType::A},
         AddRecord{ResourceRecord::address(owner, 60, *IpAddress::parse("192.0.2.61"))}}};
    ASSERT_TRUE(core->dns.send(manual, *key, server).ok());

    TestClock::advance(minutes(2));
    const auto report = sweep();
    EXPECT_GE(report.failed, 1U);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.61"})
        << "the sweeper must not delete a foreign record";
    EXPECT_EQ(state(host), "online 192.0.2.60 -");
    EXPECT_TRUE(a_records(other).empty());
    EXPECT_EQ(state(other), "heartbeat - -");
    // Still due: tried again on the next pass, still refused.
    sweep();
    EXPECT_EQ(a_records(host), Strings{"192.0.2.61"});
    EXPECT_GE(core->counting.attempts_for(host), 3);
}

TEST_F(Lifecycle, WhileBindIsDownNothingIsRecordedAndTheNextPassRetries) {
    admin_ok({"host", "heartbeat", host, "1m"});
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.62"), "good 192.0.2.62");
    TestClock::advance(minutes(2));
    stack().named().stop();
    const auto failed = sweep();
    stack().named().start_again();
    EXPECT_GE(failed.failed, 1U);
    EXPECT_EQ(state(host), "online 192.0.2.62 -") << "nothing recorded without BIND's answer";
    EXPECT_EQ(a_records(host), Strings{"192.0.2.62"});
    sweep();
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_EQ(state(host), "heartbeat - -");
}

TEST_F(Lifecycle, AdminSetsAndShowsHeartbeatsAndOfflineActions) {
    admin_ok({"zone", "heartbeat", "zonedefault.test", "20m"});
    const std::string inherits = user + "-i.zonedefault.test";
    const std::string own = user + "-o.zonedefault.test";
    const std::string off = user + "-f.zonedefault.test";
    for (const auto& n : {inherits, own, off}) stack().add_host(n, user);
    admin_ok({"host", "heartbeat", own, "90s"});
    admin_ok({"host", "heartbeat", off, "off"});
    auto r = stack().admin({"host", "list", "--account", user});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // The line that starts with `name`.
    auto line_of = [&](const std::string& name) {
        const auto at = r.output.find("\n" + name);
        return at == std::string::npos ? std::string()
                                       : r.output.substr(at + 1, r.output.find('\n', at + 1) - at);
    };
    EXPECT_NE(line_of(inherits).find("20m (zone)"), std::string::npos) << r.output;
    EXPECT_NE(line_of(own).find("90s"), std::string::npos) << r.output;
    EXPECT_NE(line_of(off).find(" off "), std::string::npos) << r.output;
    EXPECT_NE(line_of(host).find("online"), std::string::npos) << r.output;
    EXPECT_EQ(row(own, "heartbeat_seconds"), "90");
    EXPECT_EQ(row(off, "heartbeat_seconds"), "0");
    admin_ok({"host", "heartbeat", own, "zone"});
    EXPECT_EQ(row(own, "heartbeat_seconds"), "");

    r = stack().admin({"zone", "list"});
    EXPECT_NE(r.output.find("20m"), std::string::npos) << r.output;
    admin_ok({"zone", "heartbeat", "zonedefault.test", "off"});
    EXPECT_EQ(stack().sql("select heartbeat_seconds is null from zones where name = "
                          "'zonedefault.test'"),
              "t");

    // Bad input: a clear message, exit 1, nothing changed.
    r = stack().admin({"host", "heartbeat", host, "5 years"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("DURATION"), std::string::npos) << r.output;
    r = stack().admin({"host", "heartbeat", "nobody." + std::string(kZone), "20m"});
    EXPECT_EQ(r.exit_code, 1);
    r = stack().admin({"zone", "offline-action", kZone, "explode"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(stack().sql("select offline_action from zones where name = 'life.test'"), "delete");

    // The host's own offline action, or the zone's marked as such; bad input changes nothing.
    admin_ok({"host", "offline-action", own, "sentinel"});
    EXPECT_EQ(row(own, "offline_action"), "sentinel");
    r = stack().admin({"host", "list", "--account", user});
    EXPECT_NE(line_of(own).find("  sentinel  "), std::string::npos) << r.output;
    EXPECT_NE(line_of(inherits).find("delete (zone)"), std::string::npos) << r.output;
    r = stack().admin({"host", "show", own});
    EXPECT_NE(r.output.find("offline_action:   sentinel\n"), std::string::npos) << r.output;
    r = stack().admin({"host", "offline-action", own, "explode"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("delete, sentinel or zone"), std::string::npos) << r.output;
    EXPECT_EQ(row(own, "offline_action"), "sentinel");
    r = stack().admin({"host", "offline-action", "nobody." + std::string(kZone), "delete"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("not found"), std::string::npos) << r.output;
    admin_ok({"host", "offline-action", own, "zone"});
    EXPECT_EQ(row(own, "offline_action"), "");
    r = stack().admin({"host", "show", own});
    EXPECT_NE(r.output.find("offline_action:   delete (zone)\n"), std::string::npos) << r.output;

    // An offline host shows why and since when.
    admin_ok({"host", "heartbeat", host, "1m"});
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.63"), "good 192.0.2.63");
    TestClock::advance(minutes(2));
    sweep();
    r = stack().admin({"host", "list", "--account", user});
    EXPECT_NE(line_of(host).find("offline (heartbeat) since"), std::string::npos) << r.output;
}

// The real binary: `serve` sweeps on its own with a short real timeout and stops cleanly on
// SIGTERM. Runs a second gateway process on the stack's database.
TEST_F(Lifecycle, ServeSweepsInTheBackgroundAndStopsCleanly) {
    admin_ok({"host", "heartbeat", host, "2s"});
    TempDir dir;
    const std::uint16_t port = free_port();
    const auto conf = dir.path() / "sweeping.conf";
    write_file(conf, "database.url = " + stack().conninfo() +
                         "\nhttp.listen = 127.0.0.1:" + std::to_string(port) +
                         "\nsweep.interval = 1\nsweep.batch_size = 10\ndns.timeout_ms = 500\n"
                         "auth.argon2_opslimit = 1\nauth.argon2_memlimit_kib = 8\n");
    ChildProcess serve({gateway_binary(), "serve", "--config", conf.string()},
                       dir.path() / "serve.log");
    ASSERT_TRUE(wait_until([&] { return tcp_port_open(port) || !serve.running(); }));
    ASSERT_TRUE(serve.running()) << serve.log();
    auto http_update = [&](const std::string& ip) {
        return http_exchange(port,
                             "GET /nic/update?hostname=" + host + "&myip=" + ip +
                                 " HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nAuthorization: Basic " +
                                 base64(user + ":" + kPassword) + "\r\nConnection: close\r\n\r\n")
            .body;
    };
    ASSERT_EQ(http_update("192.0.2.64"), "good 192.0.2.64");
    EXPECT_TRUE(wait_until([&] { return row(host, "offline_reason") == "heartbeat"; }, seconds(20),
                           std::chrono::milliseconds(100)))
        << serve.log();
    EXPECT_TRUE(a_records(host).empty());
    // Heartbeat off first, or the 2 s timeout could take it offline again before we look.
    admin_ok({"host", "heartbeat", host, "off"});
    // The sweep's change reaches serve's principal cache by notification: until then its copy
    // holds the host online with this address and answers nochg, which changes nothing.
    std::string answer;
    EXPECT_TRUE(wait_until([&] {
        answer = http_update("192.0.2.64");
        return answer != "nochg 192.0.2.64";
    }));
    EXPECT_EQ(answer, "good 192.0.2.64");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.64"});
    EXPECT_EQ(serve.stop(), 0) << serve.log();
}

}  // namespace
}  // namespace ddns::test
