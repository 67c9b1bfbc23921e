// PgReconcileStore against a migrated database: which hosts are selected (in doubt, all, after a
// cursor), what they carry, clearing the mark only on commit, and SKIP LOCKED against an update
// holding a host and against a second reconciler.
#include "ddns/sql/pg_reconcile_store.hpp"

#include <gtest/gtest.h>

#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/migrator.hpp"
#include "ddns/sql/pg_store.hpp"
#include "sql_fixture.hpp"

namespace ddns::sql::test {
namespace {

class PgReconcileStoreTest : public SqlTest {
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
        ASSERT_TRUE(repo.add_account("alice", "", auth::Plan::Free, "hash"));
        a_ = *repo.add_host(name("a.example.org"), "alice");
        b_ = *repo.add_host(name("b.example.org"), "alice");
        c_ = *repo.add_host(name("c.example.org"), "alice");
        other_ = *repo.add_host(name("x.example.net"), "alice");
        PgStore store(*db_);
        auto change = store.begin_change({a_});
        change->record_applied(a_, IpAddress::parse("192.0.2.1"), IpAddress::parse("2001:db8::1"),
                               auth::Clock::now());
        change->commit();
        store_ = std::make_unique<PgReconcileStore>(*db_);
    }
    void mark_in_doubt(std::int64_t id) {
        scalar("UPDATE hosts SET dns_in_doubt_since = now() WHERE id = " + std::to_string(id) +
               " RETURNING id");
    }
    std::vector<std::int64_t> locked(auth::ReconcileBatch& batch) {
        std::vector<std::int64_t> ids;
        for (const auto& h : batch.hosts()) ids.push_back(h.id);
        return ids;
    }

    std::int64_t zone_ = 0, other_zone_ = 0, a_ = 0, b_ = 0, c_ = 0, other_ = 0;
    std::unique_ptr<PgReconcileStore> store_;
};

TEST_F(PgReconcileStoreTest, ListsZonesAndZonesWithHostsInDoubt) {
    EXPECT_EQ(store_->zone_ids(), (std::vector{zone_, other_zone_}));
    EXPECT_TRUE(store_->zones_in_doubt().empty());
    mark_in_doubt(other_);
    EXPECT_EQ(store_->zones_in_doubt(), std::vector{other_zone_});
}

TEST_F(PgReconcileStoreTest, LocksAllHostsOfTheZoneAfterTheCursorInIdOrder) {
    auto all = store_->lock_hosts(zone_, auth::HostSelection::All, 0, 100);
    ASSERT_NE(all->zone(), nullptr);
    EXPECT_EQ(all->zone()->name, name("example.org"));
    EXPECT_EQ(locked(*all), (std::vector{a_, b_, c_}));
    const auto& a = all->hosts()[0];
    EXPECT_EQ(a.name, name("a.example.org"));
    EXPECT_EQ(a.ipv4, IpAddress::parse("192.0.2.1"));
    EXPECT_EQ(a.ipv6, IpAddress::parse("2001:db8::1"));
    EXPECT_FALSE(a.in_doubt_since.has_value());
    EXPECT_FALSE(all->hosts()[1].ipv4.has_value());
    all.reset();  // rollback: the locks go

    EXPECT_EQ(locked(*store_->lock_hosts(zone_, auth::HostSelection::All, a_, 1)), std::vector{b_});
}

TEST_F(PgReconcileStoreTest, InDoubtSelectsOnlyMarkedHostsAndClearingNeedsTheCommit) {
    mark_in_doubt(b_);
    {
        auto batch = store_->lock_hosts(zone_, auth::HostSelection::InDoubt, 0, 100);
        ASSERT_EQ(locked(*batch), std::vector{b_});
        EXPECT_TRUE(batch->hosts()[0].in_doubt_since.has_value());
        batch->clear_in_doubt(b_);
    }  // rolled back
    EXPECT_TRUE(scalar("SELECT dns_in_doubt_since FROM hosts WHERE id = " + std::to_string(b_)));

    auto batch = store_->lock_hosts(zone_, auth::HostSelection::InDoubt, 0, 100);
    batch->clear_in_doubt(b_);
    batch->commit();
    EXPECT_FALSE(scalar("SELECT dns_in_doubt_since FROM hosts WHERE id = " + std::to_string(b_)));
    EXPECT_TRUE(store_->zones_in_doubt().empty());
}

TEST_F(PgReconcileStoreTest, SkipsHostsAnUpdateOrAnotherReconcilerHolds) {
    PgStore store(*db_);
    auto update = store.begin_change({b_});  // an update in flight holds b
    auto first = store_->lock_hosts(zone_, auth::HostSelection::All, 0, 1);
    EXPECT_EQ(locked(*first), std::vector{a_});
    auto second = store_->lock_hosts(zone_, auth::HostSelection::All, 0, 100);
    EXPECT_EQ(locked(*second), std::vector{c_});
}

// A full pass reads every host without a lock, also one a change holds, and without waiting for
// it; then it locks only the hosts it names, in id order, passing over the held one.
TEST_F(PgReconcileStoreTest, ReadsHostsWithoutLocksAndLocksOnlyTheNamedOnes) {
    PgStore store(*db_);
    auto update = store.begin_change({b_});  // an update in flight holds b
    const auto page = store_->read_hosts(zone_, 0, 100);
    ASSERT_NE(page.zone, nullptr);
    EXPECT_EQ(page.zone->name, name("example.org"));
    std::vector<std::int64_t> read;
    for (const auto& h : page.hosts) read.push_back(h.id);
    EXPECT_EQ(read, (std::vector{a_, b_, c_}));
    EXPECT_EQ(page.hosts[0].ipv4, IpAddress::parse("192.0.2.1"));
    EXPECT_EQ(store_->read_hosts(zone_, a_, 1).hosts.size(), 1U);
    EXPECT_EQ(store_->read_hosts(zone_, a_, 1).hosts[0].id, b_);
    // What was read is not locked: a second reconciler still locks a.
    auto held = store_->lock_host_ids(zone_, {a_});
    EXPECT_EQ(locked(*held), std::vector{a_});

    auto batch = store_->lock_host_ids(zone_, {a_, b_, c_, other_});
    EXPECT_EQ(locked(*batch), std::vector{c_})
        << "a held by the first, b by the update, x elsewhere";
    EXPECT_TRUE(store_->read_hosts(9999, 0, 100).hosts.empty());
    EXPECT_EQ(store_->read_hosts(9999, 0, 100).zone, nullptr);
}

TEST_F(PgReconcileStoreTest, AZoneThatIsGoneLocksNothing) {
    auto batch = store_->lock_hosts(9999, auth::HostSelection::All, 0, 100);
    EXPECT_EQ(batch->zone(), nullptr);
    EXPECT_TRUE(batch->hosts().empty());
}

TEST_F(PgReconcileStoreTest, LocksAZonesRecordsUnlessARecordChangeHoldsTheZone) {
    EXPECT_EQ(store_->lock_zone_records(zone_), nullptr) << "no records: nothing to compare";
    PgStore records(*db_);
    const auto mx = *ResourceRecord::make(name("example.org"), RecordType::MX, 300,
                                          MxData{10, name("mail.example.net")});
    const auto txt = *ResourceRecord::make(name("www.example.org"), RecordType::TXT, 300,
                                           TxtData{{"hello", std::string("\0\xff", 2)}});
    {
        auto change = records.begin_record_change(zone_);
        change->insert(mx);
        change->insert(txt);
        change->commit();
    }
    {
        auto locked = store_->lock_zone_records(zone_);
        ASSERT_NE(locked, nullptr);
        EXPECT_EQ(locked->zone()->name, name("example.org"));
        EXPECT_EQ(locked->records(), (std::vector{mx, txt}));
        EXPECT_EQ(store_->lock_zone_records(other_zone_), nullptr);
    }
    // A record change in progress holds the zone's row: the reconciler passes it over.
    auto change = records.begin_record_change(zone_);
    EXPECT_EQ(store_->lock_zone_records(zone_), nullptr);
}

TEST_F(PgReconcileStoreTest, RRsetsInDoubtAreLockedWithTheZoneAndClearedOnlyOnCommit) {
    PgStore records(*db_);
    EXPECT_TRUE(store_->zones_with_records_in_doubt().empty());
    // An Add whose reply was lost: a mark and no row. The zone is locked for it all the same.
    records.mark_rrset_in_doubt(other_zone_, name("www.example.net"), RecordType::TXT);
    records.mark_rrset_in_doubt(other_zone_, name("example.net"), RecordType::MX);
    EXPECT_EQ(store_->zones_with_records_in_doubt(), std::vector{other_zone_});
    {
        auto locked = store_->lock_zone_records(other_zone_);
        ASSERT_NE(locked, nullptr);
        EXPECT_TRUE(locked->records().empty());
        ASSERT_EQ(locked->in_doubt().size(), 2u);
        EXPECT_EQ(locked->in_doubt()[0].name, name("example.net"));
        EXPECT_EQ(locked->in_doubt()[0].type, RecordType::MX);
        EXPECT_EQ(locked->in_doubt()[1].name, name("www.example.net"));
        locked->clear_in_doubt(name("www.example.net"), RecordType::TXT);
        // Held: a record change (and another reconciler) waits or passes it over.
        EXPECT_EQ(store_->lock_zone_records(other_zone_), nullptr);
    }  // rolled back: both marks stay
    EXPECT_EQ(records.rrsets_in_doubt(other_zone_).size(), 2u);
    {
        auto locked = store_->lock_zone_records(other_zone_);
        ASSERT_NE(locked, nullptr);
        locked->clear_in_doubt(name("www.example.net"), RecordType::TXT);
        locked->commit();
    }
    const auto left = records.rrsets_in_doubt(other_zone_);
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].type, RecordType::MX);
    EXPECT_TRUE(records.rrsets_in_doubt(zone_).empty());
}

}  // namespace
}  // namespace ddns::sql::test
