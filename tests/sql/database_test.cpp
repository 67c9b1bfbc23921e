// The connection pool and the libpq wrapper: reuse, replacement of broken connections,
// transactions, error classification, and no conninfo in error messages.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
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

TEST_F(DatabaseTest, CommitsAreDurableWhateverTheServersDefault) {
    // The test cluster runs with synchronous_commit = off. A commit acknowledged that way can be
    // lost in a crash, after BIND already holds what it recorded: the gateway's own sessions
    // wait for their commit's WAL whatever the server's default.
    EXPECT_EQ(scalar("SHOW synchronous_commit"), "off") << "the test cluster's own default";
    auto conn = db_->lease();
    EXPECT_EQ(conn->exec("SHOW synchronous_commit").text(0, 0), "on");
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

// The connection goes while COMMIT is on its way: nobody can tell whether the server committed.
TEST_F(DatabaseTest, ACommitOnALostConnectionHasAnUnknownOutcome) {
    auto conn = db_->lease();
    conn->exec("CREATE TABLE t (k integer)");
    const std::string pid(conn->exec("SELECT pg_backend_pid()").text(0, 0));
    Transaction tx(*conn);
    conn->exec("INSERT INTO t VALUES (1)");
    EXPECT_EQ(scalar("SELECT pg_terminate_backend(" + pid + ", 5000)"), "t");
    EXPECT_THROW(tx.commit(), auth::CommitUnknown);
}

// A COMMIT the server refused (a deferred constraint) certainly did not commit.
TEST_F(DatabaseTest, ACommitTheServerRefusedIsAPlainFailure) {
    auto conn = db_->lease();
    conn->exec("CREATE TABLE t (k integer UNIQUE DEFERRABLE INITIALLY DEFERRED)");
    Transaction tx(*conn);
    conn->exec("INSERT INTO t VALUES (1)");
    conn->exec("INSERT INTO t VALUES (1)");
    try {
        tx.commit();
        ADD_FAILURE() << "commit succeeded";
    } catch (const auth::CommitUnknown&) {
        ADD_FAILURE() << "a refused commit is not in doubt";
    } catch (const auth::StoreError&) {
    }
    EXPECT_EQ(scalar("SELECT count(*) FROM t"), "0");
}

// BEGIN with the first statement and the last statement with COMMIT, each pair one round trip
// (the change path's transaction, issue #13): the statements run in order in one transaction,
// and the connection is clean afterwards.
TEST_F(DatabaseTest, APipelinedTransactionRunsItsStatementsInOrderAndCommits) {
    auto conn = db_->lease();
    conn->exec("CREATE TABLE t (k integer)");
    {
        Transaction tx(*conn,
                       Statement{"ins", "INSERT INTO t VALUES ($1::integer) RETURNING k", {"1"}});
        EXPECT_EQ(tx.first_result().text(0, 0), "1");
        EXPECT_TRUE(conn->in_transaction());
        conn->exec("INSERT INTO t VALUES (2)");
        tx.commit_after(Statement{"ins", "INSERT INTO t VALUES ($1::integer) RETURNING k", {"3"}});
    }
    EXPECT_FALSE(conn->in_transaction());
    EXPECT_TRUE(conn->usable());
    EXPECT_EQ(scalar("SELECT string_agg(k::text, ',' ORDER BY k) FROM t"), "1,2,3");
    EXPECT_EQ(conn->exec("SELECT 7").text(0, 0), "7");  // out of pipeline mode
}

// The last statement refused: COMMIT never ran, so it is a certain failure, and the transaction
// rolls back; the connection stays usable.
TEST_F(DatabaseTest, APipelinedCommitWhoseStatementWasRefusedIsAPlainFailure) {
    auto conn = db_->lease();
    conn->exec("CREATE TABLE t (k integer CHECK (k < 10))");
    {
        Transaction tx(*conn, Statement{{}, "INSERT INTO t VALUES (1)", {}});
        try {
            tx.commit_after(Statement{"ins", "INSERT INTO t VALUES ($1::integer)", {"11"}});
            ADD_FAILURE() << "commit succeeded";
        } catch (const auth::CommitUnknown&) {
            ADD_FAILURE() << "a refused statement is not in doubt";
        } catch (const auth::StoreError&) {
        }
    }
    EXPECT_FALSE(conn->in_transaction());
    EXPECT_TRUE(conn->usable());
    EXPECT_EQ(scalar("SELECT count(*) FROM t"), "0");
}

// A refused first statement: the constructor throws and nothing stays open.
TEST_F(DatabaseTest, APipelinedBeginWhoseStatementWasRefusedLeavesNoTransaction) {
    auto conn = db_->lease();
    EXPECT_THROW(Transaction(*conn, Statement{"bad", "SELECT * FROM no_such_table", {}}),
                 auth::StoreError);
    EXPECT_FALSE(conn->in_transaction());
    EXPECT_TRUE(conn->usable());
}

// The connection goes while COMMIT runs, after the last statement succeeded: unknown. (A
// deferred trigger ends its own backend during COMMIT.)
TEST_F(DatabaseTest, APipelinedCommitLostAfterItsStatementHasAnUnknownOutcome) {
    auto conn = db_->lease();
    conn->exec_script(R"sql(
        CREATE TABLE t (k integer);
        CREATE FUNCTION end_me() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); RETURN NULL;
        END $$;
        CREATE CONSTRAINT TRIGGER end_me AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW EXECUTE FUNCTION end_me();)sql");
    Transaction tx(*conn, Statement{{}, "SELECT 1", {}});
    EXPECT_THROW(tx.commit_after(Statement{"ins", "INSERT INTO t VALUES ($1::integer)", {"1"}}),
                 auth::CommitUnknown);
    EXPECT_TRUE(conn->broken());
}

// The backend ended before the statement ran: the server's refusal arrives for the statement,
// so nothing after it ran; a certain failure.
TEST_F(DatabaseTest, APipelinedCommitOnABackendEndedBeforehandIsAPlainFailure) {
    auto conn = db_->lease();
    conn->exec("CREATE TABLE t (k integer)");
    const std::string pid(conn->exec("SELECT pg_backend_pid()").text(0, 0));
    Transaction tx(*conn);
    EXPECT_EQ(scalar("SELECT pg_terminate_backend(" + pid + ", 5000)"), "t");
    try {
        tx.commit_after(Statement{"ins", "INSERT INTO t VALUES ($1::integer)", {"1"}});
        ADD_FAILURE() << "commit succeeded";
    } catch (const auth::CommitUnknown&) {
        ADD_FAILURE() << "the server refused the statement before COMMIT: not in doubt";
    } catch (const auth::StoreError&) {
    }
    EXPECT_EQ(scalar("SELECT count(*) FROM t"), "0");
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

// ping() is what /readyz runs: bounded in time whatever the server does.
using std::chrono::milliseconds;
using Stopwatch = std::chrono::steady_clock;

TEST_F(DatabaseTest, PingAnswersOnAHealthyDatabase) {
    EXPECT_EQ(db_->ping(milliseconds(2000)), std::nullopt);
}

TEST_F(DatabaseTest, PingGivesUpWhenEveryConnectionIsLeased) {
    Database one(conninfo_, 1);
    auto held = one.lease();
    const auto start = Stopwatch::now();
    EXPECT_EQ(one.ping(milliseconds(200)), "database: no free connection within the timeout");
    EXPECT_LT(Stopwatch::now() - start, milliseconds(1500));
}

TEST_F(DatabaseTest, PingGivesUpOnAServerThatAcceptsButNeverAnswers) {
    // The kernel completes the TCP handshake for a listening socket nobody accept()s, so libpq
    // connects and then waits for a startup answer that never comes.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), length), 0);
    ASSERT_EQ(::listen(fd, 8), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const std::string port = std::to_string(ntohs(address.sin_port));
    Database silent("host=127.0.0.1 port=" + port + " dbname=nothing user=nobody", 1);
    const auto start = Stopwatch::now();
    const auto failure = silent.ping(milliseconds(500));
    const auto took = Stopwatch::now() - start;
    ::close(fd);
    ASSERT_TRUE(failure.has_value());
    EXPECT_NE(failure->find("database: cannot connect"), std::string::npos) << *failure;
    // libpq's connect_timeout is at least 2 s.
    EXPECT_LT(took, milliseconds(4000));
}

TEST_F(DatabaseTest, PingGivesUpOnAHungBackendAndDropsItsConnection) {
    const std::string stuck = backend_pid(*db_);  // now idle in the pool
    // SIGSTOP freezes that backend like a hung server: the connection is open but silent.
    if (::kill(std::stoi(stuck), SIGSTOP) != 0)
        GTEST_SKIP() << "cannot stop the backend (not root?): " << std::strerror(errno);
    const auto start = Stopwatch::now();
    const auto failure = db_->ping(milliseconds(300));
    const auto took = Stopwatch::now() - start;
    ::kill(std::stoi(stuck), SIGCONT);
    EXPECT_EQ(failure, "database: no answer within the timeout");
    EXPECT_LT(took, milliseconds(1500));
    // The timed-out connection was closed, not put back with a query still in flight.
    EXPECT_EQ(db_->ping(milliseconds(2000)), std::nullopt);
    EXPECT_NE(backend_pid(*db_), stuck);
}

}  // namespace
}  // namespace ddns::sql::test
