// A bound on concurrent argon2 runs: each run holds its memory (64 MiB by default) until it
// ends, so a burst of cold logins would otherwise grow the process by that much per login.
// A counting semaphore with a bounded wait; a run that cannot get a slot in time is refused
// with Argon2Busy, which callers answer like the failure throttle (a retry later, never a
// wrong "bad credentials").
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>

namespace ddns::auth {

// Thrown by PasswordHasher::hash/verify when no argon2 slot became free within the queue
// timeout. Nothing was checked: the caller must not count it as a failed login.
class Argon2Busy : public std::runtime_error {
public:
    explicit Argon2Busy(std::chrono::seconds retry_after)
        : std::runtime_error("argon2: every slot busy"), retry_after_(retry_after) {}
    std::chrono::seconds retry_after() const noexcept { return retry_after_; }

private:
    std::chrono::seconds retry_after_;
};

class Argon2Gate {
public:
    // `slots` runs at once (at least 1); a run waits at most `queue_timeout` for a slot.
    Argon2Gate(std::size_t slots, std::chrono::milliseconds queue_timeout);
    Argon2Gate(const Argon2Gate&) = delete;
    Argon2Gate& operator=(const Argon2Gate&) = delete;

    // How many runs of `memlimit_bytes` fit in `budget_bytes` (at least 1: a budget below one
    // run still lets logins through, one at a time).
    static std::size_t slots_for(std::size_t budget_bytes, std::size_t memlimit_bytes) noexcept;

    // Held for the length of one argon2 run.
    class Slot {
    public:
        Slot() = default;
        explicit Slot(Argon2Gate* gate) : gate_(gate) {}
        Slot(Slot&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
        Slot& operator=(Slot&&) = delete;
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot() {
            if (gate_) gate_->release();
        }

    private:
        Argon2Gate* gate_ = nullptr;
    };

    // Waits up to the queue timeout for a slot; throws Argon2Busy when none came free.
    Slot acquire();

    std::size_t slots() const noexcept { return slots_; }
    std::size_t in_use() const;
    std::uint64_t refused() const;  // acquisitions that timed out

private:
    void release();

    const std::size_t slots_;
    const std::chrono::milliseconds queue_timeout_;
    mutable std::mutex mutex_;
    std::condition_variable freed_;
    std::size_t in_use_ = 0;
    std::uint64_t refused_ = 0;
};

}  // namespace ddns::auth
