// The migrator against a real database: fresh apply, idempotence, concurrent starts.
#include "ddns/sql/migrator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <thread>

#include "connection.hpp"
#include "sql_fixture.hpp"
#include "test_support.hpp"

namespace ddns::sql::test {
namespace {

using MigratorTest = SqlTest;

std::vector<int> all_versions() {
    return compiled_schema_versions();
}

std::string version_count() {
    return std::to_string(compiled_schema_versions().size());
}

TEST_F(MigratorTest, EmptyDatabaseIsVersionZero) {
    EXPECT_EQ(current_schema_version(*db_), 0);
}

TEST_F(MigratorTest, MigrateOnEmptyDatabaseAppliesAll) {
    ASSERT_GE(latest_schema_version(), 1);
    auto report = migrate(*db_);
    EXPECT_EQ(report.applied, all_versions());
    EXPECT_EQ(report.current_version, latest_schema_version());
    EXPECT_EQ(current_schema_version(*db_), latest_schema_version());
    EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations"), version_count());
    EXPECT_EQ(scalar("SELECT name FROM schema_migrations WHERE version = 1"), "initial_schema");
    for (const char* table : {"accounts", "zones", "hosts", "tokens"}) {
        EXPECT_EQ(scalar(std::string("SELECT to_regclass('") + table + "') IS NOT NULL"), "t")
            << table;
    }
    // The advisory lock was released.
    EXPECT_EQ(scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"), "0");
}

TEST_F(MigratorTest, SecondMigrateAppliesNone) {
    migrate(*db_);
    auto again = migrate(*db_);
    EXPECT_TRUE(again.applied.empty());
    EXPECT_EQ(again.current_version, latest_schema_version());
    EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations"), version_count());
}

TEST_F(MigratorTest, ConcurrentMigratorsApplyEachVersionOnce) {
    Database other(conninfo_, 1);
    std::latch start(2);
    MigrationReport reports[2];
    std::string errors[2];
    auto run = [&](Database& db, int slot) {
        start.arrive_and_wait();
        try {
            reports[slot] = migrate(db);
        } catch (const std::exception& e) {
            errors[slot] = e.what();
        }
    };
    std::thread a(run, std::ref(*db_), 0);
    std::thread b(run, std::ref(other), 1);
    a.join();
    b.join();
    EXPECT_EQ(errors[0], "");
    EXPECT_EQ(errors[1], "");
    std::vector<int> applied = reports[0].applied;
    applied.insert(applied.end(), reports[1].applied.begin(), reports[1].applied.end());
    std::sort(applied.begin(), applied.end());
    EXPECT_EQ(applied, all_versions());
    EXPECT_EQ(reports[0].current_version, latest_schema_version());
    EXPECT_EQ(reports[1].current_version, latest_schema_version());
    EXPECT_EQ(scalar("SELECT count(DISTINCT version) = count(*) FROM schema_migrations"), "t");
    EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations"), version_count());
}

TEST_F(MigratorTest, CompiledVersionsAscendAndEndAtTheLatest) {
    const auto versions = compiled_schema_versions();
    ASSERT_FALSE(versions.empty());
    EXPECT_EQ(versions.front(), 1);
    EXPECT_EQ(versions.back(), latest_schema_version());
    EXPECT_TRUE(std::adjacent_find(versions.begin(), versions.end(), std::greater_equal<>()) ==
                versions.end());
}

// Numbers may have gaps (branches reserve them): a database that already has a higher version
// still gets a lower one it lacks, and serve's "pending" check sees the difference.
TEST_F(MigratorTest, AVersionMissingBelowTheHighestAppliedIsAppliedLater) {
    const auto versions = compiled_schema_versions();
    ASSERT_GE(versions.size(), 2U) << "needs two migrations to leave a hole";
    // Pretend only the latest migration ran (its tables are not needed for this check).
    {
        auto conn = db_->lease();
        conn->exec(
            "CREATE TABLE schema_migrations (version integer PRIMARY KEY,"
            " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        conn->exec("INSERT INTO schema_migrations (version, name) VALUES (" +
                   std::to_string(versions.back()) + ", 'pretend')");
    }
    std::vector<int> lower(versions.begin(), versions.end() - 1);
    EXPECT_EQ(current_schema_version(*db_), latest_schema_version());
    EXPECT_EQ(pending_schema_versions(*db_), lower);
    // Only the lower ones run; the latest is not run a second time.
    EXPECT_EQ(migrate(*db_).applied, lower);
    EXPECT_TRUE(pending_schema_versions(*db_).empty());
}

TEST_F(MigratorTest, AnUnknownAppliedVersionIsRefused) {
    migrate(*db_);
    db_->lease()->exec("INSERT INTO schema_migrations (version, name) VALUES (" +
                       std::to_string(latest_schema_version() + 1) + ", 'future')");
    try {
        migrate(*db_);
        ADD_FAILURE() << "migrate accepted a schema it does not know";
    } catch (const MigrationError& e) {
        EXPECT_NE(std::string(e.what()).find("does not know"), std::string::npos) << e.what();
    }
}

TEST_F(MigratorTest, UnreachableDatabaseIsAMigrationError) {
    Database down("host=127.0.0.1 port=" + std::to_string(ddns::test::free_port()) +
                      " dbname=x password=hunter2",
                  1);
    try {
        migrate(down);
        ADD_FAILURE() << "migrate succeeded without a server";
    } catch (const MigrationError& e) {
        EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
    EXPECT_THROW(current_schema_version(down), MigrationError);
    EXPECT_THROW(pending_schema_versions(down), MigrationError);
}

}  // namespace
}  // namespace ddns::sql::test
