// Keeps the update log to its configured age: a thread of `serve` that deletes older rows in
// bounded batches, at start and then every interval. Several gateway instances may run it at
// once (the store skips rows another instance is deleting).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <thread>

#include "ddns/auth/audit.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/jobs/stop_signal.hpp"

namespace ddns::gateway {

struct AuditPrunerOptions {
    std::chrono::seconds retention{std::chrono::hours(24 * 30)};
    std::chrono::seconds interval{std::chrono::hours(1)};
    std::size_t batch = 5000;  // rows per DELETE: short transactions, short locks
};

class AuditPruner {
public:
    // Starts the thread.
    AuditPruner(auth::AuditStore& store, const Logger& log, std::function<auth::TimePoint()> clock,
                AuditPrunerOptions options);
    ~AuditPruner();  // stop()
    AuditPruner(const AuditPruner&) = delete;
    AuditPruner& operator=(const AuditPruner&) = delete;

    void stop();
    // One pass: deletes every row older than the retention, batch by batch, until none is left
    // or stop() was called. Returns the number of rows deleted. Throws auth::StoreError.
    std::size_t prune_once();

private:
    void run();
    bool stopping() const;

    auth::AuditStore& store_;
    const Logger& log_;
    std::function<auth::TimePoint()> clock_;
    AuditPrunerOptions options_;
    StopSignal stop_;
    std::thread thread_;  // last: starts after everything above is initialised
};

}  // namespace ddns::gateway
