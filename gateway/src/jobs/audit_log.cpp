#include "ddns/gateway/jobs/audit_log.hpp"

#include <string>
#include <utility>

namespace ddns::gateway {
namespace {

// Longer user agents are cut here already, so a full queue holds bounded memory.
constexpr std::size_t kMaxUserAgent = 256;

}  // namespace

AuditLog::AuditLog(auth::AuditStore& store, const Logger& log, AuditLogOptions options)
    : store_(store), log_(log), options_(options), thread_([this] { run(); }) {}

AuditLog::~AuditLog() {
    stop();
}

void AuditLog::record(auth::AuditRecord record) {
    if (record.user_agent.size() > kMaxUserAgent) record.user_agent.resize(kMaxUserAgent);
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.capacity) {
        ++dropped_;
        return;
    }
    queue_.push_back(std::move(record));
    wake_.notify_one();
}

void AuditLog::flush() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return queue_.empty() && in_flight_ == 0; });
}

void AuditLog::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::uint64_t AuditLog::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

std::size_t AuditLog::queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size() + in_flight_;
}

std::uint64_t AuditLog::written() const {
    std::lock_guard lock(mutex_);
    return written_;
}

void AuditLog::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) break;  // stopping, and everything is written
        std::vector<auth::AuditRecord> batch;
        while (!queue_.empty() && batch.size() < options_.batch_size) {
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        in_flight_ = batch.size();
        lock.unlock();
        write_batch(batch);
        report_drops();
        lock.lock();
        in_flight_ = 0;
        idle_.notify_all();
    }
    lock.unlock();
    report_drops();
}

void AuditLog::write_batch(const std::vector<auth::AuditRecord>& batch) {
    for (int attempt = 1;; ++attempt) {
        try {
            store_.write(batch);
            std::lock_guard lock(mutex_);
            written_ += batch.size();
            return;
        } catch (const std::exception& e) {
            log_.warning("audit: writing " + std::to_string(batch.size()) +
                         " update-log record(s) failed (attempt " + std::to_string(attempt) +
                         " of " + std::to_string(options_.attempts) + "): " + e.what());
            if (attempt >= options_.attempts) {
                std::lock_guard lock(mutex_);
                dropped_ += batch.size();
                return;
            }
        }
        // Wait before the next attempt, unless the process is stopping (then try at once).
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, options_.retry_delay, [&] { return stopping_; });
    }
}

// One line per batch at most, so a full queue is visible without flooding the log.
void AuditLog::report_drops() {
    std::uint64_t dropped = 0;
    {
        std::lock_guard lock(mutex_);
        dropped = dropped_;
    }
    if (dropped == reported_drops_) return;
    log_.warning("audit: " + std::to_string(dropped - reported_drops_) +
                 " update-log record(s) dropped (" + std::to_string(dropped) +
                 " since start): the queue was full or the database unreachable");
    reported_drops_ = dropped;
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
