// Records of domain accounts against a migrated database: the schema's constraints, every record
// type through PgStore's RecordStore (TXT octets included), the zone lock, and the owned zones
// that load_principal returns.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "connection.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/migrator.hpp"
#include "ddns/sql/pg_store.hpp"
#include "sql_fixture.hpp"
#include "test_support.hpp"

namespace ddns::sql::test {
namespace {

ResourceRecord rr(std::string_view owner, RecordType type, Rdata data, std::uint32_t ttl = 300) {
    auto record = ResourceRecord::make(name(owner), type, ttl, std::move(data));
    EXPECT_TRUE(record) << owner;
    return *record;
}
IpAddress ip(std::string_view text) {
    return *IpAddress::parse(text);
}

class PgRecordStoreTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        if (HasFatalFailure()) return;
        migrate(*db_);
        AdminRepository repo(*db_);
        const TsigKey key = test_tsig_key();
        ASSERT_TRUE(repo.add_account("dora", "", auth::Plan::Domain, "hash-d"));
        ASSERT_TRUE(repo.add_account("fred", "", auth::Plan::Free, "hash-f"));
        const auto server = *parse_server_endpoint("127.0.0.1:5300");
        zone_ = *repo.add_zone(ZoneSpec{name("example.org"), server, &key, 60, "dora"});
        other_zone_ = *repo.add_zone(ZoneSpec{name("example.net"), server, &key, 60, "dora"});
        ASSERT_TRUE(repo.add_zone(ZoneSpec{name("shared.example.com"), server, &key, 60}));
        ASSERT_TRUE(repo.add_host(name("home.example.org"), "fred"));
        ASSERT_TRUE(repo.add_host(name("dyn.shared.example.com"), "dora"));
        store_ = std::make_unique<PgStore>(*db_);
    }

    void store(const std::vector<ResourceRecord>& records, std::int64_t zone = 0) {
        auto change = store_->begin_record_change(zone ? zone : zone_);
        for (const auto& r : records) change->insert(r);
        change->commit();
    }
    // Whether `statement` succeeds (constraint violations are the expected failures here).
    bool sql_ok(const std::string& statement) {
        auto conn = db_->lease();
        return conn->try_exec(statement).has_value();
    }
    std::string zone_param() const { return std::to_string(zone_); }

    std::int64_t zone_ = 0, other_zone_ = 0;
    std::unique_ptr<PgStore> store_;
};

TEST_F(PgRecordStoreTest, EveryTypeRoundTripsThroughTheTable) {
    const std::vector<ResourceRecord> records{
        rr("www.example.org", RecordType::A, ip("192.0.2.1")),
        rr("www.example.org", RecordType::AAAA, ip("2001:db8::1"), 600),
        rr("alias.example.org", RecordType::CNAME, name("www.example.org")),
        rr("example.org", RecordType::MX, MxData{10, name("mail.example.org")}),
        rr("sub.example.org", RecordType::NS, name("ns1.example.net")),
        rr("example.org", RecordType::TXT, TxtData{{"v=spf1 -all", "", "second string"}}),
        // Octets that are not text: NUL, a lone 0xff, a quote, a comma.
        rr("bin.example.org", RecordType::TXT, TxtData{{std::string("a\0b\xff\",", 6)}}),
        rr("long.example.org", RecordType::TXT, TxtData{{std::string(255, 'x')}}),
    };
    store(records);
    EXPECT_EQ(scalar("SELECT count(*) FROM records WHERE zone_id = " + zone_param()), "8");
    EXPECT_EQ(scalar("SELECT host(address) FROM records WHERE type = 'AAAA'"), "2001:db8::1");
    EXPECT_EQ(scalar("SELECT preference || ' ' || target FROM records WHERE type = 'MX'"),
              "10 mail.example.org");
    EXPECT_EQ(scalar("SELECT encode(txt[1], 'hex') FROM records WHERE name = 'bin.example.org'"),
              "610062ff222c");

    auto listed = store_->list_records(zone_);
    ASSERT_EQ(listed.size(), records.size());
    std::vector<ResourceRecord> back;
    back.reserve(listed.size());
    for (const auto& s : listed) back.push_back(s.record);
    for (const auto& r : records)
        EXPECT_NE(std::find(back.begin(), back.end(), r), back.end()) << r.owner().str();
    // Ordered by name, then type, then data.
    EXPECT_EQ(back.front().owner(), name("alias.example.org"));
    EXPECT_EQ(back.back().owner(), name("www.example.org"));
    EXPECT_EQ(back[back.size() - 2].type(), RecordType::A);
    EXPECT_TRUE(store_->list_records(other_zone_).empty());
}

TEST_F(PgRecordStoreTest, RecordsAtReadsOneNameOfTheLockedZoneInDataOrder) {
    store({rr("rr.example.org", RecordType::A, ip("192.0.2.9")),
           rr("rr.example.org", RecordType::A, ip("192.0.2.3")),
           rr("rr.example.org", RecordType::TXT, TxtData{{"t"}}),
           rr("other.example.org", RecordType::A, ip("192.0.2.4"))});
    store({rr("rr.example.net", RecordType::A, ip("192.0.2.5"))}, other_zone_);
    auto change = store_->begin_record_change(zone_);
    auto at = change->records_at(name("rr.example.org"));
    ASSERT_EQ(at.size(), 3u);
    EXPECT_EQ(at[0].record.data(), Rdata{ip("192.0.2.3")});
    EXPECT_EQ(at[1].record.data(), Rdata{ip("192.0.2.9")});
    EXPECT_EQ(at[2].record.type(), RecordType::TXT);
    EXPECT_TRUE(change->records_at(name("nothing.example.org")).empty());
    EXPECT_TRUE(change->records_at(name("rr.example.net")).empty()) << "another zone's name";
}

TEST_F(PgRecordStoreTest, EraseAndRollback) {
    store({rr("e.example.org", RecordType::A, ip("192.0.2.1")),
           rr("e.example.org", RecordType::A, ip("192.0.2.2"))});
    {
        auto change = store_->begin_record_change(zone_);
        auto at = change->records_at(name("e.example.org"));
        ASSERT_EQ(at.size(), 2u);
        change->erase(at[0].id);
        change->insert(rr("e.example.org", RecordType::A, ip("192.0.2.3")));
        // Destroyed without commit: nothing happened.
    }
    EXPECT_EQ(scalar("SELECT string_agg(host(address), ' ' ORDER BY address) FROM records"),
              "192.0.2.1 192.0.2.2");
    auto change = store_->begin_record_change(zone_);
    const auto first = change->records_at(name("e.example.org")).at(0).id;
    change->erase(first);
    change->commit();
    EXPECT_EQ(scalar("SELECT string_agg(host(address), ' ') FROM records"), "192.0.2.2");
}

TEST_F(PgRecordStoreTest, HostNamedSeesTheDynamicHostsOfAnyAccount) {
    auto change = store_->begin_record_change(zone_);
    EXPECT_TRUE(change->host_named(name("home.example.org")));
    EXPECT_FALSE(change->host_named(name("www.example.org")));
    EXPECT_FALSE(change->host_named(name("example.org")));
}

TEST_F(PgRecordStoreTest, TheSameRrIsStoredOnceWhateverItsTtl) {
    store({rr("d.example.org", RecordType::MX, MxData{10, name("mx.example.org")}, 60)});
    auto change = store_->begin_record_change(zone_);
    EXPECT_THROW(change->insert(
                     rr("d.example.org", RecordType::MX, MxData{10, name("mx.example.org")}, 3600)),
                 auth::StoreError);
    change.reset();
    // Same name and type, other data: a second RR of the RRset.
    store({rr("d.example.org", RecordType::MX, MxData{20, name("mx.example.org")}),
           rr("d.example.org", RecordType::MX, MxData{10, name("mx2.example.org")})});
    EXPECT_EQ(scalar("SELECT count(*) FROM records WHERE name = 'd.example.org'"), "3");
}

TEST_F(PgRecordStoreTest, TheSchemaRefusesRowsThatAreNoRr) {
    const std::string z = zone_param();
    const std::string head =
        "INSERT INTO records (zone_id, name, type, ttl, address, target, preference, txt) "
        "VALUES (" +
        z + ", ";
    EXPECT_TRUE(sql_ok(head + "'ok.example.org', 'A', 60, '192.0.2.1', NULL, NULL, NULL)"));
    // Each row below breaks one rule.
    for (const std::string values : {
             "'x.example.org', 'A', 60, '2001:db8::1', NULL, NULL, NULL)",
             "'x.example.org', 'A', 60, '192.0.2.0/24', NULL, NULL, NULL)",
             "'x.example.org', 'A', 60, NULL, NULL, NULL, NULL)",
             "'x.example.org', 'A', 60, '192.0.2.1', 'y.example.org', NULL, NULL)",
             "'x.example.org', 'AAAA', 60, '192.0.2.1', NULL, NULL, NULL)",
             "'x.example.org', 'CNAME', 60, NULL, NULL, NULL, NULL)",
             "'x.example.org', 'CNAME', 60, NULL, 'Y.example.org', NULL, NULL)",
             "'x.example.org', 'NS', 60, NULL, 'y.example.org.', NULL, NULL)",
             "'x.example.org', 'MX', 60, NULL, 'y.example.org', NULL, NULL)",
             "'x.example.org', 'MX', 60, NULL, 'y.example.org', 65536, NULL)",
             "'x.example.org', 'TXT', 60, NULL, NULL, NULL, '{}')",
             "'x.example.org', 'TXT', 60, NULL, NULL, NULL, NULL)",
             "'x.example.org', 'TXT', 60, NULL, NULL, NULL, ARRAY[NULL::bytea])",
             "'x.example.org', 'TXT', 60, NULL, NULL, NULL, ARRAY[decode(repeat('41',256),'hex')])",
             "'x.example.org', 'SRV', 60, NULL, 'y.example.org', NULL, NULL)",
             "'X.example.org', 'A', 60, '192.0.2.1', NULL, NULL, NULL)",
             "'x.example.org', 'A', -1, '192.0.2.1', NULL, NULL, NULL)",
             "'ok.example.org', 'A', 120, '192.0.2.1', NULL, NULL, NULL)",  // duplicate RR
         })
        EXPECT_FALSE(sql_ok(head + values)) << values;
    EXPECT_EQ(scalar("SELECT count(*) FROM records"), "1");
    // A zone or an owner cannot disappear under its records / zones.
    EXPECT_FALSE(sql_ok("DELETE FROM zones WHERE id = " + z));
    EXPECT_FALSE(sql_ok("DELETE FROM accounts WHERE username = 'dora'"));
}

// Migration 012: an RRset in doubt is named by zone, owner and type (an Add whose reply was lost
// has no row); the earliest mark is kept.
TEST_F(PgRecordStoreTest, RRsetsInDoubtAreMarkedOncePerRRset) {
    store_->mark_rrset_in_doubt(zone_, name("www.example.org"), RecordType::A);
    store_->mark_rrset_in_doubt(zone_, name("example.org"), RecordType::MX);
    const auto first = store_->rrsets_in_doubt(zone_);
    store_->mark_rrset_in_doubt(zone_, name("www.example.org"), RecordType::A);
    const auto marks = store_->rrsets_in_doubt(zone_);
    ASSERT_EQ(marks.size(), 2u);
    EXPECT_EQ(marks[0].name, name("example.org"));
    EXPECT_EQ(marks[0].type, RecordType::MX);
    EXPECT_EQ(marks[1].name, name("www.example.org"));
    EXPECT_EQ(marks[1].since, first[1].since) << "the earliest mark is kept";
    EXPECT_TRUE(store_->rrsets_in_doubt(other_zone_).empty());
}

TEST_F(PgRecordStoreTest, AMissingZoneCannotBeLocked) {
    EXPECT_THROW(store_->begin_record_change(987654), auth::StoreError);
}

TEST_F(PgRecordStoreTest, RecordChangesToOneZoneWaitForEachOther) {
    auto first = store_->begin_record_change(zone_);
    // Another zone is not blocked.
    store({rr("free.example.net", RecordType::A, ip("192.0.2.7"))}, other_zone_);

    std::atomic<bool> second_locked{false};
    std::size_t seen_by_second = 0;
    std::thread other([&] {
        auto second = store_->begin_record_change(zone_);
        second_locked = true;
        seen_by_second = second->records_at(name("w.example.org")).size();
        second->commit();
    });
    const bool waiting = ddns::test::wait_until([&] {
        return scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") ==
               std::optional<std::string>("1");
    });
    EXPECT_TRUE(waiting) << "the second change never waited for the zone lock";
    EXPECT_FALSE(second_locked.load());
    first->insert(rr("w.example.org", RecordType::A, ip("192.0.2.8")));
    first->commit();
    other.join();
    EXPECT_TRUE(second_locked.load());
    EXPECT_EQ(seen_by_second, 1u) << "the second change reads what the first committed";
}

TEST_F(PgRecordStoreTest, LoadPrincipalListsOwnedZonesWithoutMultiplyingHosts) {
    auto p = store_->load_principal("dora", "");
    ASSERT_TRUE(p);
    ASSERT_EQ(p->hosts.size(), 1u);
    EXPECT_EQ(p->hosts[0].name, name("dyn.shared.example.com"));
    EXPECT_FALSE(p->hosts[0].zone->owner_account_id) << "the shared zone has no owner";
    ASSERT_EQ(p->owned_zones.size(), 2u);
    EXPECT_EQ(p->owned_zones[0]->name, name("example.net"));  // by name
    EXPECT_EQ(p->owned_zones[1]->name, name("example.org"));
    EXPECT_EQ(p->owned_zones[1]->id, zone_);
    EXPECT_EQ(p->owned_zones[1]->owner_account_id, p->account.id);
    EXPECT_EQ(p->owned_zones[1]->key.name, name("gw-key"));

    // A host in an owned zone shares the zone object; still one entry per host and zone.
    AdminRepository repo(*db_);
    ASSERT_TRUE(repo.add_host(name("h1.example.org"), "dora"));
    ASSERT_TRUE(repo.add_host(name("h2.example.org"), "dora"));
    p = store_->load_principal("dora", "");
    ASSERT_TRUE(p);
    ASSERT_EQ(p->hosts.size(), 3u);
    ASSERT_EQ(p->owned_zones.size(), 2u);
    EXPECT_EQ(p->hosts[1].zone.get(), p->owned_zones[1].get());

    auto fred = store_->load_principal("fred", "");
    ASSERT_TRUE(fred);
    EXPECT_TRUE(fred->owned_zones.empty());
    EXPECT_EQ(fred->hosts.size(), 1u);
}

}  // namespace
}  // namespace ddns::sql::test
