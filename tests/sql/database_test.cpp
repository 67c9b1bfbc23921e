// The connection pool and the libpq wrapper: reuse, replacement of broken connections,
// transactions, error classification, and no conninfo in error messages.
#include <gtest/gtest.h>

#include <string>

#include "connection.hpp"
#include "ddns/auth/store.hpp"
#include "sql_fixture.hpp"
#include "test_support.hpp"

namespace ddns::sql::test {
namespace {

using DatabaseTest = SqlTest;

std::string backend_pid(Database& db) {
    auto conn = db.lease();
    return std::string(conn->exec("SELECT pg_backend_pid()").text(0, 0));
}

TEST_F(DatabaseTest, ReusesAnIdleConnection) {
    std::string first = backend_pid(*db_);
    EXPECT_EQ(backend_pid(*db_), first);
}

TEST_F(DatabaseTest, ReplacesAConnectionTheServerClosed) {
    std::string first = backend_pid(*db_);
    // Waits until the backend has exited.
    EXPECT_EQ(scalar("SELECT pg_terminate_backend(" + first + ", 5000)"), "t");
    std::string second = backend_pid(*db_);
    EXPECT_NE(second, first);
}

TEST_F(DatabaseTest, LeasesUpToPoolSizeAtOnce) {
    auto a = db_->lease();
    auto b = db_->lease();
    auto c = db_->lease();
    auto d = db_->lease();
    EXPECT_EQ(scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND pid <> pg_backend_pid()"),
              "4");
}

TEST_F(DatabaseTest, UniqueViolationIsAValueAndTheConnectionStaysUsable) {
    auto conn = db_->lease();
    conn->exec("CREATE TABLE t (k text PRIMARY KEY)");
    conn->exec("INSERT INTO t VALUES ($1)", {std::string("a")});
    auto again = conn->try_exec("INSERT INTO t VALUES ($1)", {std::string("a")});
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error(), Violation::Unique);
    EXPECT_TRUE(conn->usable());
    EXPECT_FALSE(conn->in_transaction());
    auto bad_fk = conn->try_exec("CREATE TABLE u (k text REFERENCES t)");
    ASSERT_TRUE(bad_fk);
    auto fk = conn->try_exec("INSERT INTO u VALUES ('missing')");
    ASSERT_FALSE(fk);
    EXPECT_EQ(fk.error(), Violation::ForeignKey);
}

TEST_F(DatabaseTest, PreparedStatementsTakeParametersAndNulls) {
    auto conn = db_->lease();
    for (int i = 0; i < 2; ++i) {  // second round reuses the prepared statement
        auto r = conn->exec_prepared("echo", "SELECT $1::text, $2::bigint IS NULL",
                                     {std::string("it's"), std::nullopt});
        EXPECT_EQ(r.text(0, 0), "it's");
        EXPECT_TRUE(r.boolean(0, 1));
    }
}

TEST_F(DatabaseTest, TransactionRollsBackUnlessCommitted) {
    auto conn = db_->lease();
    conn->exec("CREATE TABLE t (k integer)");
    {
        Transaction tx(*conn);
        conn->exec("INSERT INTO t VALUES (1)");
    }
    EXPECT_EQ(scalar("SELECT count(*) FROM t"), "0");
    {
        Transaction tx(*conn);
        conn->exec("INSERT INTO t VALUES (2)");
        tx.commit();
    }
    EXPECT_EQ(scalar("SELECT string_agg(k::text, ',') FROM t"), "2");
}

TEST_F(DatabaseTest, UnexpectedErrorThrowsStoreError) {
    auto conn = db_->lease();
    EXPECT_THROW(conn->exec("SELECT * FROM no_such_table"), auth::StoreError);
    EXPECT_TRUE(conn->usable());
}

TEST_F(DatabaseTest, ConnectFailureNamesNoPassword) {
    struct Row {
        std::string conninfo;
    };
    const std::string closed_port = std::to_string(ddns::test::free_port());
    const Row rows[] = {
        {"host=127.0.0.1 port=" + closed_port + " user=u password=hunter2 dbname=x"},
        {"host=127.0.0.1 port=" + closed_port + " password hunter2"},  // malformed
        {"postgresql://u:hunter2@127.0.0.1:" + closed_port + "/x"},
    };
    for (const auto& row : rows) {
        Database db(row.conninfo, 1);
        try {
            auto lease = db.lease();
            ADD_FAILURE() << "connected to a closed port";
        } catch (const auth::StoreError& e) {
            EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
        }
    }
}

}  // namespace
}  // namespace ddns::sql::test
