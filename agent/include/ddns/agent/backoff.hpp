// Exponential backoff with full jitter and a cap, and the Retry-After override.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace ddns::agent {

struct BackoffPolicy {
    std::chrono::seconds min{30};
    std::chrono::seconds max{3600};
};

// Delay before the next try after `failures` consecutive temporary failures (1 = first failure).
// The ceiling doubles per failure from min up to max; the delay is drawn uniformly from
// [ceiling/2, ceiling] using `random` (any 64-bit value; injected so tests are exact).
// A server's Retry-After wins when it is longer; it is never shortened by the cap.
std::chrono::seconds backoff_delay(const BackoffPolicy& policy, unsigned failures,
                                   std::uint64_t random,
                                   std::optional<std::chrono::seconds> retry_after);

}  // namespace ddns::agent
