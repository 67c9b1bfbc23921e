// A background job's stop request: raised once by the job's stop(), read by the job between
// steps, and waited on between passes, so that stop() ends a wait at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ddns::gateway {

class StopSignal {
public:
    // Lowered again, for a job that can be started after a stop.
    void reset() {
        const std::lock_guard lock(mutex_);
        raised_ = false;
    }
    void raise() {
        {
            const std::lock_guard lock(mutex_);
            raised_ = true;
        }
        wake_.notify_all();
    }
    bool raised() const {
        const std::lock_guard lock(mutex_);
        return raised_;
    }
    // Waits up to `period`; true when the signal is raised (before or during the wait).
    template <typename Rep, typename Period>
    bool wait_for(std::chrono::duration<Rep, Period> period) {
        std::unique_lock lock(mutex_);
        return wake_.wait_for(lock, period, [this] { return raised_; });
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool raised_ = false;
};

}  // namespace ddns::gateway
