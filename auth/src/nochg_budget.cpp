#include "ddns/auth/nochg_budget.hpp"

namespace ddns::auth {

NochgPolicy nochg_policy_for(const Host& host, const NochgPolicy& defaults) noexcept {
    if (host.heartbeat_timeout) return NochgPolicy{std::chrono::seconds::zero(), defaults.budget};
    return NochgPolicy{host.nochg_interval.value_or(defaults.interval), defaults.budget};
}

std::chrono::seconds nochg_retry_after(const NochgWindow& window, const NochgPolicy& policy,
                                       TimePoint now) noexcept {
    using std::chrono::seconds;
    if (!policy.active() || !window.start || window.count <= policy.budget) return seconds::zero();
    const TimePoint end = *window.start + policy.interval;
    if (now >= end) return seconds::zero();
    // Rounded up: a client that waits exactly this long finds the window over.
    const auto left = std::chrono::ceil<seconds>(end - now);
    return left < seconds(1) ? seconds(1) : left;
}

}  // namespace ddns::auth
