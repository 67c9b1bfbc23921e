#include "ddns/gateway/jobs/throttle_sync.hpp"

#include <string>

namespace ddns::gateway {

ThrottleSync::ThrottleSync(auth::FailureThrottle& throttle, auth::ThrottleStore& store,
                           const Logger& log, ThrottleSyncOptions options)
    : throttle_(throttle), store_(store), log_(log), options_(options), thread_([this] {
          run();
      }) {}

ThrottleSync::~ThrottleSync() {
    stop();
}

void ThrottleSync::stop() {
    stop_.raise();
    if (thread_.joinable()) thread_.join();
}

void ThrottleSync::run() {
    auto next_prune = std::chrono::steady_clock::now();
    for (;;) {
        // sync() reports a failing store itself (once per outage) and never throws.
        throttle_.sync();
        if (std::chrono::steady_clock::now() >= next_prune) {
            next_prune = std::chrono::steady_clock::now() + options_.prune_interval;
            try {
                store_.prune();
            } catch (const std::exception& e) {
                log_.debug(std::string("shared throttle: pruning failed, retrying later: ") +
                           e.what());
            }
        }
        if (stop_.wait_for(options_.interval)) return;
    }
}

}  // namespace ddns::gateway
