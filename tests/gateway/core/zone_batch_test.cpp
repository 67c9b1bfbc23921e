// The one batched-update sequence (run_zone_batch) against scripted steps: which changes are
// split, recorded, compensated and marked in doubt for each way BIND and the commit can end.
#include "ddns/gateway/core/zone_batch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

namespace ddns::gateway {
namespace {

enum class Commit { Ok, Fails, Unknown };

struct Row {
    const char* name;
    std::vector<UpdateStatus> replies;  // one per message sent, in order
    Commit commit;
    std::vector<std::int64_t> recorded;     // ids handed to record as applied
    std::vector<std::int64_t> compensated;  // ids of the compensating message (empty: none)
    std::vector<std::int64_t> in_doubt;
    CommitOutcome outcome;
};

class ZoneBatchTest : public ::testing::TestWithParam<Row> {};

TEST_P(ZoneBatchTest, RunsTheOneSequence) {
    const Row& row = GetParam();
    std::deque<UpdateStatus> replies(row.replies.begin(), row.replies.end());
    std::vector<std::int64_t> recorded, compensated, marked;
    bool released = false;
    bool marked_after_release = true;
    const ZoneBatchSteps steps{
        [&](const std::vector<std::int64_t>&) {
            const UpdateStatus s = replies.empty() ? UpdateStatus::Success : replies.front();
            if (!replies.empty()) replies.pop_front();
            return UpdateResult{s, {}};
        },
        [&](const BatchSendResult& sent) {
            recorded = sent.applied;
            if (row.commit == Commit::Fails) throw auth::StoreError("database down");
            if (row.commit == Commit::Unknown) throw auth::CommitUnknown("connection lost");
        },
        [&] { released = true; },
        [&](const std::vector<std::int64_t>& ids) {
            EXPECT_TRUE(released) << "compensation after the connection went back";
            compensated = ids;
            return UpdateResult{UpdateStatus::Success, {}};
        },
        [&](const std::vector<std::int64_t>& ids) {
            marked_after_release = released;
            marked = ids;
        },
    };
    const Logger log{LogLevel::Error};
    const ZoneBatchResult r = run_zone_batch({1, 2, 3}, steps, log, "test");
    EXPECT_EQ(recorded, row.recorded);
    EXPECT_EQ(compensated, row.compensated);
    EXPECT_EQ(marked, row.in_doubt);
    EXPECT_EQ(r.in_doubt, row.in_doubt);
    EXPECT_EQ(r.outcome, row.outcome);
    EXPECT_TRUE(released);
    EXPECT_TRUE(marked_after_release);
}

using S = UpdateStatus;
INSTANTIATE_TEST_SUITE_P(
    Rows, ZoneBatchTest,
    ::testing::Values(
        Row{"AllApplied", {S::Success}, Commit::Ok, {1, 2, 3}, {}, {}, CommitOutcome::Committed},
        Row{"RefusedThenSingly",
            {S::NxRrset, S::Success, S::NxRrset, S::Success},
            Commit::Ok,
            {1, 3},
            {},
            {},
            CommitOutcome::Committed},
        Row{"LostReplyIsInDoubtAndNotSplit",
            {S::Timeout},
            Commit::Ok,
            {},
            {},
            {1, 2, 3},
            CommitOutcome::Committed},
        Row{"UnverifiableReplyIsInDoubt",
            {S::BadReply},
            Commit::Ok,
            {},
            {},
            {1, 2, 3},
            CommitOutcome::Committed},
        Row{"KeyFailureIsCertain", {S::BadKey}, Commit::Ok, {}, {}, {}, CommitOutcome::Committed},
        // ... and marks it in doubt: another instance may have written the same meanwhile.
        Row{"FailedCommitCompensatesWhatWasAppliedAndMarksIt",
            {S::Refused, S::Success, S::Refused, S::Success},
            Commit::Fails,
            {1, 3},
            {1, 3},
            {1, 3},
            CommitOutcome::Failed},
        Row{"UnknownCommitKeepsDnsAndMarks",
            {S::Success},
            Commit::Unknown,
            {1, 2, 3},
            {},
            {1, 2, 3},
            CommitOutcome::Unknown},
        Row{"SingleLostReplyAfterSplitIsInDoubt",
            {S::Refused, S::Success, S::Timeout, S::Refused},
            Commit::Ok,
            {1},
            {},
            {2},
            CommitOutcome::Committed}),
    [](const ::testing::TestParamInfo<Row>& row) { return std::string(row.param.name); });

// A message too large to encode was never sent: it goes in halves, each halved again until it
// fits, in batch order; a change that cannot be encoded even alone (9) fails alone.
TEST(ZoneBatch, AMessageTooLargeToEncodeIsSentInHalvesUntilItFits) {
    std::vector<std::vector<std::int64_t>> messages;
    const SendChanges send = [&](const std::vector<std::int64_t>& ids) {
        messages.push_back(ids);
        if (ids.size() > 2 || std::find(ids.begin(), ids.end(), 9) != ids.end())
            return UpdateResult{UpdateStatus::EncodeError, "UPDATE message too large"};
        return UpdateResult{UpdateStatus::Success, {}};
    };
    const BatchSendResult r = send_split({1, 2, 3, 4, 5, 9}, send);
    EXPECT_EQ(r.applied, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
    ASSERT_EQ(r.failed.size(), 1U);
    EXPECT_EQ(r.failed.at(9).status, UpdateStatus::EncodeError);
    const std::vector<std::vector<std::int64_t>> expected{
        {1, 2, 3, 4, 5, 9}, {1, 2, 3}, {1}, {2, 3}, {4, 5, 9}, {4}, {5, 9}, {5}, {9}};
    EXPECT_EQ(messages, expected);
}

// The undo of a large batch after a failed commit may not fit in one message either: it goes in
// halves too, and the first part that fails is the compensation's result.
TEST(ZoneBatch, ACompensationTooLargeToEncodeIsSentInParts) {
    std::vector<std::vector<std::int64_t>> undo;
    const ZoneBatchSteps steps{
        [](const std::vector<std::int64_t>&) {
            return UpdateResult{UpdateStatus::Success, {}};
        },
        [](const BatchSendResult&) { throw auth::StoreError("database down"); },
        [] {},
        [&](const std::vector<std::int64_t>& ids) {
            undo.push_back(ids);
            if (ids.size() > 2) return UpdateResult{UpdateStatus::EncodeError, "too large"};
            if (ids.front() == 3) return UpdateResult{UpdateStatus::NxRrset, {}};
            return UpdateResult{UpdateStatus::Success, {}};
        },
        [](const std::vector<std::int64_t>&) {},
    };
    const Logger log{LogLevel::Error};
    const ZoneBatchResult r = run_zone_batch({1, 2, 3, 4}, steps, log, "test");
    const std::vector<std::vector<std::int64_t>> expected{{1, 2, 3, 4}, {1, 2}, {3, 4}};
    EXPECT_EQ(undo, expected);
    ASSERT_TRUE(r.rollback);
    EXPECT_EQ(r.rollback->status, UpdateStatus::NxRrset);
}

TEST(ZoneBatch, AFailedMarkIsLoggedNotThrown) {
    const ZoneBatchSteps steps{
        [](const std::vector<std::int64_t>&) {
            return UpdateResult{UpdateStatus::Timeout, {}};
        },
        [](const BatchSendResult&) {},
        [] {},
        [](const std::vector<std::int64_t>&) {
            return UpdateResult{UpdateStatus::Success, {}};
        },
        [](const std::vector<std::int64_t>&) { throw auth::StoreError("database down"); },
    };
    const Logger log{LogLevel::Error};
    EXPECT_EQ(run_zone_batch({7}, steps, log, "test").in_doubt, std::vector<std::int64_t>{7});
}

}  // namespace
}  // namespace ddns::gateway
