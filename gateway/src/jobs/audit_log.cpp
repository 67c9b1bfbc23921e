#include "ddns/gateway/jobs/audit_log.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

namespace ddns::gateway {
namespace {

// Longer user agents are cut here already, so a full queue holds bounded memory.
constexpr std::size_t kMaxUserAgent = 256;

}  // namespace

AuditLog::AuditLog(auth::AuditStore& store, const Logger& log, AuditLogOptions options)
    : store_(store), log_(log), options_(options), windows_(options.capacity), thread_([this] {
          run();
      }) {}

AuditLog::~AuditLog() {
    stop();
}

void AuditLog::record(auth::AuditRecord record) {
    if (record.user_agent.size() > kMaxUserAgent) record.user_agent.resize(kMaxUserAgent);
    std::string key = options_.merge_repeats ? auth::repeat_key(record) : std::string();
    const bool windowed = options_.merge_repeats && options_.merge_window.count() > 0;
    std::lock_guard lock(mutex_);
    if (stopping_) {
        dropped_ += record.repeats;
        return;
    }
    if (windowed && key.empty()) {
        // A row of its own (a change, a fault): the windows of its host, account or name are
        // written before it, and what follows it opens a new window.
        enqueue_all(windows_.take_concerning(record));
    } else if (windowed) {
        if (windows_.add(key, record)) {
            ++merged_;
            return;
        }
        const bool first = windows_.empty();
        if (windows_.open(key, record, RepeatWindows::Clock::now() + options_.merge_window)) {
            if (first) wake_.notify_one();  // the writer now has a window end to wait for
            return;
        }
    }
    enqueue(std::move(record), std::move(key));
}

void AuditLog::enqueue(auth::AuditRecord record, std::string key) {
    if (key.empty()) {
        repeat_at_.clear();  // later repeats must not be merged into a row before this one
    } else if (auto at = repeat_at_.find(key);
               at != repeat_at_.end() && at->second >= front_sequence_) {
        if (absorb_repeats(queue_[at->second - front_sequence_], record)) {
            ++merged_;  // one row fewer: the requests of `record` are counted in the waiting one
            return;
        }
    }
    if (queue_.size() >= options_.capacity) {
        dropped_ += record.repeats;
        return;
    }
    if (!key.empty()) {
        if (repeat_at_.size() >= 2 * options_.capacity) repeat_at_.clear();  // stale keys
        repeat_at_[std::move(key)] = front_sequence_ + queue_.size();
    }
    queue_.push_back(std::move(record));
    if (!gathering_ || queue_.size() >= options_.batch_size) wake_.notify_one();
}

void AuditLog::enqueue_all(std::vector<RepeatWindows::Keyed> closed) {
    for (auto& [key, record] : closed) enqueue(std::move(record), std::move(key));
}

std::uint64_t AuditLog::merged() const {
    std::lock_guard lock(mutex_);
    return merged_;
}

void AuditLog::flush() {
    std::unique_lock lock(mutex_);
    ++flushing_;
    enqueue_all(windows_.take_all());
    wake_.notify_one();  // out of a gathering wait
    idle_.wait(lock, [&] { return queue_.empty() && in_flight_ == 0; });
    --flushing_;
}

void AuditLog::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();  // also out of a gathering wait
    if (thread_.joinable()) thread_.join();
}

std::uint64_t AuditLog::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

std::uint64_t AuditLog::written() const {
    std::lock_guard lock(mutex_);
    return written_;
}

std::uint64_t AuditLog::write_failures() const {
    std::lock_guard lock(mutex_);
    return write_failures_;
}

std::size_t AuditLog::queued() const {
    std::lock_guard lock(mutex_);
    return windows_.size() + queue_.size() + in_flight_;
}

AuditLogCounters AuditLog::counters() const {
    std::lock_guard lock(mutex_);
    return {written_, dropped_, write_failures_, windows_.size() + queue_.size() + in_flight_,
            merged_};
}

// Until there is a batch to write (or stopping with nothing left): ended windows join the queue.
void AuditLog::wait_for_work(std::unique_lock<std::mutex>& lock) {
    for (;;) {
        if (stopping_) {
            enqueue_all(windows_.take_all());
        } else {
            enqueue_all(windows_.take_expired(RepeatWindows::Clock::now()));
        }
        if (stopping_ || !queue_.empty()) return;
        const auto until = windows_.next_expiry();
        if (until == RepeatWindows::Clock::time_point::max()) {
            wake_.wait(lock);
        } else {
            wake_.wait_until(lock, until);
        }
    }
}

// Until `gather` has passed since the last write started, a batch's worth waits, or flush or
// stop asks for everything.
void AuditLog::gather(std::unique_lock<std::mutex>& lock) {
    if (!last_write_) return;  // nothing written before: at once
    const auto until = *last_write_ + options_.gather;
    gathering_ = true;
    wake_.wait_until(lock, until, [&] {
        return stopping_ || flushing_ > 0 || queue_.size() >= options_.batch_size;
    });
    gathering_ = false;
}

void AuditLog::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wait_for_work(lock);
        if (queue_.empty()) break;  // stopping, and everything is written
        if (options_.gather.count() > 0) gather(lock);
        last_write_ = std::chrono::steady_clock::now();
        std::vector<auth::AuditRecord> batch;
        while (!queue_.empty() && batch.size() < options_.batch_size) {
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
            ++front_sequence_;
        }
        if (queue_.empty()) repeat_at_.clear();  // every key points before the front now
        in_flight_ = batch.size();
        lock.unlock();
        const bool written = write_batch(batch);
        lock.lock();
        if (!written) {
            // A batch was given up at stop: the database is gone, so is the rest of the queue
            // (the process must not wait a retry per batch to end).
            for (const auth::AuditRecord& r : queue_) dropped_ += r.repeats;
            queue_.clear();
            for (const auto& [key, r] : windows_.take_all()) dropped_ += r.repeats;
        }
        in_flight_ = 0;
        lock.unlock();
        report_drops(false);
        lock.lock();
        idle_.notify_all();
    }
    lock.unlock();
    report_drops(true);
}

// False: the batch was given up (only once stopping).
bool AuditLog::write_batch(const std::vector<auth::AuditRecord>& batch) {
    auto delay = options_.retry_delay;
    int attempts_at_stop = 0;
    for (int attempt = 1;; ++attempt) {
        try {
            store_.write(batch);
            std::lock_guard lock(mutex_);
            written_ += batch.size();
            if (attempt > 1) {
                log_.info("audit: update log written again after " + std::to_string(attempt - 1) +
                          " failed attempt(s)");
            }
            return true;
        } catch (const std::exception& e) {
            bool stopping = false;
            {
                std::lock_guard lock(mutex_);
                ++write_failures_;
                stopping = stopping_;
            }
            // One line per batch, not per attempt: the batch only moves on once it is written.
            if (attempt == 1) {
                log_.warning(
                    "audit: writing " + std::to_string(batch.size()) +
                    " update-log record(s) failed, retrying until it succeeds: " + e.what());
            }
            if (stopping && ++attempts_at_stop >= options_.attempts_at_stop) {
                std::lock_guard lock(mutex_);
                for (const auth::AuditRecord& r : batch) dropped_ += r.repeats;
                return false;
            }
        }
        report_drops(false);
        std::unique_lock lock(mutex_);
        if (stopping_) {
            // Still a pause, so the tries at stop are not spent in one instant.
            lock.unlock();
            std::this_thread::sleep_for(options_.retry_delay);
            continue;
        }
        wake_.wait_for(lock, delay, [&] { return stopping_; });
        delay = std::min(delay * 2, std::max(options_.max_retry_delay, options_.retry_delay));
    }
}

// At most one line per report_interval, so a long outage with a full queue does not flood the log.
void AuditLog::report_drops(bool now) {
    std::uint64_t dropped = 0;
    {
        std::lock_guard lock(mutex_);
        dropped = dropped_;
    }
    if (dropped == reported_drops_) return;
    const auto t = std::chrono::steady_clock::now();
    const bool reported_before = last_report_ != std::chrono::steady_clock::time_point{};
    if (!now && reported_before && t - last_report_ < options_.report_interval) return;
    log_.warning("audit: " + std::to_string(dropped - reported_drops_) +
                 " update-log record(s) dropped (" + std::to_string(dropped) +
                 " since start): the queue was full or the database unreachable at shutdown");
    reported_drops_ = dropped;
    last_report_ = t;
}

Response AuditedRouter::route(const RequestView& request) {
    Response response = inner_.route(request);
    if (response.audit) {
        auth::AuditRecord record{clock_(), request.client,
                                 request.header("User-Agent").value_or(""), request.tls,
                                 std::move(*response.audit)};
        response.audit.reset();
        log_.record(std::move(record));
    }
    return response;
}

}  // namespace ddns::gateway
