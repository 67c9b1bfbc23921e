// The throttle's shared state in PostgreSQL (migration 011): one key for all instances, the
// streak policy of throttle_failure() (threshold, doubling up to the cap, the window), the
// active locks, pruning, parallel failures counted exactly, and no plain name or address stored.
#include "ddns/sql/pg_throttle_store.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "ddns/sql/migrator.hpp"
#include "sql_fixture.hpp"

namespace ddns::sql::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class PgThrottleStoreTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        migrate(*db_);
    }

    auth::SharedFailure failure(char scope, std::uint64_t key, seconds window = seconds(900)) {
        return auth::SharedFailure{{scope, key}, 3, seconds(10), seconds(25), window};
    }
    milliseconds fail(PgThrottleStore& store, char scope, std::uint64_t key,
                      seconds window = seconds(900)) {
        const auth::SharedFailure f = failure(scope, key, window);
        const auto out = store.record_failures(std::span(&f, 1));
        EXPECT_EQ(out.size(), 1u);
        return out.empty() ? milliseconds(-1) : out[0];
    }
};

TEST_F(PgThrottleStoreTest, TheFirstProposalBecomesEveryInstancesKey) {
    PgThrottleStore a(*db_), b(*db_);
    const Secret first(std::string(32, 'k'));
    const Secret second(std::string(32, 'z'));
    EXPECT_TRUE(a.hash_key(first).equals(first));
    EXPECT_TRUE(b.hash_key(second).equals(first));
    EXPECT_EQ(scalar("SELECT count(*) FROM throttle_key"), "1");
}

TEST_F(PgThrottleStoreTest, ThresholdLocksThenEachFailureDoublesUpToTheCap) {
    PgThrottleStore store(*db_);
    const std::uint64_t key = 0xfedcba9876543210ULL;  // above INT64_MAX: stored as negative bigint
    EXPECT_EQ(fail(store, 'A', key), milliseconds(0));
    EXPECT_EQ(fail(store, 'A', key), milliseconds(0));
    const auto first = fail(store, 'A', key);
    EXPECT_GT(first, milliseconds(9000));
    EXPECT_LE(first, milliseconds(10000));
    EXPECT_GT(fail(store, 'A', key), milliseconds(19000)) << "locked once: the next one doubles";
    const auto capped = fail(store, 'A', key);
    EXPECT_GT(capped, milliseconds(24000));
    EXPECT_LE(capped, milliseconds(25000)) << "the cap";
    EXPECT_EQ(fail(store, 'U', key), milliseconds(0)) << "another scope is another streak";

    const auto locks = store.active_locks();
    ASSERT_EQ(locks.size(), 1u);
    EXPECT_EQ(locks[0].streak.scope, 'A');
    EXPECT_EQ(locks[0].streak.key, key);
    EXPECT_GT(locks[0].remaining, milliseconds(20000));
}

TEST_F(PgThrottleStoreTest, AStreakQuietForItsWindowStartsOverAndIsPruned) {
    PgThrottleStore store(*db_);
    EXPECT_EQ(fail(store, 'N', 7, seconds(1)), milliseconds(0));
    EXPECT_EQ(fail(store, 'N', 7, seconds(1)), milliseconds(0));
    EXPECT_EQ(fail(store, 'N', 8, seconds(900)), milliseconds(0));
    std::this_thread::sleep_for(milliseconds(1100));
    EXPECT_EQ(fail(store, 'N', 7, seconds(1)), milliseconds(0)) << "the third after the window";
    std::this_thread::sleep_for(milliseconds(1100));
    EXPECT_EQ(store.prune(), 1u);
    EXPECT_EQ(scalar("SELECT count(*) FROM throttle_streaks"), "1") << "the live one stays";
}

TEST_F(PgThrottleStoreTest, ParallelFailuresAreAllCounted) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            PgThrottleStore store(*db_);
            const std::vector<auth::SharedFailure> fs{failure('A', 1), failure('U', 2),
                                                      failure('N', 3)};
            for (int i = 0; i < 10; ++i) store.record_failures(fs);
        });
    for (auto& t : threads) t.join();
    // 40 failures with threshold 3: locked at the 3rd, then every one locks again.
    EXPECT_EQ(scalar("SELECT locks FROM throttle_streaks WHERE scope = 'U' AND key = 2"), "38");
    EXPECT_EQ(scalar("SELECT count(*) FROM throttle_streaks"), "3");
}

}  // namespace
}  // namespace ddns::sql::test
