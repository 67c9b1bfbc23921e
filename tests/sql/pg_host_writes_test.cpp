// The writes of one host change (and of a sweep batch) go out as one statement at commit: every
// kind of write of many hosts in one change lands with the same meaning as one statement per
// host did, and a write the database refuses fails the commit for certain, writing nothing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/migrator.hpp"
#include "ddns/sql/pg_lifecycle_store.hpp"
#include "ddns/sql/pg_store.hpp"
#include "sql_fixture.hpp"

namespace ddns::sql::test {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000'000;
constexpr std::int64_t kT1 = 1'700'000'100'000'000;

class PgHostWritesTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        if (HasFatalFailure()) return;
        ASSERT_NO_FATAL_FAILURE(migrate_with_example_zone());
        AdminRepository repo(*db_);
        ASSERT_TRUE(repo.add_account("alice", "", auth::Plan::Domain, "hash-a"));
        for (const char* h : {"a", "b", "c", "d", "e"})
            ids_.push_back(*repo.add_host(name(std::string(h) + ".example.org"), "alice"));
        store_ = std::make_unique<PgStore>(*db_);
        // A start state: every host online at 192.0.2.1, seen at kT0, in doubt, with a window.
        auto change = store_->begin_change(ids_);
        for (const auto id : ids_)
            change->record_applied(id, IpAddress::parse("192.0.2.1"), std::nullopt, at_micros(kT0));
        change->commit();
        EXPECT_TRUE(
            scalar("UPDATE hosts SET dns_in_doubt_since = now(), nochg_count = 3, "
                   "nochg_window_start = now() RETURNING 1"));
    }

    std::string row(std::int64_t id) {
        return scalar(
                   "SELECT concat_ws(' ', coalesce(host(ipv4), '-'), coalesce(host(ipv6), '-'), "
                   "host_list(extra_ipv4), coalesce(offline_reason, 'online'), "
                   "(extract(epoch FROM updated_at) * 1000000)::bigint, "
                   "(extract(epoch FROM last_seen) * 1000000)::bigint, "
                   "dns_in_doubt_since IS NOT NULL, nochg_count) FROM hosts WHERE id = " +
                   std::to_string(id))
            .value_or("(none)");
    }

    std::vector<std::int64_t> ids_;
    std::unique_ptr<PgStore> store_;
};

TEST_F(PgHostWritesTest, EveryKindOfWriteOfManyHostsLandsWithOneCommit) {
    auto change = store_->begin_change(ids_);
    ASSERT_EQ(change->locked().size(), ids_.size());
    const auto t1 = at_micros(kT1);
    change->record_applied(ids_[0], IpAddress::parse("192.0.2.7"), IpAddress::parse("2001:db8::7"),
                           t1);
    change->record_applied(ids_[1], IpAddress::parse("192.0.2.8"), std::nullopt, t1);
    change->record_extra_ipv4(ids_[1], {*IpAddress::parse("192.0.2.9")});
    change->record_offline(ids_[2], IpAddress::parse("0.0.0.0"), std::nullopt,
                           auth::OfflineReason::Request, t1);
    change->record_seen(ids_[2], t1);  // offline=YES counts as seen
    change->record_offline(ids_[3], std::nullopt, std::nullopt, auth::OfflineReason::Request, t1);
    change->record_seen(ids_[4], t1);
    // Nothing is written before the commit (the writes go out with it).
    EXPECT_EQ(scalar("SELECT count(*) FROM hosts WHERE updated_at > to_timestamp(1700000050)"),
              "0");
    change->commit();

    EXPECT_EQ(row(ids_[0]), "192.0.2.7 2001:db8::7  online 1700000100000000 1700000100000000 f 0");
    EXPECT_EQ(row(ids_[1]), "192.0.2.8 - 192.0.2.9 online 1700000100000000 1700000100000000 f 0");
    EXPECT_EQ(row(ids_[2]), "0.0.0.0 -  request 1700000100000000 1700000100000000 f 3");
    // Taken offline without being seen: last_seen and the doubt mark stay.
    EXPECT_EQ(row(ids_[3]), "- -  request 1700000100000000 1700000000000000 t 3");
    // Only seen: the addresses, updated_at and the window stay; the doubt mark goes.
    EXPECT_EQ(row(ids_[4]), "192.0.2.1 -  online 1700000000000000 1700000100000000 f 3");
}

TEST_F(PgHostWritesTest, ARefusedWriteFailsTheCommitForCertainAndWritesNothing) {
    auto change = store_->begin_change(ids_);
    change->record_applied(ids_[0], IpAddress::parse("192.0.2.7"), std::nullopt, at_micros(kT1));
    // A round robin without an A address breaks a CHECK constraint of migration 012.
    change->record_applied(ids_[1], std::nullopt, std::nullopt, at_micros(kT1));
    change->record_extra_ipv4(ids_[1], {*IpAddress::parse("192.0.2.9")});
    try {
        change->commit();
        ADD_FAILURE() << "the commit succeeded";
    } catch (const auth::CommitUnknown&) {
        ADD_FAILURE() << "a refused statement is a certain failure, not an unknown commit";
    } catch (const auth::StoreError&) {
    }
    change.reset();
    EXPECT_EQ(row(ids_[0]), "192.0.2.1 -  online 1700000000000000 1700000000000000 t 3");
}

TEST_F(PgHostWritesTest, ASweepBatchTakesAllItsHostsOfflineInOneCommit) {
    ASSERT_TRUE(scalar("UPDATE hosts SET heartbeat_seconds = 60 RETURNING 1"));
    PgLifecycleStore lifecycle(*db_);
    const auto zones = lifecycle.zones_with_due_hosts(at_micros(kT1));
    ASSERT_EQ(zones.size(), 1U);
    auto batch = lifecycle.lock_due_hosts(zones[0], at_micros(kT1), 100, {});
    ASSERT_EQ(batch->hosts().size(), ids_.size());
    for (const auto& candidate : batch->hosts())
        batch->record_offline(candidate.host.id, std::nullopt, std::nullopt,
                              auth::OfflineReason::Heartbeat, at_micros(kT1));
    batch->commit();
    EXPECT_EQ(scalar("SELECT count(*) FROM hosts WHERE offline_reason = 'heartbeat' AND ipv4 IS "
                     "NULL AND offline_since = to_timestamp(1700000100)"),
              std::to_string(ids_.size()));
}

}  // namespace
}  // namespace ddns::sql::test
