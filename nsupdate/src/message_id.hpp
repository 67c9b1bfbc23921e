// Private: a random DNS message id and the TSIG clock, shared by the UPDATE and query clients.
#pragma once

#include <sys/random.h>

#include <chrono>
#include <cstdint>
#include <random>

namespace ddns::detail {

inline std::uint16_t random_id() {
    std::uint16_t id = 0;
    if (::getrandom(&id, sizeof id, 0) == static_cast<ssize_t>(sizeof id)) return id;
    thread_local std::mt19937 rng(std::random_device{}());
    return static_cast<std::uint16_t>(rng());
}

inline std::uint64_t system_seconds() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

}  // namespace ddns::detail
