// The audit path: dialects describe each update request in an auth::AuditNote on their Response;
// AuditedRouter adds the time, client address, user agent and TLS flag and hands the record to
// AuditLog, whose own thread writes batches to the store. A request never waits for the
// database on behalf of the log: when the queue is full, records are dropped and counted. While
// the database is unreachable the writer keeps its batch and retries with a growing delay, so an
// outage loses nothing until the queue's bound is exceeded; drops are logged once per interval.
// A batch whose commit had an unknown outcome is written again (at least once, never lost).
// Identical unchanged answers are merged into one row with their count (audit.merge_repeats,
// audit.merge_window_ms), so sum(repeats) over the log stays the number of requests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ddns/auth/audit.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/http/request_router.hpp"
#include "ddns/gateway/jobs/repeat_windows.hpp"

namespace ddns::gateway {

struct AuditLogOptions {
    std::size_t capacity = 10000;   // records waiting at most; beyond that they are dropped
    std::size_t batch_size = 1000;  // records per transaction at most
    // After a failed write: wait retry_delay, doubling up to max_retry_delay, and try again
    // for as long as it takes (the database is down, or restarting).
    std::chrono::milliseconds retry_delay{250};
    std::chrono::milliseconds max_retry_delay{5000};
    int attempts_at_stop = 3;  // once stop() was called: tries before a batch is given up
    // Drops (and failed writes) are logged at most once per interval, with the count since.
    std::chrono::milliseconds report_interval{60000};
    // An unchanged answer identical to one still waiting in the queue (auth::repeat_key) is
    // added to that record's count instead of taking a place of its own, unless a record that
    // must stay a row of its own (a change, a fault) was queued after it. Counts stay exact.
    bool merge_repeats = true;
    // With merge_repeats: such an answer also opens a window of this length (RepeatWindows);
    // identical answers within it only raise the count of one row, written when the window
    // ends (or earlier: a change or fault of the same host, account or name; flush; stop).
    // 0: no windows, merging only while records wait in the queue.
    std::chrono::milliseconds merge_window{0};
    // A write starts at most this long after the previous one started, unless a batch's worth
    // waits (or flush, stop): the records queued meanwhile share one statement, so the
    // database's cost per record falls as the rate rises. 0: each write starts at once.
    std::chrono::milliseconds gather{0};
};

// A snapshot of the writer's totals since start (for metrics).
struct AuditLogCounters {
    std::uint64_t written = 0;
    std::uint64_t dropped = 0;         // requests: full queue, given up at stop, after stop
    std::uint64_t write_failures = 0;  // failed attempts, each retried
    std::size_t in_flight = 0;         // in an open window, waiting in the queue or being written
    std::uint64_t merged = 0;          // requests added to a waiting record's count (rows saved)
};

class AuditLog {
public:
    AuditLog(auth::AuditStore& store, const Logger& log, AuditLogOptions options = {});
    ~AuditLog();  // stop()
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;

    // Counts the record in an open merge window, or queues it, or drops and counts it when the
    // queue is full. Never waits for the writer (only for the queue's mutex, held for a push or
    // a pop).
    void record(auth::AuditRecord record);
    // Closes the open merge windows and waits until everything recorded so far was written or
    // given up.
    void flush();
    // Writes what is queued and in open windows, then ends the writer thread; later records are
    // dropped.
    void stop();

    std::uint64_t dropped() const;  // full queue, batches given up at stop, records after stop()
    std::uint64_t merged() const;   // requests counted in a waiting record (never dropped)
    std::uint64_t written() const;
    std::uint64_t write_failures() const;  // failed attempts (each retried)
    std::size_t queued() const;            // waiting, and in flight
    AuditLogCounters counters() const;     // all of the above at one instant

private:
    void run();
    // The mutex is held by the caller of these.
    void enqueue(auth::AuditRecord record, std::string key);
    void enqueue_all(std::vector<RepeatWindows::Keyed> closed);
    void wait_for_work(std::unique_lock<std::mutex>& lock);
    void gather(std::unique_lock<std::mutex>& lock);
    bool write_batch(const std::vector<auth::AuditRecord>& batch);
    // Logs the drops since the last report, at most once per report_interval unless `now`.
    void report_drops(bool now);

    auth::AuditStore& store_;
    const Logger& log_;
    AuditLogOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;  // the writer: records queued, or stop
    std::condition_variable idle_;  // flush(): queue empty and nothing in flight
    std::deque<auth::AuditRecord> queue_;
    std::uint64_t front_sequence_ = 0;  // of queue_.front(); each record queued takes the next
    std::unordered_map<std::string, std::uint64_t> repeat_at_;  // repeat_key -> its sequence
    RepeatWindows windows_;
    std::uint64_t merged_ = 0;
    std::size_t in_flight_ = 0;
    bool stopping_ = false;
    int flushing_ = 0;        // flush() calls waiting: no gathering
    bool gathering_ = false;  // the writer waits out `gather`: records need not wake it
    // The last write's start; none before the first (the steady clock counts from boot, so its
    // zero is not "long ago" on a machine that has been up for less than `gather`).
    std::optional<std::chrono::steady_clock::time_point> last_write_;
    std::uint64_t dropped_ = 0;
    std::uint64_t reported_drops_ = 0;  // writer thread only
    std::uint64_t written_ = 0;
    std::uint64_t write_failures_ = 0;
    std::chrono::steady_clock::time_point last_report_{};  // writer thread only
    std::thread thread_;  // last: starts after everything above is initialised
};

// Wraps the router: every response that carries an audit note is recorded, with the time from
// the injected clock. Responses without one (check-IP, health checks, 404) are not logged.
class AuditedRouter final : public RequestRouter {
public:
    AuditedRouter(RequestRouter& inner, AuditLog& log, std::function<auth::TimePoint()> clock)
        : inner_(inner), log_(log), clock_(std::move(clock)) {}
    Response route(const RequestView& request) override;

private:
    RequestRouter& inner_;
    AuditLog& log_;
    std::function<auth::TimePoint()> clock_;
};

}  // namespace ddns::gateway
