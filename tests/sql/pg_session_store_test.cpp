// Web sessions in PostgreSQL (migration 015): lifetimes checked at use, last use refreshed only
// after the refresh interval, logout, ending all of an account's sessions but one, pruning, and
// deletion with the account.
#include "ddns/sql/pg_session_store.hpp"

#include <gtest/gtest.h>

#include "ddns/auth/store.hpp"
#include "ddns/sql/migrator.hpp"
#include "sql_fixture.hpp"

namespace ddns::sql::test {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

class PgSessionStoreTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        migrate(*db_);
        alice_ = account("alice");
        bob_ = account("bob");
    }
    std::int64_t account(const std::string& name) {
        return std::stoll(*scalar("INSERT INTO accounts (username, password_hash) VALUES ('" +
                                  name + "', 'x') RETURNING id"));
    }

    const auth::TimePoint t0 = auth::TimePoint(std::chrono::seconds(1'800'000'000));
    const auth::SessionLifetime life{hours(1), hours(8)};
    std::int64_t alice_ = 0;
    std::int64_t bob_ = 0;
};

TEST_F(PgSessionStoreTest, ASessionLivesUntilItIsIdleTooLong) {
    PgSessionStore store(*db_);
    store.create(digest('a'), alice_, t0);
    auto found = store.find(digest('a'), t0 + minutes(59), life, minutes(1));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->account_id, alice_);
    EXPECT_EQ(found->last_seen, t0 + minutes(59)) << "used: last use moves";
    // 59 minutes after the last use it is still alive; the use an hour later is too late.
    EXPECT_TRUE(store.find(digest('a'), t0 + minutes(118), life, minutes(1)).has_value());
    EXPECT_FALSE(store.find(digest('a'), t0 + minutes(179), life, minutes(1)).has_value());
    EXPECT_FALSE(store.find(digest('b'), t0, life, minutes(1)).has_value()) << "unknown id";
}

TEST_F(PgSessionStoreTest, LastUseIsWrittenOnlyAfterTheRefreshInterval) {
    PgSessionStore store(*db_);
    store.create(digest('a'), alice_, t0);
    EXPECT_EQ(store.find(digest('a'), t0 + seconds(30), life, minutes(1))->last_seen, t0);
    EXPECT_EQ(store.find(digest('a'), t0 + seconds(61), life, minutes(1))->last_seen,
              t0 + seconds(61));
}

TEST_F(PgSessionStoreTest, TheAbsoluteLifetimeEndsASessionInUse) {
    PgSessionStore store(*db_);
    store.create(digest('a'), alice_, t0);
    for (int m = 30; m < 8 * 60; m += 30)
        ASSERT_TRUE(store.find(digest('a'), t0 + minutes(m), life, minutes(1)).has_value()) << m;
    EXPECT_FALSE(store.find(digest('a'), t0 + hours(8), life, minutes(1)).has_value());
}

TEST_F(PgSessionStoreTest, EndingOneOrAllOfAnAccountsSessions) {
    PgSessionStore store(*db_);
    store.create(digest('a'), alice_, t0);
    store.create(digest('b'), alice_, t0);
    store.create(digest('c'), alice_, t0);
    store.create(digest('d'), bob_, t0);
    EXPECT_TRUE(store.end(digest('a')));
    EXPECT_FALSE(store.end(digest('a')));
    EXPECT_EQ(store.end_account(alice_, digest('b')), 1u) << "all but the one that asked";
    EXPECT_TRUE(store.find(digest('b'), t0, life, minutes(1)).has_value());
    EXPECT_FALSE(store.find(digest('c'), t0, life, minutes(1)).has_value());
    EXPECT_EQ(store.end_account(alice_), 1u);
    EXPECT_EQ(scalar("SELECT string_agg(account_id::text, ',') FROM web_sessions"),
              std::to_string(bob_))
        << "another account's session is untouched";
}

TEST_F(PgSessionStoreTest, PruneDeletesOnlyExpiredSessions) {
    PgSessionStore store(*db_);
    store.create(digest('a'), alice_, t0);             // idle too long
    store.create(digest('b'), alice_, t0 + hours(2));  // alive
    EXPECT_EQ(store.prune(t0 + hours(2) + minutes(30), life), 1u);
    EXPECT_EQ(scalar("SELECT count(*) FROM web_sessions"), "1");
}

TEST_F(PgSessionStoreTest, SessionsGoWithTheirAccount) {
    PgSessionStore store(*db_);
    store.create(digest('a'), alice_, t0);
    scalar("WITH d AS (DELETE FROM accounts WHERE id = " + std::to_string(alice_) +
           " RETURNING 1) SELECT count(*) FROM d");
    EXPECT_EQ(scalar("SELECT count(*) FROM web_sessions"), "0");
}

TEST_F(PgSessionStoreTest, OnlyADigestCanBeStored) {
    PgSessionStore store(*db_);
    EXPECT_THROW(store.create("not-a-digest", alice_, t0), auth::StoreError);
}

}  // namespace
}  // namespace ddns::sql::test
