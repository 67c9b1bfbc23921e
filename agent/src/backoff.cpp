// Exponential backoff with jitter: the ceiling doubles per failure up to the cap.
#include "ddns/agent/backoff.hpp"

#include <algorithm>

namespace ddns::agent {

std::chrono::seconds backoff_delay(const BackoffPolicy& policy, unsigned failures,
                                   std::uint64_t random,
                                   std::optional<std::chrono::seconds> retry_after) {
    long long ceiling = std::max<long long>(1, policy.min.count());
    const long long cap = std::max<long long>(ceiling, policy.max.count());
    for (unsigned i = 1; i < failures && ceiling < cap; ++i) ceiling *= 2;
    ceiling = std::min(ceiling, cap);
    const long long floor = std::max<long long>(1, ceiling / 2);
    const auto span = static_cast<std::uint64_t>(ceiling - floor + 1);
    const std::chrono::seconds delay(floor + static_cast<long long>(random % span));
    if (retry_after && *retry_after > delay) return *retry_after;
    return delay;
}

}  // namespace ddns::agent
