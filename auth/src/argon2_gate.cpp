#include "ddns/auth/argon2_gate.hpp"

#include <algorithm>

namespace ddns::auth {

Argon2Gate::Argon2Gate(std::size_t slots, std::chrono::milliseconds queue_timeout)
    : slots_(std::max<std::size_t>(slots, 1)),
      queue_timeout_(std::max(queue_timeout, std::chrono::milliseconds::zero())) {}

std::size_t Argon2Gate::slots_for(std::size_t budget_bytes, std::size_t memlimit_bytes) noexcept {
    if (memlimit_bytes == 0) return 1;
    return std::max<std::size_t>(budget_bytes / memlimit_bytes, 1);
}

Argon2Gate::Slot Argon2Gate::acquire() {
    std::unique_lock lock(mutex_);
    if (!freed_.wait_for(lock, queue_timeout_, [this] { return in_use_ < slots_; })) {
        ++refused_;
        // A run takes a fraction of a second; one second is the shortest Retry-After there is.
        throw Argon2Busy(std::chrono::seconds(1));
    }
    ++in_use_;
    return Slot(this);
}

void Argon2Gate::release() {
    {
        std::lock_guard lock(mutex_);
        --in_use_;
    }
    freed_.notify_one();
}

std::size_t Argon2Gate::in_use() const {
    std::lock_guard lock(mutex_);
    return in_use_;
}

std::uint64_t Argon2Gate::refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
}

}  // namespace ddns::auth
