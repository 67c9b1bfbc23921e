// The audit path without a database: the writer thread batches records, a full queue drops and
// counts instead of blocking, failed batches are retried until the database is back (given up
// only at stop), stop() writes what is queued, the router hands over exactly the responses that
// carry a note, and the pruner deletes in batches up to its cutoff.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "ddns/auth/store.hpp"
#include "ddns/gateway/jobs/audit_log.hpp"
#include "ddns/gateway/jobs/audit_pruner.hpp"
#include "job_fakes.hpp"
#include "test_support.hpp"

namespace ddns::gateway {
namespace {

using fakes::FakeAuditStore;

using namespace std::chrono_literals;

const auth::TimePoint kNow = auth::TimePoint(std::chrono::seconds(1'700'000'000));

auth::AuditRecord record(std::string username) {
    auth::AuditNote note{"dyndns2", std::nullopt, std::move(username), {}, {}};
    note.hosts.emplace_back();
    return auth::AuditRecord{kNow, *IpAddress::parse("192.0.2.1"), "ua", false, std::move(note)};
}

AuditLogOptions options(std::size_t capacity, std::size_t batch_size) {
    AuditLogOptions o;
    o.capacity = capacity;
    o.batch_size = batch_size;
    o.retry_delay = 1ms;
    o.max_retry_delay = 4ms;
    return o;
}

TEST(AuditLog, RecordsReachTheStoreInOrderInBoundedBatches) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, options(100, 3));
    store.hold = true;  // let records pile up behind the first batch
    audit.record(record("r0"));
    store.wait_for_call(1);
    for (int i = 1; i < 8; ++i) audit.record(record("r" + std::to_string(i)));
    store.release();
    audit.flush();
    EXPECT_EQ(store.usernames(),
              (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"}));
    for (const auto& b : store.batches) EXPECT_LE(b.size(), 3u);
    EXPECT_EQ(store.batches.size(), 4u) << "1 + 3 + 3 + 1";
    EXPECT_EQ(audit.written(), 8u);
    EXPECT_EQ(audit.dropped(), 0u);
}

// With a gather interval, the records that arrive after a write share the next one (issue #13:
// one statement per record at 2,000 changes a second costs the database more than the rows),
// unless a batch's worth waits; flush and stop do not wait for the interval.
TEST(AuditLog, RecordsArrivingWithinTheGatherIntervalShareOneWrite) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    auto o = options(100, 4);
    // Only a full batch, flush or stop end the wait. Longer than the machine has been up: the
    // steady clock counts from boot, so "nothing written before" must not mean "the last write
    // was at the clock's zero" (with an hour, the first record waited whenever the machine had
    // been up for less than an hour).
    o.gather = std::chrono::hours(24 * 365 * 50);
    AuditLog audit(store, log, o);
    audit.record(record("r0"));  // nothing written before: at once
    store.wait_for_call(1);
    audit.record(record("r1"));
    audit.record(record("r2"));
    audit.record(record("r3"));
    audit.record(record("r4"));  // a batch's worth waits: written without the interval
    store.wait_for_call(2);
    audit.record(record("r5"));
    audit.flush();  // does not wait out the hour
    EXPECT_EQ(store.usernames(), (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4", "r5"}));
    ASSERT_EQ(store.batches.size(), 3u);
    EXPECT_EQ(store.batches[1].size(), 4u);
    EXPECT_EQ(store.batches[2].size(), 1u);
    audit.record(record("r6"));
    audit.stop();  // nor does stop
    EXPECT_EQ(store.usernames().back(), "r6");
    EXPECT_EQ(audit.written(), 7u);
}

TEST(AuditLog, AFullQueueDropsAndCountsInsteadOfWaitingForTheDatabase) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, options(2, 10));
    store.hold = true;  // the database hangs
    audit.record(record("in-flight"));
    store.wait_for_call(1);
    // With the writer stuck, these return at once: two are queued, the rest are dropped.
    for (int i = 0; i < 5; ++i) audit.record(record("q" + std::to_string(i)));
    EXPECT_EQ(audit.dropped(), 3u);
    store.release();
    audit.flush();
    EXPECT_EQ(store.usernames(), (std::vector<std::string>{"in-flight", "q0", "q1"}));
    EXPECT_EQ(audit.written(), 3u);
}

// Identical unchanged answers arriving while the writer is busy take one place in the queue and
// are written as one record with their exact count and first and last times; a change (or a
// fault) queued between them starts a new record, so the log keeps the order of what happened.
TEST(AuditLog, RepeatedUnchangedAnswersAreCountedInOneRecordInOrder) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, options(4, 100));
    const auto nochg = [](int second, const std::string& client = "192.0.2.1") {
        auth::AuditRecord r = record("alice");
        r.time = kNow + std::chrono::seconds(second);
        r.client = *IpAddress::parse(client);
        r.note.hosts[0].host_id = 7;
        r.note.hosts[0].outcome = "nochg";
        return r;
    };
    store.hold = true;
    audit.record(record("in-flight"));
    store.wait_for_call(1);
    for (int i = 1; i <= 37; ++i) audit.record(nochg(i));
    audit.record(nochg(38, "192.0.2.2"));  // another client: a record of its own
    auth::AuditRecord change = nochg(39);
    change.note.hosts[0].outcome = "good";
    change.note.hosts[0].ipv4_changed = true;
    audit.record(change);
    for (int i = 40; i <= 44; ++i) audit.record(nochg(i));  // after the change: not merged back
    EXPECT_EQ(audit.dropped(), 0u) << "four places in the queue were enough";
    EXPECT_EQ(audit.merged(), 36u + 4u);
    store.release();
    audit.flush();
    std::vector<auth::AuditRecord> written;
    for (const auto& b : store.batches) written.insert(written.end(), b.begin(), b.end());
    ASSERT_EQ(written.size(), 5u);
    EXPECT_EQ(written[1].repeats, 37u);
    EXPECT_EQ(written[1].first_time, kNow + std::chrono::seconds(1));
    EXPECT_EQ(written[1].time, kNow + std::chrono::seconds(37));
    EXPECT_EQ(written[2].repeats, 1u);
    EXPECT_EQ(written[2].client.to_string(), "192.0.2.2");
    EXPECT_EQ(written[3].note.hosts[0].outcome, "good");
    EXPECT_EQ(written[3].repeats, 1u);
    EXPECT_EQ(written[4].repeats, 5u);
    EXPECT_EQ(written[4].first_time, kNow + std::chrono::seconds(40));
    EXPECT_EQ(written[4].time, kNow + std::chrono::seconds(44));
    EXPECT_EQ(audit.written(), 5u);
}

// Every request is accounted for: written in a record's count or counted as dropped.
TEST(AuditLog, MergingKeepsEveryRequestCountedAndCanBeTurnedOff) {
    for (const bool merge : {true, false}) {
        FakeAuditStore store;
        Logger log(LogLevel::Error);
        AuditLogOptions o = options(10, 4);
        o.merge_repeats = merge;
        AuditLog audit(store, log, o);
        auth::AuditRecord r = record("bob");
        r.note.hosts[0].outcome = "nochg";
        for (int i = 0; i < 500; ++i) audit.record(r);
        audit.flush();
        std::uint64_t requests = 0;
        for (const auto& b : store.batches)
            for (const auto& w : b) {
                requests += w.repeats;
                if (!merge) {
                    EXPECT_EQ(w.repeats, 1u);
                }
            }
        EXPECT_EQ(requests + audit.dropped(), 500u) << "merge " << merge;
        EXPECT_EQ(audit.written() + audit.merged(), requests) << "rows + merged requests";
        if (!merge) {
            EXPECT_EQ(audit.merged(), 0u);
        }
    }
}

TEST(AuditLog, AFailedBatchIsRetried) {
    FakeAuditStore store;
    store.failures = 2;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, options(100, 10));
    audit.record(record("a"));
    audit.flush();
    EXPECT_EQ(store.usernames(), std::vector<std::string>{"a"});
    EXPECT_EQ(store.calls, 3);
    EXPECT_EQ(audit.dropped(), 0u);
}

TEST(AuditLog, AnOutageLosesNothingWithinTheBound) {
    // The database is down for many attempts (a PostgreSQL restart): the batch is kept and
    // retried, records arriving meanwhile queue behind it, and all of them are written once it is
    // back, in order. Before, a batch was given up after three attempts (about two seconds).
    FakeAuditStore store;
    store.failures = 40;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, options(100, 10));
    audit.record(record("first"));
    store.wait_for_call(2);
    for (int i = 0; i < 30; ++i) audit.record(record("during" + std::to_string(i)));
    audit.flush();
    const auto names = store.usernames();
    ASSERT_EQ(names.size(), 31u);
    EXPECT_EQ(names.front(), "first");
    EXPECT_EQ(names.back(), "during29");
    EXPECT_EQ(audit.dropped(), 0u);
    EXPECT_EQ(audit.written(), 31u);
    EXPECT_EQ(audit.write_failures(), 40u);
    EXPECT_EQ(audit.queued(), 0u);
    const AuditLogCounters c = audit.counters();
    EXPECT_EQ(c.written, 31u);
    EXPECT_EQ(c.write_failures, 40u);
    EXPECT_EQ(c.dropped, 0u);
    EXPECT_EQ(c.in_flight, 0u);
}

TEST(AuditLog, AnOutageBeyondTheBoundDropsOnlyTheExcess) {
    FakeAuditStore store;
    store.failures = 1000000;  // down until the test says otherwise
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, options(5, 2));
    audit.record(record("in-flight"));
    store.wait_for_call(1);
    for (int i = 0; i < 8; ++i) audit.record(record("q" + std::to_string(i)));
    EXPECT_EQ(audit.dropped(), 3u) << "five wait, three are over the bound";
    {
        std::lock_guard lock(store.mutex);
        store.failures = 0;  // the database is back
    }
    audit.flush();
    EXPECT_EQ(store.usernames().size(), 6u);
    EXPECT_EQ(audit.dropped(), 3u);
}

TEST(AuditLog, StopGivesUpOnADeadDatabaseInBoundedTime) {
    FakeAuditStore store;
    store.failures = 1000000;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, options(100, 2));
    for (int i = 0; i < 9; ++i) audit.record(record("r" + std::to_string(i)));
    store.wait_for_call(1);
    audit.stop();  // returns: three tries of the batch in flight, the rest dropped with it
    EXPECT_EQ(audit.dropped(), 9u);
    EXPECT_EQ(audit.written(), 0u);
}

TEST(AuditLog, StopWritesWhatIsQueuedAndRefusesLaterRecords) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, options(100, 2));
    store.hold = true;
    audit.record(record("r0"));
    store.wait_for_call(1);
    for (int i = 1; i < 5; ++i) audit.record(record("r" + std::to_string(i)));
    store.release();
    audit.stop();
    EXPECT_EQ(store.usernames(), (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4"}));
    audit.record(record("late"));
    EXPECT_EQ(audit.dropped(), 1u);
}

class FixedRouter final : public RequestRouter {
public:
    Response route(const RequestView&) override { return response; }
    Response response;
};

TEST(AuditedRouter, HandsOverNotedResponsesWithTheRequestsFacts) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log);
    FixedRouter inner;
    inner.response = Response::text(200, "OK", "good 192.0.2.1");
    inner.response.audit = auth::AuditNote{"dyndns2", 5, "alice", {}, {auth::AuditHost{}}};
    AuditedRouter router(inner, audit, [] { return kNow; });

    RequestView request;
    request.client = *IpAddress::parse("2001:db8::5");
    request.tls = true;
    request.headers.push_back({"user-agent", std::string(1000, 'x')});
    const Response response = router.route(request);
    EXPECT_EQ(response.body, "good 192.0.2.1");
    EXPECT_FALSE(response.audit) << "the note is not the client's business";

    inner.response.audit.reset();  // check-IP, health checks: nothing to log
    router.route(request);
    audit.flush();

    ASSERT_EQ(store.batches.size(), 1u);
    ASSERT_EQ(store.batches[0].size(), 1u);
    const auth::AuditRecord& r = store.batches[0][0];
    EXPECT_EQ(r.time, kNow);
    EXPECT_EQ(r.client, request.client);
    EXPECT_TRUE(r.tls);
    EXPECT_EQ(r.user_agent, std::string(256, 'x')) << "cut before it is queued";
    EXPECT_EQ(r.note.username, "alice");
    EXPECT_EQ(r.note.account_id, 5);
}

TEST(AuditPruner, DeletesInBatchesUpToTheRetentionCutoffAtStartAndOnEachPass) {
    FakeAuditStore store;
    store.old_rows = 10;
    Logger log(LogLevel::Error);
    AuditPruner pruner(
        store, log, [] { return kNow; },
        AuditPrunerOptions{std::chrono::hours(48), std::chrono::hours(1), 4});
    // The pass at start: 4 + 4 + 2 rows, then the thread sleeps for the interval.
    ASSERT_TRUE(test::wait_until([&] {
        std::lock_guard lock(store.mutex);
        return store.cutoffs.size() == 3;
    }));
    {
        std::lock_guard lock(store.mutex);
        EXPECT_EQ(store.old_rows, 0u);
        store.old_rows = 5;
    }
    EXPECT_EQ(pruner.prune_once(), 5u);
    pruner.stop();
    std::lock_guard lock(store.mutex);
    EXPECT_EQ(store.cutoffs.size(), 5u) << "4 + 1, and a short batch ends the pass";
    for (const auto& cutoff : store.cutoffs) EXPECT_EQ(cutoff, kNow - std::chrono::hours(48));
}

}  // namespace
}  // namespace ddns::gateway
