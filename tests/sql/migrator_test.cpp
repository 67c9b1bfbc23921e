// The migrator against a real database: fresh apply, idempotence, concurrent starts.
#include "ddns/sql/migrator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <thread>

#include "migrations.hpp"
#include "sql_fixture.hpp"
#include "test_support.hpp"

namespace ddns::sql::test {
namespace {

using MigratorTest = SqlTest;

std::vector<int> all_versions() {
    std::vector<int> v;
    for (const Migration& m : compiled_migrations()) v.push_back(m.version);
    return v;
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
    EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations"),
              std::to_string(all_versions().size()));
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
    EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations"),
              std::to_string(all_versions().size()));
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
    EXPECT_EQ(scalar("SELECT count(*) FROM schema_migrations"),
              std::to_string(all_versions().size()));
}

TEST_F(MigratorTest, MissingMigrationsListsEveryUnrecordedVersionNotOnlyTheLatest) {
    EXPECT_EQ(missing_migrations(*db_), all_versions());
    migrate(*db_);
    EXPECT_TRUE(missing_migrations(*db_).empty());
    // A database that has the latest version but lacks an earlier one (numbers with gaps land
    // in any order) is not up to date.
    scalar("DELETE FROM schema_migrations WHERE version = 1 RETURNING version");
    EXPECT_EQ(current_schema_version(*db_), latest_schema_version());
    EXPECT_EQ(missing_migrations(*db_), std::vector<int>{1});
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
    EXPECT_THROW(missing_migrations(down), MigrationError);
}

}  // namespace
}  // namespace ddns::sql::test
