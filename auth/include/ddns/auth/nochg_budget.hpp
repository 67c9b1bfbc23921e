// The budget of updates that change nothing: an operator-set interval and how many no-change
// updates a host may send inside one window of that length. A host over its budget is refused
// (whatever it sends) until its window ends. The window is counted by the database in the
// statement of the no-change path; this is the arithmetic around it, pure, with the time given.
#pragma once

#include <chrono>
#include <optional>

#include "ddns/auth/model.hpp"

namespace ddns::auth {

struct NochgPolicy {
    std::chrono::seconds interval{0};  // 0: no budget
    int budget = 1;                    // no-change updates tolerated inside one window
    bool active() const noexcept { return interval > std::chrono::seconds::zero(); }
};

// The policy that applies to `host`: its own interval (zero: none) or the default. Hosts with a
// heartbeat timeout are exempt: their no-change updates are the heartbeat.
NochgPolicy nochg_policy_for(const Host& host, const NochgPolicy& defaults) noexcept;

// How long a host whose window is `window` must wait before it may update again, at `now`;
// zero when it is within its budget (or the window has passed, or the policy is off). At
// least one second when over budget, so a Retry-After never says 0.
std::chrono::seconds nochg_retry_after(const NochgWindow& window, const NochgPolicy& policy,
                                       TimePoint now) noexcept;

}  // namespace ddns::auth
