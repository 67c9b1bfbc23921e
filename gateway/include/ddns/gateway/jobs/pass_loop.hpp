// The thread of a queue sender (mail, webhooks): runs a pass, then waits for the interval, a
// wake() (something was enqueued in this process) or stop(). A pass asks next_round() between
// batches: false once stop() was called; it also forgets earlier wakes, since whatever was
// enqueued until then is claimed by the batch that follows.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace ddns::gateway {

class PassLoop {
public:
    PassLoop(std::function<void()> pass, std::chrono::milliseconds interval)
        : pass_(std::move(pass)), interval_(interval) {}
    ~PassLoop() { stop(); }
    PassLoop(const PassLoop&) = delete;
    PassLoop& operator=(const PassLoop&) = delete;

    void start() {
        {
            const std::lock_guard lock(mutex_);
            stop_ = false;
        }
        if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    // Ends the wait at once; a pass under way finishes its batch first. Idempotent.
    void stop() {
        {
            const std::lock_guard lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
    }
    void wake() {
        {
            const std::lock_guard lock(mutex_);
            woken_ = true;
        }
        cv_.notify_all();
    }
    bool next_round() {
        const std::lock_guard lock(mutex_);
        woken_ = false;
        return !stop_;
    }

private:
    void run() {
        for (;;) {
            pass_();
            std::unique_lock lock(mutex_);
            cv_.wait_for(lock, interval_, [this] { return stop_ || woken_; });
            if (stop_) return;
            woken_ = false;
        }
    }

    std::function<void()> pass_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
    bool woken_ = false;
    std::thread thread_;
};

// The delay before attempt `attempts` + 1 after `attempts` failed ones: `initial`, doubled for
// each further failure, at most `max`.
inline std::chrono::seconds doubling_delay(std::chrono::seconds initial, std::chrono::seconds max,
                                           int attempts) {
    auto delay = initial;
    for (int i = 1; i < attempts && delay < max; ++i) delay *= 2;
    return std::min(delay, max);
}

}  // namespace ddns::gateway
