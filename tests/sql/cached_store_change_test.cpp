// CachedStore on the change path (issue #13): a change committed through the cache brings the
// cached principal up to date in place, so the next load is answered from memory with what the
// database now holds, and the change's own notification (migration 031: '<account> <txid>')
// keeps that copy; a change by anyone else still drops it; a commit that fails, or a refresh
// that comes after the account's entries were touched since the commit began, leaves no copy.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

#include "connection.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/cached_store.hpp"
#include "ddns/sql/migrator.hpp"
#include "sql_fixture.hpp"
#include "test_support.hpp"

namespace ddns::sql::test {
namespace {

using std::chrono::seconds;

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

class CachedStoreChangeTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        if (HasFatalFailure()) return;
        std::vector<std::int64_t> ids;
        ASSERT_NO_FATAL_FAILURE(migrate_with_alice_hosts({"a.example.org", "b.example.org"}, ids));
        a_ = ids[0];
        b_ = ids[1];
        AdminRepository repo(*db_);
        ASSERT_TRUE(repo.add_token("alice", std::nullopt, digest('a')));
        pg_ = std::make_unique<PgStore>(*db_);
        cache_ = std::make_unique<CachedStore>(*pg_, *db_, conninfo_, CacheOptions{seconds(60)});
        ASSERT_TRUE(cache_->wait_listening(seconds(20)));
    }
    // Loads alice; the answer, and whether it came from memory.
    std::pair<auth::Principal, bool> load() {
        const auto hits = cache_->counters().hits;
        auto p = cache_->load_principal("alice", digest('a'));
        if (!p) throw std::runtime_error("alice not found");
        return {std::move(*p), cache_->counters().hits > hits};
    }
    // Alice's hosts as the database holds them now (read past the cache).
    std::map<std::int64_t, auth::Host> stored() {
        std::map<std::int64_t, auth::Host> hosts;
        const auto loaded = pg_->load_principal("alice", digest('a'));
        if (!loaded) throw std::runtime_error("alice not found");
        for (const auth::Host& h : loaded->hosts) hosts.emplace(h.id, h);
        return hosts;
    }
    // Every field a change writes, of every host of `p`, equals the database's.
    void expect_as_stored(const auth::Principal& p) {
        auto db = stored();
        ASSERT_EQ(p.hosts.size(), db.size());
        for (const auth::Host& h : p.hosts) {
            const auth::Host& d = db.at(h.id);
            EXPECT_EQ(h.ipv4, d.ipv4) << h.id;
            EXPECT_EQ(h.ipv6, d.ipv6) << h.id;
            EXPECT_EQ(h.extra_ipv4, d.extra_ipv4) << h.id;
            EXPECT_EQ(h.offline, d.offline) << h.id;
            EXPECT_EQ(h.last_seen, d.last_seen) << h.id;
            EXPECT_EQ(h.nochg.start, d.nochg.start) << h.id;
            EXPECT_EQ(h.nochg.count, d.nochg.count) << h.id;
            EXPECT_EQ(h.ipv6_prefix, d.ipv6_prefix) << h.id;
            EXPECT_EQ(h.wildcard, d.wildcard) << h.id;
        }
    }
    const auth::Host& host(const auth::Principal& p, std::int64_t id) {
        for (const auth::Host& h : p.hosts)
            if (h.id == id) return h;
        throw std::out_of_range("no such host");
    }
    // Waits until the cache has applied `n` own notifications in all.
    bool own_notices(std::uint64_t n) {
        return ddns::test::wait_until([&] { return cache_->counters().own_notices >= n; });
    }

    std::int64_t a_ = 0, b_ = 0;
    std::unique_ptr<PgStore> pg_;
    std::unique_ptr<CachedStore> cache_;
};

TEST_F(CachedStoreChangeTest, AnOwnChangeIsAnsweredFromMemoryAndItsNotificationKeepsIt) {
    ASSERT_FALSE(load().second);
    ASSERT_TRUE(load().second);
    const auto invalidations = cache_->counters().invalidations;
    {
        auto change = cache_->begin_change({a_});
        change->record_applied(a_, ip("192.0.2.5"), ip("2001:db8::5"), auth::Clock::now());
        change->commit();
    }
    auto [p, hit] = load();
    EXPECT_TRUE(hit) << "the change's own instance read its principal again";
    EXPECT_EQ(host(p, a_).ipv4, ip("192.0.2.5"));
    expect_as_stored(p);
    // The change's notification arrives and is recognised as this change's: the copy stays.
    ASSERT_TRUE(own_notices(1));
    std::tie(p, hit) = load();
    EXPECT_TRUE(hit);
    expect_as_stored(p);
    EXPECT_EQ(cache_->counters().invalidations, invalidations);
    EXPECT_EQ(cache_->counters().refreshed, 1U);

    // Every kind of write, on two hosts in one transaction, mirrored as the database stores it.
    {
        auto change = cache_->begin_change({a_, b_});
        const auto now = auth::Clock::now();
        change->record_offline(a_, std::nullopt, std::nullopt, auth::OfflineReason::Heartbeat, now);
        change->record_applied(b_, ip("192.0.2.7"), std::nullopt, now);
        change->record_extra_ipv4(b_, {ip("192.0.2.8"), ip("192.0.2.9")});
        change->record_prefix(b_, IpNetwork::parse("2001:db8:1::/56"));
        change->record_wildcard(b_, true);
        change->commit();
    }
    std::tie(p, hit) = load();
    EXPECT_TRUE(hit);
    EXPECT_TRUE(host(p, a_).offline);
    EXPECT_EQ(host(p, b_).extra_ipv4.size(), 2U);
    expect_as_stored(p);
    ASSERT_TRUE(own_notices(2));
    std::tie(p, hit) = load();
    EXPECT_TRUE(hit);
    expect_as_stored(p);
    // Only seen, back online with the round robin dropped: still what the database holds.
    {
        auto change = cache_->begin_change({a_, b_});
        const auto now = auth::Clock::now();
        change->record_applied(a_, ip("192.0.2.10"), std::nullopt, now);
        change->record_seen(b_, now);
        change->commit();
    }
    std::tie(p, hit) = load();
    EXPECT_TRUE(hit);
    expect_as_stored(p);
    EXPECT_EQ(cache_->counters().invalidations, invalidations);
}

TEST_F(CachedStoreChangeTest, AChangeByAnotherConnectionAfterAnOwnChangeStillDropsTheCopy) {
    ASSERT_FALSE(load().second);
    {
        auto change = cache_->begin_change({a_});
        change->record_applied(a_, ip("192.0.2.5"), std::nullopt, auth::Clock::now());
        change->commit();
    }
    ASSERT_TRUE(load().second);
    const auto invalidations = cache_->counters().invalidations;
    ASSERT_TRUE(scalar("UPDATE hosts SET ipv4 = '192.0.2.6' WHERE id = " + std::to_string(a_) +
                       " RETURNING 1"));
    ASSERT_TRUE(
        ddns::test::wait_until([&] { return cache_->counters().invalidations > invalidations; }));
    auto [p, hit] = load();
    EXPECT_FALSE(hit);
    EXPECT_EQ(host(p, a_).ipv4, ip("192.0.2.6"));
}

// A commit the database refuses (here a trigger; in production a lost connection or a refused
// write) drops the copy: the next load reads what the database kept, and no notification of the
// transaction is waited for.
TEST_F(CachedStoreChangeTest, AFailedCommitLeavesNoCopy) {
    {
        auto conn = db_->lease();
        conn->exec(
            "CREATE FUNCTION refuse_66() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused'; END $$");
        conn->exec(
            "CREATE TRIGGER refuse_66 BEFORE UPDATE ON hosts FOR EACH ROW "
            "WHEN (NEW.ipv4 = '192.0.2.66') EXECUTE FUNCTION refuse_66()");
    }
    ASSERT_FALSE(load().second);
    ASSERT_TRUE(load().second);
    {
        auto change = cache_->begin_change({a_});
        change->record_applied(a_, ip("192.0.2.66"), std::nullopt, auth::Clock::now());
        EXPECT_THROW(change->commit(), auth::StoreError);
    }
    auto [p, hit] = load();
    EXPECT_FALSE(hit) << "a copy survived a commit that failed";
    EXPECT_EQ(host(p, a_).ipv4, std::nullopt);
    EXPECT_EQ(cache_->counters().refreshed, 0U);
    // Ended without a commit (an exception on the way): dropped too.
    ASSERT_TRUE(load().second);
    {
        auto change = cache_->begin_change({a_});
        change->record_applied(a_, ip("192.0.2.67"), std::nullopt, auth::Clock::now());
    }
    std::tie(p, hit) = load();
    EXPECT_FALSE(hit);
    EXPECT_EQ(host(p, a_).ipv4, std::nullopt);
}

// The refresh comes after the commit, without the row locks: if the account's entries were
// dropped or refreshed since just before the commit, a copy may already hold a later state (a
// reload after another change; another change of this instance that refreshed first), and
// applying this transaction's writes would put an older state over it. It is dropped instead.
TEST_F(CachedStoreChangeTest, ARefreshAfterTheAccountWasTouchedSinceTheCommitDropsInstead) {
    ASSERT_FALSE(load().second);
    const std::map<std::int64_t, CommittedHost> older{
        {a_, CommittedHost{'a', ip("192.0.2.1"), std::nullopt, {}, {}, {}, {}}}};
    // Another connection's change, read again by a load, after the (simulated) commit began.
    auto own = cache_->begin_commit({a_}, 1);
    ASSERT_EQ(own.accounts.size(), 1U);
    const auto invalidations = cache_->counters().invalidations;
    ASSERT_TRUE(scalar("UPDATE hosts SET ipv4 = '192.0.2.2' RETURNING 1"));
    ASSERT_TRUE(
        ddns::test::wait_until([&] { return cache_->counters().invalidations > invalidations; }));
    ASSERT_FALSE(load().second);
    ASSERT_TRUE(load().second);
    cache_->refresh_hosts(own, older);
    auto [p, hit] = load();
    EXPECT_FALSE(hit);
    EXPECT_EQ(host(p, a_).ipv4, ip("192.0.2.2"));

    // Two changes of this instance whose refreshes run in the other order than their commits.
    ASSERT_TRUE(load().second);
    own = cache_->begin_commit({a_}, 2);
    {
        auto later = cache_->begin_change({a_});
        later->record_applied(a_, ip("192.0.2.3"), std::nullopt, auth::Clock::now());
        later->commit();
    }
    ASSERT_TRUE(load().second);
    cache_->refresh_hosts(own, older);
    std::tie(p, hit) = load();
    EXPECT_FALSE(hit);
    EXPECT_EQ(host(p, a_).ipv4, ip("192.0.2.3"));
    EXPECT_EQ(cache_->counters().refreshed, 1U);
}

// The notification may be applied before the committing thread refreshes the copies: it keeps
// them, but they are not answered from until refreshed (they do not hold the commit yet).
TEST_F(CachedStoreChangeTest, ACopyNotifiedBeforeItsRefreshIsNotAnsweredFromUntilRefreshed) {
    const auto account = load().first.account.id;
    ASSERT_TRUE(load().second);
    const auto own = cache_->begin_commit({a_}, 77);
    ASSERT_TRUE(
        scalar("SELECT 1 FROM pg_notify('ddns_principal', '" + std::to_string(account) + " 77')"));
    ASSERT_TRUE(own_notices(1));
    EXPECT_FALSE(load().second);
    cache_->refresh_hosts(
        own, {{a_, CommittedHost{'a', ip("192.0.2.4"), std::nullopt, {}, {}, {}, {}}}});
    auto [p, hit] = load();
    EXPECT_TRUE(hit);
    EXPECT_EQ(host(p, a_).ipv4, ip("192.0.2.4"));
}

// What shapes the UPDATE (the TTL, the offline action, the zone's row) is read with the row
// locks; a cached copy that holds other settings is dropped by the change that found them, even
// before the change's notification of them arrives (held back here: the UPDATE runs with the
// triggers off), so the next load reads the settings the change wrote to BIND.
TEST_F(CachedStoreChangeTest, AChangeThatLocksOtherSettingsThanTheCopyDropsIt) {
    ASSERT_FALSE(load().second);
    ASSERT_TRUE(load().second);
    {
        auto conn = db_->lease();
        conn->exec("SET session_replication_role = replica");  // no notification
        conn->exec("UPDATE hosts SET ttl = 1234, offline_action = 'sentinel' WHERE id = " +
                   std::to_string(a_));
        conn->exec("RESET session_replication_role");
    }
    auto [p, hit] = load();
    ASSERT_TRUE(hit);
    ASSERT_EQ(host(p, a_).ttl, 60U) << "the copy is stale, as the test needs";
    {
        auto change = cache_->begin_change({a_, b_});
        ASSERT_EQ(change->locked().size(), 2U);
        const auth::StoredAddresses& row = change->locked()[0];
        ASSERT_EQ(row.host_id, a_);
        ASSERT_TRUE(row.settings.has_value());
        EXPECT_EQ(row.settings->ttl, 1234U);
        EXPECT_EQ(row.settings->offline_action, auth::OfflineAction::Sentinel);
        ASSERT_NE(row.settings->zone, nullptr);
        EXPECT_TRUE(auth::same_zone(*row.settings->zone, *host(p, a_).zone));
        EXPECT_TRUE(change->locked()[1].settings->same_as(host(p, b_)));
        change->record_seen(a_, auth::Clock::now());
        change->commit();
    }
    std::tie(p, hit) = load();
    EXPECT_FALSE(hit) << "the copy with the old TTL survived the change";
    EXPECT_EQ(host(p, a_).ttl, 1234U);
    // A change that locks the settings the copy holds keeps it (refreshed in place).
    ASSERT_TRUE(load().second);
    {
        auto change = cache_->begin_change({a_});
        change->record_applied(a_, ip("192.0.2.8"), std::nullopt, auth::Clock::now());
        change->commit();
    }
    std::tie(p, hit) = load();
    EXPECT_TRUE(hit);
    EXPECT_EQ(host(p, a_).ipv4, ip("192.0.2.8"));
}

// A payload of a form this version does not know drops everything (as a version before
// migration 031 treats '<account> <txid>').
TEST_F(CachedStoreChangeTest, AnUnknownPayloadDropsEverything) {
    ASSERT_FALSE(load().second);
    ASSERT_TRUE(load().second);
    const auto invalidations = cache_->counters().invalidations;
    ASSERT_TRUE(scalar("SELECT 1 FROM pg_notify('ddns_principal', '1 x')"));
    ASSERT_TRUE(
        ddns::test::wait_until([&] { return cache_->counters().invalidations > invalidations; }));
    EXPECT_FALSE(load().second);
}

}  // namespace
}  // namespace ddns::sql::test
