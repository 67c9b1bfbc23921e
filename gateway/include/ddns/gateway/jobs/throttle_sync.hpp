// Keeps this instance's failure throttle in step with the others: a thread of `serve` that
// applies the locks the shared store holds every interval, and forgets ended streaks there
// (every instance may prune; a row deleted twice is deleted once).
#pragma once

#include <chrono>
#include <thread>

#include "ddns/auth/failure_throttle.hpp"
#include "ddns/auth/throttle_store.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/jobs/stop_signal.hpp"

namespace ddns::gateway {

struct ThrottleSyncOptions {
    std::chrono::milliseconds interval{2000};  // how soon another instance's lock applies here
    std::chrono::seconds prune_interval{60};
};

class ThrottleSync {
public:
    // Starts the thread.
    ThrottleSync(auth::FailureThrottle& throttle, auth::ThrottleStore& store, const Logger& log,
                 ThrottleSyncOptions options);
    ~ThrottleSync();  // stop()
    ThrottleSync(const ThrottleSync&) = delete;
    ThrottleSync& operator=(const ThrottleSync&) = delete;

    void stop();

private:
    void run();

    auth::FailureThrottle& throttle_;
    auth::ThrottleStore& store_;
    const Logger& log_;
    ThrottleSyncOptions options_;
    StopSignal stop_;
    std::thread thread_;  // last: starts after everything above is initialised
};

}  // namespace ddns::gateway
