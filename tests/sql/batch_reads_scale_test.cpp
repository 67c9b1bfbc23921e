// The sweeper's and the reconciler's batch statements read a bounded number of host rows per
// batch whatever the planner believes. Right after many hosts were inserted into a zone that the
// table's last ANALYZE did not see (a bulk import, the benchmark's 100,000 expired hosts), the
// statistics say that zone has no hosts: a plan that reads every host of the zone and sorts them
// looked as cheap as one that stops after a batch, and each batch then read the whole zone (a
// sweep quadratic in the zone's size until autovacuum analyzed the table, seconds to a minute
// later). A generic plan made while the table was small does the same by walking the primary
// key from the zone's first host. These tests count the rows PostgreSQL read (its per-table
// statistics, flushed when the backends exit) for a whole sweep and a whole reconciler pass.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <functional>

#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/migrator.hpp"
#include "ddns/sql/pg_lifecycle_store.hpp"
#include "ddns/sql/pg_reconcile_store.hpp"
#include "sql_fixture.hpp"
#include "test_support.hpp"

namespace ddns::sql::test {
namespace {

constexpr long kHosts = 3000;
const auth::TimePoint kLate = auth::TimePoint(std::chrono::hours(24 * 365 * 60));

class BatchReadsScaleTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        if (HasFatalFailure()) return;
        migrate_with_example_zone();
        AdminRepository repo(*db_);
        const TsigKey key = test_tsig_key();
        zone_ = *repo.add_zone(
            ZoneSpec{name("bulk.org"), *parse_server_endpoint("127.0.0.1:5300"), &key, 60});
        ASSERT_TRUE(repo.add_account("alice", "", auth::Plan::Free, "hash"));
        for (const char* h : {"a.example.org", "b.example.org", "c.example.org"})
            ASSERT_TRUE(repo.add_host(name(h), "alice"));
        // The statistics see only example.org's hosts, and nothing analyzes the table again
        // during the test (as when autovacuum has not come round yet).
        exec("ANALYZE hosts");
        exec("ALTER TABLE hosts SET (autovacuum_enabled = false)");
        exec(
            "INSERT INTO hosts (zone_id, account_id, name, ttl, ipv4, last_seen, "
            "heartbeat_seconds) SELECT " +
            std::to_string(zone_) +
            ", a.id, 'h' || g || '.bulk.org', 60, '198.18.0.0'::inet + g, "
            "'2000-01-01', 60 FROM generate_series(1, " +
            std::to_string(kHosts) + ") g, accounts a WHERE a.username = 'alice'");
    }

    void exec(const std::string& sql) {
        PGconn* conn = PQconnectdb(conninfo_.c_str());
        PGresult* r = PQexec(conn, sql.c_str());
        EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(conn);
        PQclear(r);
        PQfinish(conn);
    }

    // Host rows read by scans (sequential and index) so far, once every other backend of this
    // database exited (a backend flushes its statistics at exit). The fixture's own pool is
    // closed first.
    long rows_read() {
        db_.reset();
        const std::string others =
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()";
        EXPECT_TRUE(ddns::test::wait_until([&] { return scalar(others) == "0"; }));
        return std::stol(scalar("SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) "
                                "FROM pg_stat_user_tables WHERE relname = 'hosts'")
                             .value_or("-1"));
    }

    // Runs `work` on a pool of its own and returns the host rows PostgreSQL read for it.
    long rows_read_by(const std::function<void(Database&)>& work) {
        const long before = rows_read();
        {
            Database pool(conninfo_, 2);
            work(pool);
        }
        return rows_read() - before;
    }

    std::int64_t zone_ = 0;
};

TEST_F(BatchReadsScaleTest, ASweepReadsEachHostAFewTimesNotOncePerBatch) {
    long swept = 0;
    const long read = rows_read_by([&](Database& pool) {
        PgLifecycleStore store(pool);
        std::int64_t cursor = 0;
        for (;;) {
            auto batch = store.lock_due_hosts(zone_, kLate, 20, cursor);
            if (batch->hosts().empty()) break;
            cursor = batch->hosts().back().host.id;
            for (const auto& c : batch->hosts())
                batch->record_offline(c.host.id, std::nullopt, std::nullopt,
                                      auth::OfflineReason::Heartbeat, kLate);
            swept += static_cast<long>(batch->hosts().size());
            batch->commit();
        }
    });
    EXPECT_EQ(swept, kHosts);
    EXPECT_LT(read, 10 * kHosts) << "host rows read for a sweep of " << kHosts << " hosts";
}

TEST_F(BatchReadsScaleTest, AReconcilerPassLocksItsSuspectsWithoutReadingTheZone) {
    long locked = 0;
    const long read = rows_read_by([&](Database& pool) {
        PgReconcileStore store(pool);
        std::int64_t cursor = 0;
        for (;;) {
            const auth::HostPage page = store.read_hosts(zone_, cursor, 1000);
            if (page.hosts.empty()) break;
            cursor = page.hosts.back().id;
            // Every host differs from the zone transfer (a sweep ran beside the pass).
            for (std::size_t from = 0; from < page.hosts.size(); from += 100) {
                std::vector<std::int64_t> ids;
                for (std::size_t i = from; i < std::min(page.hosts.size(), from + 100); ++i)
                    ids.push_back(page.hosts[i].id);
                auto batch = store.lock_host_ids(zone_, ids);
                locked += static_cast<long>(batch->hosts().size());
                batch->commit();
            }
        }
    });
    EXPECT_EQ(locked, kHosts);
    EXPECT_LT(read, 10 * kHosts) << "host rows read for a pass over " << kHosts << " hosts";
}

}  // namespace
}  // namespace ddns::sql::test
