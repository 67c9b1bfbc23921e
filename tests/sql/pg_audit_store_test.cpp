// The update log in PostgreSQL: rows as written, fault counters and last-update columns derived
// from them, auth faults charged by username and host name, hostile text, pruning, and the
// operator's reads (host details, filtered log).
#include "ddns/sql/pg_audit_store.hpp"

#include <gtest/gtest.h>

#include <future>

#include "connection.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/audit_repository.hpp"
#include "ddns/sql/migrator.hpp"
#include "sql_fixture.hpp"
#include "test_support.hpp"

namespace ddns::sql::test {
namespace {

using auth::FaultClass;

// Whole seconds, so the values survive the round trip through timestamptz unchanged.
auth::TimePoint at(std::int64_t seconds) {
    return auth::TimePoint(std::chrono::seconds(seconds));
}

constexpr std::int64_t kT0 = 1'700'000'000;  // 2023-11-14T22:13:20Z

auth::AuditHost entry(std::optional<std::int64_t> host_id, std::string name, std::string outcome,
                      FaultClass fault, std::string detail = {}) {
    auth::AuditHost h;
    h.host_id = host_id;
    h.name = std::move(name);
    h.outcome = std::move(outcome);
    h.fault = fault;
    h.detail = std::move(detail);
    return h;
}

auth::AuditRecord record(std::int64_t seconds, std::optional<std::int64_t> account_id,
                         std::string username, std::vector<auth::AuditHost> hosts,
                         bool tls = false) {
    return auth::AuditRecord{
        at(seconds), *IpAddress::parse("198.51.100.7"), "router/1.0", tls,
        auth::AuditNote{"dyndns2", account_id, std::move(username), {}, std::move(hosts)}};
}

class PgAuditStoreTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        if (HasFatalFailure()) return;
        ASSERT_NO_FATAL_FAILURE(migrate_with_example_zone());
        AdminRepository repo(*db_);
        alice_ = *repo.add_account("Alice", "", auth::Plan::Free, "hash-a");
        bob_ = *repo.add_account("bob", "", auth::Plan::Free, "hash-b");
        host_a_ = *repo.add_host(name("a.example.org"), "alice");
        host_b_ = *repo.add_host(name("b.example.org"), "alice");
        host_bob_ = *repo.add_host(name("bob.example.org"), "bob");
        store_ = std::make_unique<PgAuditStore>(*db_);
    }

    // A host's update-log counters (migration 029: a table of their own; a host nothing was
    // counted for has no row there).
    std::string host_column(std::int64_t id, const std::string& expression) {
        return scalar("SELECT " + expression +
                      " FROM hosts h LEFT JOIN host_counters c ON c.host_id = h.id WHERE h.id = " +
                      std::to_string(id))
            .value_or("NULL");
    }
    std::string counters(std::int64_t id) {
        return host_column(id,
                           "coalesce(client_faults, 0) || '/' || coalesce(server_faults, 0) || "
                           "'/' || coalesce(auth_faults, 0)");
    }

    std::int64_t alice_ = 0, bob_ = 0;
    std::int64_t host_a_ = 0, host_b_ = 0, host_bob_ = 0;
    std::unique_ptr<PgAuditStore> store_;
};

TEST_F(PgAuditStoreTest, AGoodUpdateIsOneRowAndSetsTheLastUpdateOfItsFamilyAndTls) {
    auto good = entry(host_a_, "a.example.org", "good", FaultClass::None);
    good.ipv6_changed = true;
    store_->write({record(kT0, alice_, "alice", {good}, true)});

    EXPECT_EQ(scalar("SELECT count(*) FROM update_log"), "1");
    EXPECT_EQ(scalar("SELECT extract(epoch FROM logged_at)::bigint || ' ' || account_id || ' ' || "
                     "username || ' ' || host_id || ' ' || hostname || ' ' || host(client) || "
                     "' ' || user_agent || ' ' || dialect || ' ' || outcome || ' ' || fault || "
                     "' ' || ipv4_changed || ' ' || ipv6_changed || ' ' || tls FROM update_log"),
              std::to_string(kT0) + " " + std::to_string(alice_) + " alice " +
                  std::to_string(host_a_) +
                  " a.example.org 198.51.100.7 router/1.0 dyndns2 good none false true true");
    EXPECT_EQ(host_column(host_a_, "extract(epoch FROM last_update_ipv6)::bigint"),
              std::to_string(kT0));
    EXPECT_EQ(host_column(host_a_, "last_update_ipv4 IS NULL"), "t");
    EXPECT_EQ(host_column(host_a_, "last_update_tls"), "t");
    EXPECT_EQ(counters(host_a_), "0/0/0");
    EXPECT_EQ(host_column(host_a_, "last_fault IS NULL"), "t");
}

// Within one batch the newest row of a host gives its last change's TLS and its last fault; of
// rows logged at the same time, the one written last (the higher id).
TEST_F(PgAuditStoreTest, TheNewestRowOfABatchGivesTheLastTlsAndFaultTiesToTheLaterRow) {
    auto change = [&](bool ipv6) {
        auto good = entry(host_a_, "a.example.org", "good", FaultClass::None);
        (ipv6 ? good.ipv6_changed : good.ipv4_changed) = true;
        return good;
    };
    store_->write({record(kT0 + 2, alice_, "alice", {change(false)}, false),
                   record(kT0 + 1, alice_, "alice", {change(true)}, true),
                   record(kT0 + 3, alice_, "alice",
                          {entry(host_a_, "a.example.org", "first", FaultClass::Client)}),
                   record(kT0 + 3, alice_, "alice",
                          {entry(host_a_, "a.example.org", "second", FaultClass::Server)})});
    EXPECT_EQ(host_column(host_a_, "last_update_tls"), "f");
    EXPECT_EQ(host_column(host_a_, "last_fault"), "server fault: second");
    EXPECT_EQ(counters(host_a_), "1/1/0");

    store_->write({record(kT0 + 5, alice_, "alice", {change(true)}, true),
                   record(kT0 + 5, alice_, "alice", {change(false)}, false),
                   record(kT0 + 4, alice_, "alice", {change(false)}, true)});
    EXPECT_EQ(host_column(host_a_, "last_update_tls"), "f");
    EXPECT_EQ(host_column(host_a_, "extract(epoch FROM last_update_ipv6)::bigint"),
              std::to_string(kT0 + 5));
}

TEST_F(PgAuditStoreTest, FaultsCountPerClassAndTheNewestGivesTheLastMessage) {
    store_->write({
        record(kT0 + 2, alice_, "alice",
               {entry(host_a_, "a.example.org", "dnserr", FaultClass::Server,
                      "DNS update failed: refused")}),
        record(kT0 + 1, alice_, "alice",
               {entry(host_a_, "a.example.org", "dnserr", FaultClass::Client,
                      "address 10.0.0.1 is not publicly routable"),
                entry(host_b_, "b.example.org", "nochg", FaultClass::None)}),
    });
    EXPECT_EQ(counters(host_a_), "1/1/0");
    EXPECT_EQ(host_column(host_a_, "last_fault"),
              "server fault: dnserr (DNS update failed: refused)");
    EXPECT_EQ(host_column(host_a_, "extract(epoch FROM last_fault_at)::bigint"),
              std::to_string(kT0 + 2));
    EXPECT_EQ(counters(host_b_), "0/0/0");

    // A batch from another instance that is older than what is stored counts, but does not set
    // the last fault back.
    store_->write({record(kT0, alice_, "alice",
                          {entry(host_a_, "a.example.org", "nohost", FaultClass::Client)})});
    EXPECT_EQ(counters(host_a_), "2/1/0");
    EXPECT_EQ(host_column(host_a_, "last_fault"),
              "server fault: dnserr (DNS update failed: refused)");
}

TEST_F(PgAuditStoreTest, AuthFaultsAreChargedToTheNamedHostOfThePresentedUsername) {
    store_->write({
        // username case differs; the host belongs to that account: charged.
        record(kT0, std::nullopt, "ALICE",
               {entry(std::nullopt, "a.example.org", "badauth", FaultClass::Auth)}),
        // bob's host named with alice's username: not charged (it is not alice's host).
        record(kT0, std::nullopt, "alice",
               {entry(std::nullopt, "bob.example.org", "badauth", FaultClass::Auth)}),
        // an unknown user: logged, nobody charged.
        record(kT0, std::nullopt, "mallory",
               {entry(std::nullopt, "bob.example.org", "badauth", FaultClass::Auth)}),
        // no name and bob has a single host: that one.
        record(kT0, std::nullopt, "bob", {entry(std::nullopt, "", "badauth", FaultClass::Auth)}),
        // no name and alice has two hosts: none.
        record(kT0, std::nullopt, "alice", {entry(std::nullopt, "", "badauth", FaultClass::Auth)}),
        // a client fault of an unauthenticated request is never charged to a host it names.
        record(kT0, std::nullopt, "alice",
               {entry(std::nullopt, "b.example.org", "badagent", FaultClass::Client)}),
    });
    EXPECT_EQ(counters(host_a_), "0/0/1");
    EXPECT_EQ(counters(host_b_), "0/0/0");
    EXPECT_EQ(counters(host_bob_), "0/0/1");
    EXPECT_EQ(host_column(host_bob_, "last_fault"), "auth fault: badauth");
    EXPECT_EQ(scalar("SELECT count(*) FROM update_log"), "6");
    // Charged rows carry the host and the account, so the operator's filters find them.
    EXPECT_EQ(scalar("SELECT count(*) FROM update_log WHERE host_id = " + std::to_string(host_a_) +
                     " AND account_id = " + std::to_string(alice_)),
              "1");
    EXPECT_EQ(scalar("SELECT count(*) FROM update_log WHERE username = 'mallory' AND "
                     "account_id IS NULL AND host_id IS NULL"),
              "1");
}

TEST_F(PgAuditStoreTest, AuthFaultsWithoutAUsernameAreChargedToTheHostTheyName) {
    // DynamIP names the host (SiteID), never the account.
    store_->write({
        record(kT0, std::nullopt, "",
               {entry(std::nullopt, "bob.example.org", "Invalid Password", FaultClass::Auth)}),
        // an unknown host: logged, nobody charged.
        record(kT0, std::nullopt, "",
               {entry(std::nullopt, "nobody.example.org", "Invalid Password", FaultClass::Auth)}),
        // no name at all: nothing to charge (not "the only host" of some account).
        record(kT0, std::nullopt, "",
               {entry(std::nullopt, "", "Invalid Password", FaultClass::Auth)}),
    });
    EXPECT_EQ(counters(host_bob_), "0/0/1");
    EXPECT_EQ(counters(host_a_), "0/0/0");
    EXPECT_EQ(counters(host_b_), "0/0/0");
    EXPECT_EQ(scalar("SELECT count(*) FROM update_log WHERE host_id = " +
                     std::to_string(host_bob_) + " AND account_id = " + std::to_string(bob_)),
              "1");
    EXPECT_EQ(scalar("SELECT count(*) FROM update_log WHERE host_id IS NULL"), "2");
}

TEST_F(PgAuditStoreTest, AnAuthenticatedRequestsFaultIsChargedToItsOwnNamedHost) {
    store_->write({
        record(kT0, alice_, "alice",
               {entry(std::nullopt, "a.example.org", "address-not-allowed", FaultClass::Client)}),
        // bob's host named by alice: not alice's, not charged.
        record(kT0, alice_, "alice",
               {entry(std::nullopt, "bob.example.org", "host-not-found", FaultClass::Client)}),
    });
    EXPECT_EQ(counters(host_a_), "1/0/0");
    EXPECT_EQ(counters(host_bob_), "0/0/0");
}

TEST_F(PgAuditStoreTest, TheRequestDetailStandsInForAMissingHostDetail) {
    auto r = record(kT0, alice_, "alice",
                    {entry(std::nullopt, "", "badauth", FaultClass::Auth),
                     entry(host_a_, "a.example.org", "dnserr", FaultClass::Server, "own detail")});
    r.note.detail = "account expired";
    store_->write({r});
    EXPECT_EQ(scalar("SELECT string_agg(detail, '|' ORDER BY id) FROM update_log"),
              "account expired|own detail");
}

TEST_F(PgAuditStoreTest, ClientTextIsStoredAsBoundedPrintableAscii) {
    auto r = record(kT0, std::nullopt, std::string("us\x1b[2Jer\xff", 10),
                    {entry(std::nullopt, std::string(300, 'n'), "badauth", FaultClass::Auth)});
    r.user_agent = "agent\r\nX: " + std::string(400, 'u') + "\xc3\xa9";
    store_->write({r});
    EXPECT_EQ(scalar("SELECT username FROM update_log"), "us?[2Jer??");  // ESC, 0xff and NUL
    EXPECT_EQ(scalar("SELECT length(hostname) FROM update_log"), "255");
    EXPECT_EQ(scalar("SELECT length(user_agent) || ' ' || left(user_agent, 12) FROM update_log"),
              "256 agent??X: uu");
}

TEST_F(PgAuditStoreTest, LargeBatchesSpanSeveralStatementsInOneTransaction) {
    std::vector<auth::AuditRecord> batch;
    for (int i = 0; i < 700; ++i)
        batch.push_back(record(kT0 + i, alice_, "alice",
                               {entry(host_a_, "a.example.org", "nohost", FaultClass::Client)}));
    store_->write(batch);
    EXPECT_EQ(scalar("SELECT count(*) FROM update_log"), "700");
    EXPECT_EQ(counters(host_a_), "700/0/0");
}

// The change path holds its hosts' rows across BIND's round trip (up to dns.timeout_ms x
// dns.attempts). The writer's counters must not wait for it: before, a fault or a change of a
// host locked that host's row, so the writer (and the next change, behind the writer) queued
// behind every change in flight (issue #13).
TEST_F(PgAuditStoreTest, TheWriterNeverWaitsForTheChangePathsHostLock) {
    auto lease = db_->lease();
    auto change = std::make_unique<Transaction>(*lease);
    lease->exec("SELECT id FROM hosts WHERE id = $1::bigint FOR UPDATE", {std::to_string(host_a_)});

    auto good = entry(host_a_, "a.example.org", "good", FaultClass::None);
    good.ipv4_changed = true;
    auto written = std::async(std::launch::async, [&] {
        store_->write({record(kT0, alice_, "alice",
                              {entry(host_a_, "a.example.org", "nochg", FaultClass::None)})});
        store_->write({record(kT0 + 1, alice_, "alice",
                              {entry(host_a_, "a.example.org", "nohost", FaultClass::Client)})});
        store_->write({record(kT0 + 2, alice_, "alice", {good}, true)});
        // An auth fault charged by name, as a wrong password for this host is.
        store_->write(
            {record(kT0 + 3, std::nullopt, "alice",
                    {entry(std::nullopt, "a.example.org", "badauth", FaultClass::Auth)})});
    });
    const bool done = written.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    EXPECT_TRUE(done) << "the update-log writer waited for the host row a change holds";
    EXPECT_EQ(counters(host_a_), "1/0/1") << "counted while the change still held the row";
    change.reset();  // rolled back: the lock is released
    written.get();
    EXPECT_EQ(counters(host_a_), "1/0/1");
    EXPECT_EQ(host_column(host_a_, "extract(epoch FROM last_update_ipv4)::bigint"),
              std::to_string(kT0 + 2));
    EXPECT_EQ(host_column(host_a_, "last_update_tls"), "t");
    EXPECT_EQ(host_column(host_a_, "last_fault"), "auth fault: badauth");
    EXPECT_EQ(scalar("SELECT count(*) FROM update_log"), "4");
}

// Two writers (two instances) counting faults of one host at once: every fault counted once,
// the newest one the last.
TEST_F(PgAuditStoreTest, ConcurrentWritersCountExactly) {
    PgAuditStore other(*db_);
    auto write = [&](PgAuditStore& store, std::int64_t base) {
        for (int i = 0; i < 40; ++i)
            store.write({record(base + i, alice_, "alice",
                                {entry(host_a_, "a.example.org", "dnserr", FaultClass::Server,
                                       "at " + std::to_string(base + i))})});
    };
    auto first = std::async(std::launch::async, [&] { write(*store_, kT0); });
    auto second = std::async(std::launch::async, [&] { write(other, kT0 + 100); });
    first.get();
    second.get();
    EXPECT_EQ(counters(host_a_), "0/80/0");
    EXPECT_EQ(host_column(host_a_, "last_fault"),
              "server fault: dnserr (at " + std::to_string(kT0 + 139) + ")");
}

// A removed host's counters go with it: a host added later under the same name starts at zero.
TEST_F(PgAuditStoreTest, ARemovedHostsCountersGoWithIt) {
    store_->write({record(kT0, alice_, "alice",
                          {entry(host_b_, "b.example.org", "nohost", FaultClass::Client)})});
    EXPECT_EQ(counters(host_b_), "1/0/0");
    ASSERT_TRUE(scalar("DELETE FROM hosts WHERE id = " + std::to_string(host_b_) + " RETURNING 1"));
    AdminRepository repo(*db_);
    const auto again = *repo.add_host(name("b.example.org"), "alice");
    EXPECT_EQ(counters(again), "0/0/0");
    EXPECT_EQ(host_column(again, "last_fault IS NULL"), "t");
}

TEST_F(PgAuditStoreTest, PruneDeletesOnlyOlderRowsAtMostLimitAtATime) {
    std::vector<auth::AuditRecord> batch;
    for (int i = 0; i < 5; ++i)
        batch.push_back(record(kT0 + i, alice_, "alice",
                               {entry(host_a_, "a.example.org", "nochg", FaultClass::None)}));
    store_->write(batch);
    EXPECT_EQ(store_->prune(at(kT0 + 3), 2), 2U);
    EXPECT_EQ(store_->prune(at(kT0 + 3), 2), 1U);
    EXPECT_EQ(store_->prune(at(kT0 + 3), 2), 0U);
    EXPECT_EQ(scalar("SELECT string_agg((extract(epoch FROM logged_at)::bigint - " +
                     std::to_string(kT0) + ")::text, ',' ORDER BY logged_at) FROM update_log"),
              "3,4");
}

TEST_F(PgAuditStoreTest, RepositoryShowsHostDetailsAndFiltersTheLogNewestFirst) {
    auto good = entry(host_a_, "a.example.org", "good", FaultClass::None);
    good.ipv4_changed = true;
    store_->write({
        record(kT0, alice_, "alice", {good}),
        record(kT0 + 10, alice_, "alice",
               {entry(host_a_, "a.example.org", "dnserr", FaultClass::Server, "DNS down")}),
        record(kT0 + 20, bob_, "bob",
               {entry(host_bob_, "bob.example.org", "nochg", FaultClass::None)}),
    });
    AuditRepository repo(*db_);
    const auto d = repo.host_details(name("a.example.org"));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->host.id, host_a_);
    EXPECT_EQ(d->host.username, "Alice");
    EXPECT_EQ(d->server_faults, 1);
    EXPECT_EQ(d->last_fault, "server fault: dnserr (DNS down)");
    EXPECT_EQ(d->last_fault_at, at(kT0 + 10));
    EXPECT_EQ(d->last_update_ipv4, at(kT0));
    EXPECT_FALSE(d->last_update_ipv6);
    EXPECT_EQ(d->last_update_tls, false);
    EXPECT_FALSE(repo.host_details(name("nothere.example.org")));

    EXPECT_EQ(repo.account_id("ALICE"), alice_);
    EXPECT_FALSE(repo.account_id("nobody"));

    const auto all = repo.log(LogFilter{});
    ASSERT_EQ(all.size(), 3U);
    EXPECT_EQ(all[0].host, "bob.example.org");
    EXPECT_EQ(all[2].outcome, "good");
    EXPECT_TRUE(all[2].ipv4_changed);

    const auto mine = repo.log(LogFilter{host_a_, std::nullopt, at(kT0 + 5), 100});
    ASSERT_EQ(mine.size(), 1U);
    EXPECT_EQ(mine[0].outcome, "dnserr");
    EXPECT_EQ(mine[0].fault, "server");
    EXPECT_EQ(mine[0].detail, "DNS down");
    EXPECT_EQ(mine[0].time, at(kT0 + 10));

    EXPECT_EQ(repo.log(LogFilter{std::nullopt, bob_, std::nullopt, 100}).size(), 1U);
    EXPECT_EQ(repo.log(LogFilter{std::nullopt, std::nullopt, std::nullopt, 2}).size(), 2U);
}

// Repeated unchanged answers merged by the writer are one row with their exact count and the
// first request's time; the operator's log shows both, and a single request has no first time.
TEST_F(PgAuditStoreTest, AMergedRecordIsOneRowWithItsCountAndFirstTime) {
    auth::AuditRecord merged = record(kT0 + 40, alice_, "alice",
                                      {entry(host_a_, "a.example.org", "nochg", FaultClass::None)});
    merged.repeats = 37;
    merged.first_time = at(kT0 + 3);
    store_->write({merged, record(kT0 + 41, alice_, "alice",
                                  {entry(host_a_, "a.example.org", "nochg", FaultClass::None)})});
    EXPECT_EQ(scalar("SELECT sum(repeats) FROM update_log"), "38");
    EXPECT_EQ(scalar("SELECT count(*) FROM update_log WHERE first_logged_at = to_timestamp(" +
                     std::to_string(kT0 + 3) + ") AND logged_at = to_timestamp(" +
                     std::to_string(kT0 + 40) + ") AND repeats = 37"),
              "1");
    AuditRepository repo(*db_);
    const auto rows = repo.log(LogFilter{host_a_, std::nullopt, std::nullopt, 10});
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].repeats, 1);
    EXPECT_FALSE(rows[0].first_time);
    EXPECT_EQ(rows[1].repeats, 37);
    EXPECT_EQ(rows[1].first_time, at(kT0 + 3));
    EXPECT_EQ(rows[1].time, at(kT0 + 40));
    // Nochg rows touch no host counter, however many requests they stand for.
    EXPECT_EQ(counters(host_a_), "0/0/0");
}

}  // namespace
}  // namespace ddns::sql::test
