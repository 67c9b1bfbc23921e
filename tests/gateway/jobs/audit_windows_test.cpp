// The update log's merge windows (audit.merge_window_ms) without a database: identical unchanged
// answers within a window become one record with their exact count, written when the window
// ends; a change or a fault of the same host, account or name closes the window first, so no
// record spans one; flush and stop write open windows; counts stay exact under concurrency.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "ddns/gateway/jobs/audit_log.hpp"
#include "job_fakes.hpp"
#include "test_support.hpp"

namespace ddns::gateway {
namespace {

using fakes::FakeAuditStore;
using namespace std::chrono_literals;

const auth::TimePoint kNow = auth::TimePoint(std::chrono::seconds(1'700'000'000));

// An unchanged answer for `host_id` of `account_id`, at kNow + `second`.
auth::AuditRecord nochg(int second, std::int64_t host_id = 7, std::int64_t account_id = 5,
                        const std::string& client = "192.0.2.1") {
    auth::AuditNote note{"dyndns2", account_id, "user" + std::to_string(account_id), {}, {}};
    auth::AuditHost host;
    host.host_id = host_id;
    host.name = "h" + std::to_string(host_id) + ".example.test";
    host.outcome = "nochg";
    note.hosts.push_back(host);
    return auth::AuditRecord{kNow + std::chrono::seconds(second), *IpAddress::parse(client), "ua",
                             false, std::move(note)};
}

auth::AuditRecord change(int second, std::int64_t host_id = 7, std::int64_t account_id = 5) {
    auth::AuditRecord r = nochg(second, host_id, account_id);
    r.note.hosts[0].outcome = "good";
    r.note.hosts[0].ipv4_changed = true;
    return r;
}

AuditLogOptions windowed(std::chrono::milliseconds window, std::size_t capacity = 100) {
    AuditLogOptions o;
    o.capacity = capacity;
    o.batch_size = 100;
    o.retry_delay = 1ms;
    o.max_retry_delay = 4ms;
    o.merge_window = window;
    return o;
}

std::vector<auth::AuditRecord> written(FakeAuditStore& store) {
    std::lock_guard lock(store.mutex);
    std::vector<auth::AuditRecord> out;
    for (const auto& b : store.batches) out.insert(out.end(), b.begin(), b.end());
    return out;
}

TEST(AuditWindows, IdenticalAnswersWithinAWindowAreOneRecordWithTheirCount) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, windowed(1h));
    for (int i = 1; i <= 25; ++i) audit.record(nochg(i));
    EXPECT_EQ(audit.queued(), 1u) << "one open window";
    EXPECT_EQ(audit.merged(), 24u);
    {
        std::lock_guard lock(store.mutex);
        EXPECT_EQ(store.calls, 0) << "nothing is written while the window is open";
    }
    audit.flush();
    const auto rows = written(store);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].repeats, 25u);
    EXPECT_EQ(rows[0].first_time, kNow + 1s);
    EXPECT_EQ(rows[0].time, kNow + 25s);
    EXPECT_EQ(audit.written(), 1u);
    EXPECT_EQ(audit.dropped(), 0u);
}

TEST(AuditWindows, AWindowIsWrittenWhenItEndsWithoutAFlush) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, windowed(30ms));
    for (int i = 1; i <= 5; ++i) audit.record(nochg(i));
    ASSERT_TRUE(test::wait_until([&] { return audit.written() == 1; }));
    audit.record(nochg(6));  // after the window: a new one
    ASSERT_TRUE(test::wait_until([&] { return audit.written() == 2 && audit.queued() == 0; }));
    const auto rows = written(store);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].repeats, 5u);
    EXPECT_EQ(rows[1].repeats, 1u);
    EXPECT_EQ(rows[1].time, kNow + 6s);
}

// What "identical" means: same dialect, account, username, host, outcome, details, client
// address, user agent and TLS flag (auth::repeat_key). Anything else is a window of its own.
TEST(AuditWindows, AnswersThatDifferInAnyPartAreWindowsOfTheirOwn) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, windowed(1h));
    std::vector<auth::AuditRecord> variants(8, nochg(1));
    variants[1].client = *IpAddress::parse("192.0.2.2");
    variants[2].user_agent = "other";
    variants[3].tls = true;
    variants[4].note.dialect = "dynamic";
    variants[5].note.hosts[0].outcome = "nohost";
    variants[6].note.username = "USER5";
    variants[7].note.hosts[0].host_id = 8;
    for (int round = 0; round < 3; ++round)
        for (const auto& v : variants) audit.record(v);
    audit.flush();
    const auto rows = written(store);
    ASSERT_EQ(rows.size(), variants.size());
    for (const auto& row : rows) EXPECT_EQ(row.repeats, 3u);
}

// A change or a fault of the host (or of its account, by id or by the username presented)
// closes its window before it is queued, and later answers open a new one: the log keeps the
// order of what happened to the host. Other hosts' windows stay open.
TEST(AuditWindows, AChangeOrAFaultClosesTheWindowsItConcernsFirst) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, windowed(1h));
    for (int i = 1; i <= 3; ++i) audit.record(nochg(i));
    audit.record(nochg(4, 8, 6));  // another host of another account
    audit.record(change(5));
    for (int i = 6; i <= 9; ++i) audit.record(nochg(i));
    // A wrong password naming the account by its username, in other case: no account id, no host.
    auth::AuditRecord refused = nochg(10);
    refused.note.account_id.reset();
    refused.note.username = "USER5";
    refused.note.hosts[0] = auth::AuditHost{};
    refused.note.hosts[0].outcome = "badauth";
    refused.note.hosts[0].fault = auth::FaultClass::Auth;
    audit.record(refused);
    audit.record(nochg(11));
    // written() counts a batch before the writer clears its in-flight count: wait for both.
    ASSERT_TRUE(test::wait_until([&] { return audit.written() == 4 && audit.queued() == 2; }))
        << audit.written() << " written, " << audit.queued()
        << " waiting: host 8's window and host 7's latest should be left";
    audit.flush();
    const auto rows = written(store);
    ASSERT_EQ(rows.size(), 6u);
    EXPECT_EQ(rows[0].repeats, 3u);
    EXPECT_EQ(rows[0].time, kNow + 3s);
    EXPECT_EQ(rows[1].note.hosts[0].outcome, "good");
    EXPECT_EQ(rows[2].repeats, 4u);
    EXPECT_EQ(rows[2].first_time, kNow + 6s);
    EXPECT_EQ(rows[3].note.hosts[0].outcome, "badauth");
    // At the flush: the windows in the order they opened.
    EXPECT_EQ(rows[4].note.hosts[0].host_id, 8);
    EXPECT_EQ(rows[5].repeats, 1u);
    EXPECT_EQ(rows[5].time, kNow + 11s);
}

TEST(AuditWindows, StopWritesOpenWindows) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, windowed(1h));
    for (int i = 1; i <= 10; ++i) audit.record(nochg(i));
    audit.record(nochg(1, 9, 9));
    audit.stop();
    const auto rows = written(store);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].repeats, 10u);
    EXPECT_EQ(rows[1].repeats, 1u);
    audit.record(nochg(12));
    EXPECT_EQ(audit.dropped(), 1u) << "after stop";
}

TEST(AuditWindows, AtStopWithTheDatabaseGoneEveryRequestIsCountedAsDropped) {
    FakeAuditStore store;
    store.failures = 1000000;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, windowed(1h));
    audit.record(change(1));
    store.wait_for_call(1);
    for (int i = 2; i <= 8; ++i) audit.record(nochg(i));  // one window of 7
    audit.record(nochg(9, 8, 6));
    audit.stop();
    EXPECT_EQ(audit.dropped(), 9u) << "requests, not rows";
    EXPECT_EQ(audit.written(), 0u);
}

// More open windows than the queue's size: the excess is queued at once as before, not dropped.
TEST(AuditWindows, BeyondTheirBoundAnswersAreQueuedAsWithoutWindows) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, windowed(1h, 2));
    audit.record(nochg(1, 1, 1));
    audit.record(nochg(2, 2, 2));
    audit.record(nochg(3, 3, 3));  // a third window: no room, queued
    ASSERT_TRUE(test::wait_until([&] { return audit.written() == 1; }));
    EXPECT_EQ(written(store)[0].note.hosts[0].host_id, 3);
    audit.flush();
    EXPECT_EQ(audit.written(), 3u);
    EXPECT_EQ(audit.dropped(), 0u);
}

// Many threads, a short window, changes in between: every request is in exactly one record's
// count, and rows + merged requests = requests.
TEST(AuditWindows, CountsStayExactUnderConcurrency) {
    FakeAuditStore store;
    Logger log(LogLevel::Error);
    AuditLog audit(store, log, windowed(2ms, 100000));
    constexpr int kThreads = 4;
    constexpr int kEach = 5000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&audit, t] {
            for (int i = 0; i < kEach; ++i)
                audit.record(i % 97 == 0 ? change(i, t % 2) : nochg(i, t % 2));
        });
    for (auto& t : threads) t.join();
    audit.flush();
    std::uint64_t requests = 0;
    for (const auto& row : written(store)) requests += row.repeats;
    EXPECT_EQ(requests, std::uint64_t{kThreads} * kEach);
    EXPECT_EQ(audit.dropped(), 0u);
    EXPECT_EQ(audit.written() + audit.merged(), requests);
    EXPECT_LT(audit.written(), requests / 10) << "most requests merged";
}

}  // namespace
}  // namespace ddns::gateway
