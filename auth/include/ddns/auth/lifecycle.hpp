// Host lifecycle: when a host is due to be taken offline (missed heartbeats, expired account),
// and the storage seam of the sweeper that does it. The PostgreSQL implementation lives in sql/;
// backend failures throw StoreError.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/auth/store.hpp"

namespace ddns::auth {

// The heartbeat timeout that applies to a host: its own setting (nullopt: follow the zone,
// zero: none) over the zone's default (nullopt: none), over the default of the protocol that
// updates the host (Host::protocol_heartbeat; nullopt: none).
std::optional<std::chrono::seconds> effective_heartbeat(
    const std::optional<std::chrono::seconds>& host_setting,
    const std::optional<std::chrono::seconds>& zone_default,
    const std::optional<std::chrono::seconds>& protocol_default = std::nullopt) noexcept;

// The DynamIP-style heartbeat's own timeout (protocols.md §5): its client sends every 15 minutes.
inline constexpr std::chrono::seconds kDynamipHeartbeat{20 * 60};

// What taking a host offline does to its A/AAAA: its own action (nullopt: follow the zone) over
// its zone's.
OfflineAction effective_offline_action(const std::optional<OfflineAction>& host_setting,
                                       OfflineAction zone_action) noexcept;

// Why `host` must go offline at `now`, or nullopt when it must not: an online host whose
// account expired (at or before `now`), or whose last authenticated update is more than its
// heartbeat timeout ago. A host never seen has no heartbeat to miss.
std::optional<OfflineReason> offline_due(const Host& host,
                                         const std::optional<TimePoint>& account_expires_at,
                                         TimePoint now) noexcept;

// A host the sweeper found due, read while its row is locked.
struct SweepCandidate {
    Host host;  // addresses as stored, with the zone (and its offline action and key)
    std::optional<TimePoint> account_expires_at;
};

// One zone's due hosts, locked until commit() or destruction (rollback). Other transactions
// that lock these rows (an update of the host, another sweeper) wait or skip them.
class SweepBatch {
public:
    virtual ~SweepBatch() = default;
    virtual const std::vector<SweepCandidate>& hosts() const = 0;
    // Records a host taken offline (call only after BIND acknowledged, or when nothing in DNS
    // had to change); `ipv4`/`ipv6` are what BIND now holds.
    virtual void record_offline(std::int64_t host_id, const std::optional<IpAddress>& ipv4,
                                const std::optional<IpAddress>& ipv6, OfflineReason reason,
                                TimePoint now) = 0;
    virtual void commit() = 0;
};

class LifecycleStore {
public:
    virtual ~LifecycleStore() = default;
    // Zones that have hosts due at `now` (read without locks: a hint where to look).
    virtual std::vector<std::int64_t> zones_with_due_hosts(TimePoint now) = 0;
    // Locks up to `limit` online hosts of the zone with ids above `after_id` that are due at
    // `now`, in id order, skipping rows another transaction holds (FOR UPDATE SKIP LOCKED: a
    // host being updated, or another gateway instance sweeping it). A pass passes the last id
    // of its previous batch, so it reads each host once. Empty hosts(): nothing (more) to do.
    virtual std::unique_ptr<SweepBatch> lock_due_hosts(std::int64_t zone_id, TimePoint now,
                                                       std::size_t limit,
                                                       std::int64_t after_id) = 0;
    // As HostStore::mark_in_doubt: call only after the SweepBatch whose commit had an unknown
    // outcome was destroyed (it takes a connection of its own).
    virtual void mark_in_doubt(const std::vector<std::int64_t>& host_ids, TimePoint now) = 0;
};

}  // namespace ddns::auth
