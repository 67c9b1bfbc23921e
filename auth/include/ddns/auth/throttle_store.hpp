// The failure throttle's state shared by every gateway instance (PostgreSQL in production, see
// docs/design.md "Throttle shared by all instances"). Only failures and the periodic refresh
// touch it: a correct credential never does.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "ddns/nsupdate/secret.hpp"

namespace ddns::auth {

// One streak's identity in the shared table: the table tag ('A' address and name, 'U' account,
// 'N' network) and the keyed hash of its subject (never the name or address itself).
struct SharedStreakKey {
    char scope = 'A';
    std::uint64_t key = 0;
};

// One failure to count, with the policy of its streak (the same in every instance by
// configuration; the row keeps no policy).
struct SharedFailure {
    SharedStreakKey streak;
    unsigned threshold = 0;  // > 0
    std::chrono::seconds initial{0};
    std::chrono::seconds max{0};
    std::chrono::seconds window{0};
};

struct SharedLock {
    SharedStreakKey streak;
    std::chrono::milliseconds remaining{0};  // > 0
};

class ThrottleStore {
public:
    virtual ~ThrottleStore() = default;
    // The key of the throttle's keyed hashes: `proposal` if no instance has stored one yet, else
    // the stored one. The same for every instance, so their keys name the same streaks.
    virtual Secret hash_key(const Secret& proposal) = 0;
    // Counts one failure in each streak, each atomically, by the streak policy of
    // FailureThrottle; returns, in order, how long each streak is now locked (zero: not locked).
    virtual std::vector<std::chrono::milliseconds> record_failures(
        std::span<const SharedFailure> failures) = 0;
    // Every streak locked now, with the time left.
    virtual std::vector<SharedLock> active_locks() = 0;
    // Forgets streaks that have been quiet for their window; returns how many.
    virtual std::size_t prune() = 0;
};

}  // namespace ddns::auth
