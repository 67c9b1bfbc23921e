// PgLifecycleStore against a migrated database: which hosts are due (heartbeat timeouts of
// host and zone, expiry), batches and their cursor, and SKIP LOCKED between concurrent sweepers and
// updates.
#include "ddns/sql/pg_lifecycle_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/migrator.hpp"
#include "ddns/sql/pg_store.hpp"
#include "sql_fixture.hpp"

namespace ddns::sql::test {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

auth::TimePoint at_seconds(std::int64_t s) {
    return auth::TimePoint(std::chrono::duration_cast<auth::Clock::duration>(seconds(s)));
}

const auth::TimePoint kT0 = at_seconds(1'700'000'000);

class PgLifecycleStoreTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        if (HasFatalFailure()) return;
        migrate(*db_);
        AdminRepository repo(*db_);
        const TsigKey key = test_tsig_key();
        auto server = *parse_server_endpoint("127.0.0.1:5300");
        zone_ = *repo.add_zone(ZoneSpec{name("example.org"), server, &key, 60});
        other_zone_ = *repo.add_zone(ZoneSpec{name("example.net"), server, &key, 60});
        ASSERT_FALSE(repo.set_zone_heartbeat(name("example.org"), minutes(20)));
        ASSERT_FALSE(
            repo.set_zone_offline_action(name("example.org"), auth::OfflineAction::Sentinel));
        ASSERT_TRUE(repo.add_account("alice", "", auth::Plan::Free, "hash"));
        ASSERT_TRUE(repo.add_account("bob", "", auth::Plan::Free, "hash"));
        zone_default_ = *repo.add_host(name("a.example.org"), "alice");
        switched_off_ = *repo.add_host(name("b.example.org"), "alice");
        own_timeout_ = *repo.add_host(name("c.example.net"), "alice");
        never_seen_ = *repo.add_host(name("d.example.org"), "alice");
        expired_ = *repo.add_host(name("bob.example.net"), "bob");
        ASSERT_FALSE(repo.set_host_heartbeat(name("b.example.org"), seconds(0)));
        ASSERT_FALSE(repo.set_host_heartbeat(name("c.example.net"), seconds(60)));
        for (auto id : {zone_default_, switched_off_, own_timeout_, expired_})
            seen(id, kT0, "192.0.2.1");
        lifecycle_ = std::make_unique<PgLifecycleStore>(*db_);
    }

    void seen(std::int64_t id, auth::TimePoint t, const char* v4) {
        PgStore store(*db_);
        auto change = store.begin_change({id});
        change->record_applied(id, IpAddress::parse(v4), std::nullopt, t);
        change->commit();
    }
    void expire_bob(auth::TimePoint at) {
        const auto s = std::chrono::duration_cast<seconds>(at.time_since_epoch()).count();
        scalar("UPDATE accounts SET expires_at = to_timestamp(" + std::to_string(s) +
               ") WHERE username = 'bob' RETURNING id");
    }
    std::vector<std::int64_t> due_ids(std::int64_t zone, auth::TimePoint now,
                                      std::size_t limit = 100, std::int64_t after_id = 0) {
        auto batch = lifecycle_->lock_due_hosts(zone, now, limit, after_id);
        std::vector<std::int64_t> ids;
        for (const auto& c : batch->hosts()) ids.push_back(c.host.id);
        return ids;
    }

    std::int64_t zone_ = 0, other_zone_ = 0;
    std::int64_t zone_default_ = 0, switched_off_ = 0, own_timeout_ = 0, never_seen_ = 0,
                 expired_ = 0;
    std::unique_ptr<PgLifecycleStore> lifecycle_;
};

TEST_F(PgLifecycleStoreTest, HostsAreDueAfterTheirOwnOrTheirZonesTimeout) {
    EXPECT_TRUE(lifecycle_->zones_with_due_hosts(kT0 + seconds(60)).empty()) << "not yet: equal";
    EXPECT_EQ(lifecycle_->zones_with_due_hosts(kT0 + seconds(61)),
              std::vector<std::int64_t>{other_zone_});
    EXPECT_EQ(due_ids(other_zone_, kT0 + seconds(61)), std::vector<std::int64_t>{own_timeout_});
    EXPECT_TRUE(due_ids(zone_, kT0 + minutes(20)).empty()) << "20 minutes is not more than 20";
    // The zone's default applies to a.example.org; b switched it off, d was never seen.
    EXPECT_EQ(due_ids(zone_, kT0 + minutes(20) + seconds(1)),
              std::vector<std::int64_t>{zone_default_});
    const auto zones = lifecycle_->zones_with_due_hosts(kT0 + minutes(21));
    EXPECT_EQ(zones, (std::vector<std::int64_t>{std::min(zone_, other_zone_),
                                                std::max(zone_, other_zone_)}));
}

TEST_F(PgLifecycleStoreTest, CandidatesCarryWhatTheSweeperNeeds) {
    auto batch = lifecycle_->lock_due_hosts(zone_, kT0 + minutes(21), 100, {});
    ASSERT_EQ(batch->hosts().size(), 1U);
    const auth::SweepCandidate& c = batch->hosts()[0];
    EXPECT_EQ(c.host.name, name("a.example.org"));
    EXPECT_EQ(c.host.ipv4, IpAddress::parse("192.0.2.1"));
    EXPECT_EQ(c.host.last_seen, kT0);
    EXPECT_EQ(c.host.heartbeat_timeout, minutes(20));
    EXPECT_FALSE(c.host.offline);
    ASSERT_TRUE(c.host.zone);
    EXPECT_EQ(c.host.zone->name, name("example.org"));
    EXPECT_EQ(c.host.zone->offline_action, auth::OfflineAction::Sentinel);
    EXPECT_EQ(c.host.offline_action, std::nullopt) << "follows its zone";
    EXPECT_EQ(c.host.zone->key.name, name("gw-key"));
    // The zone has no owner; its heartbeat (1200 s) once came out as the owner's account id.
    EXPECT_EQ(c.host.zone->owner_account_id, std::nullopt);
    EXPECT_FALSE(c.account_expires_at);
}

TEST_F(PgLifecycleStoreTest, CandidatesCarryTheHostsOwnOfflineAction) {
    AdminRepository repo(*db_);
    ASSERT_FALSE(repo.set_host_offline_action(name("a.example.org"), auth::OfflineAction::Delete));
    auto batch = lifecycle_->lock_due_hosts(zone_, kT0 + minutes(21), 100, {});
    ASSERT_EQ(batch->hosts().size(), 1U);
    EXPECT_EQ(batch->hosts()[0].host.offline_action, auth::OfflineAction::Delete);
}

TEST_F(PgLifecycleStoreTest, HostsOfAnExpiredAccountAreDueWhateverTheirHeartbeat) {
    expire_bob(kT0 + seconds(30));
    EXPECT_TRUE(due_ids(other_zone_, kT0 + seconds(29)).empty());
    auto batch = lifecycle_->lock_due_hosts(other_zone_, kT0 + seconds(30), 100, {});
    ASSERT_EQ(batch->hosts().size(), 1U);
    EXPECT_EQ(batch->hosts()[0].host.id, expired_);
    EXPECT_EQ(batch->hosts()[0].account_expires_at, kT0 + seconds(30));
}

TEST_F(PgLifecycleStoreTest, OfflineHostsAreNotDueAgain) {
    {
        auto batch = lifecycle_->lock_due_hosts(other_zone_, kT0 + minutes(5), 100, {});
        ASSERT_EQ(batch->hosts().size(), 1U);
        batch->record_offline(own_timeout_, std::nullopt, std::nullopt,
                              auth::OfflineReason::Heartbeat, kT0 + minutes(5));
        batch->commit();
    }
    EXPECT_EQ(scalar("SELECT coalesce(host(ipv4), '-') || ' ' || offline_reason FROM hosts "
                     "WHERE id = " +
                     std::to_string(own_timeout_)),
              "- heartbeat");
    EXPECT_TRUE(due_ids(other_zone_, kT0 + minutes(50)).empty());
}

TEST_F(PgLifecycleStoreTest, LimitAndCursorBoundABatch) {
    seen(switched_off_, kT0, "192.0.2.2");
    ASSERT_FALSE(AdminRepository(*db_).set_host_heartbeat(name("b.example.org"), std::nullopt));
    const auto late = kT0 + minutes(30);
    const auto both = due_ids(zone_, late);
    ASSERT_EQ(both.size(), 2U);
    EXPECT_TRUE(std::is_sorted(both.begin(), both.end()));
    EXPECT_EQ(due_ids(zone_, late, 1), std::vector<std::int64_t>{both[0]});
    EXPECT_EQ(due_ids(zone_, late, 1, both[0]), std::vector<std::int64_t>{both[1]});
    EXPECT_TRUE(due_ids(zone_, late, 100, both[1]).empty()) << "nothing after the last";
}

// Two sweepers at once get disjoint batches, and a host whose update is in progress (its row
// locked) is passed over instead of waited for.
TEST_F(PgLifecycleStoreTest, LockedRowsAreSkippedNotWaitedFor) {
    seen(switched_off_, kT0, "192.0.2.2");
    ASSERT_FALSE(AdminRepository(*db_).set_host_heartbeat(name("b.example.org"), std::nullopt));
    const auto late = kT0 + minutes(30);
    Database other_db(conninfo_, 2);
    PgLifecycleStore other(other_db);
    auto first = lifecycle_->lock_due_hosts(zone_, late, 1, {});
    ASSERT_EQ(first->hosts().size(), 1U);
    auto second = other.lock_due_hosts(zone_, late, 100, {});
    ASSERT_EQ(second->hosts().size(), 1U);
    EXPECT_NE(first->hosts()[0].host.id, second->hosts()[0].host.id);
    // Both rows are now held: a third sweeper finds nothing.
    EXPECT_TRUE(PgLifecycleStore(other_db).lock_due_hosts(zone_, late, 100, {})->hosts().empty());

    first.reset();
    second.reset();
    PgStore store(*db_);
    auto update = store.begin_change({zone_default_});
    EXPECT_EQ(due_ids(zone_, late), std::vector<std::int64_t>{switched_off_});
}

TEST_F(PgLifecycleStoreTest, ARemovedZoneYieldsAnEmptyBatch) {
    EXPECT_TRUE(lifecycle_->lock_due_hosts(987654, kT0 + minutes(30), 10, {})->hosts().empty());
}

TEST_F(PgLifecycleStoreTest, TheProtocolsHeartbeatAppliesWhenNeitherHostNorZoneSetOne) {
    AdminRepository repo(*db_);
    const auto e = *repo.add_host(name("e.example.net"), "alice");  // example.net: no default
    const auto off = *repo.add_host(name("f.example.net"), "alice");
    ASSERT_FALSE(repo.set_host_heartbeat(name("f.example.net"), seconds(0)));
    seen(e, kT0, "192.0.2.5");
    seen(off, kT0, "192.0.2.6");
    EXPECT_TRUE(due_ids(other_zone_, kT0 + minutes(30), 100, own_timeout_).empty());
    PgStore store(*db_);
    store.set_protocol_heartbeat(e, minutes(20));
    store.set_protocol_heartbeat(off, minutes(20));
    EXPECT_TRUE(due_ids(other_zone_, kT0 + minutes(20), 100, own_timeout_).empty());
    EXPECT_EQ(due_ids(other_zone_, kT0 + minutes(20) + seconds(1), 100, own_timeout_),
              std::vector<std::int64_t>{e});
    auto batch = lifecycle_->lock_due_hosts(other_zone_, kT0 + minutes(21), 100, own_timeout_);
    ASSERT_EQ(batch->hosts().size(), 1u);
    EXPECT_EQ(batch->hosts()[0].host.heartbeat_timeout, minutes(20));
    // And the principal sees it too.
    const auto p = store.load_principal("alice", "");
    ASSERT_TRUE(p);
    for (const auto& h : p->hosts) {
        if (h.id == e) {
            EXPECT_EQ(h.heartbeat_timeout, minutes(20));
            EXPECT_EQ(h.protocol_heartbeat, minutes(20));
        }
        if (h.id == off) {
            EXPECT_EQ(h.heartbeat_timeout, std::nullopt) << "its own off wins";
        }
    }
}

TEST_F(PgLifecycleStoreTest, ADerivedHostLivesByTheHostItDerivesFrom) {
    AdminRepository repo(*db_);
    const auto router = *repo.add_host(name("r.example.net"), "alice");
    const auto nas = *repo.add_host(name("nas.example.net"), "alice");
    ASSERT_FALSE(repo.set_host_heartbeat(name("r.example.net"), minutes(5)));
    ASSERT_FALSE(repo.set_host_heartbeat(name("nas.example.net"), seconds(30)));
    ASSERT_FALSE(repo.set_host_derived(
        name("nas.example.net"), DeriveSpec{name("r.example.net"), *IpAddress::parse("::7"), 64}));
    seen(router, kT0, "192.0.2.7");
    seen(nas, kT0 - minutes(10), "192.0.2.8");  // its own last_seen does not matter
    const std::int64_t after = own_timeout_;    // c.example.net, and the hosts added before it
    EXPECT_TRUE(due_ids(other_zone_, kT0 + minutes(5), 100, after).empty());
    auto due = due_ids(other_zone_, kT0 + minutes(5) + seconds(1), 100, after);
    std::sort(due.begin(), due.end());
    EXPECT_EQ(due, (std::vector<std::int64_t>{std::min(router, nas), std::max(router, nas)}));

    // A router already offline (by request, say) makes its derived hosts due at once.
    PgStore store(*db_);
    auto change = store.begin_change({router});
    change->record_offline(router, std::nullopt, std::nullopt, auth::OfflineReason::Request, kT0);
    change->commit();
    EXPECT_EQ(due_ids(other_zone_, kT0 + seconds(1), 100, after), std::vector<std::int64_t>{nas});
}

}  // namespace
}  // namespace ddns::sql::test
