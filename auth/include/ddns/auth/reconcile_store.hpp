// The reconciler's storage seam: which zones and hosts to compare with BIND, the hosts locked
// while they are compared and repaired, and clearing a host's "in doubt" mark (migration 007)
// and a domain-record RRset's (migration 012).
// The PostgreSQL implementation lives in sql/; backend failures throw StoreError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/auth/record_store.hpp"  // RRsetInDoubt
#include "ddns/auth/store.hpp"

namespace ddns::auth {

// A host as the reconciler sees it: the addresses BIND should hold (ipv4/ipv6 are what BIND
// acknowledged, also while offline: nothing, or the sentinel), and whether its last UPDATE's
// outcome is unknown.
struct ReconcileHost {
    std::int64_t id = 0;
    DnsName name;
    std::uint32_t ttl = 60;
    std::optional<IpAddress> ipv4;
    std::optional<IpAddress> ipv6;
    std::optional<TimePoint> in_doubt_since;
    // The A records beyond ipv4 (hosts.extra_ipv4): BIND's A RRset should be ipv4 and these.
    std::vector<IpAddress> extra_ipv4{};
    // The addresses are mirrored at *.<name> (hosts.wildcard): BIND should hold the same A and
    // AAAA RRsets there.
    bool wildcard = false;
};

// Hosts of one zone, locked until commit() or destruction (rollback). A change of one of them
// (the update path, the sweeper) waits until the reconciler is done, so what it compares cannot
// move under it; hosts another transaction holds were skipped when locking.
class ReconcileBatch {
public:
    virtual ~ReconcileBatch() = default;
    // Null when the zone no longer exists; hosts() is then empty.
    virtual std::shared_ptr<const Zone> zone() const = 0;
    virtual const std::vector<ReconcileHost>& hosts() const = 0;
    // DNS and the database were compared (and repaired) while locked: the host is settled.
    virtual void clear_in_doubt(std::int64_t host_id) = 0;
    virtual void commit() = 0;
};

// The records domain accounts manage in one zone (the records table) and the zone's RRsets in
// doubt (record_rrsets_in_doubt), read while the zone's row is locked the way record changes
// lock it, so none of them changes until commit() or destruction (rollback).
class ReconcileRecords {
public:
    virtual ~ReconcileRecords() = default;
    virtual std::shared_ptr<const Zone> zone() const = 0;
    virtual const std::vector<ResourceRecord>& records() const = 0;
    // The zone's RRsets in doubt, ordered by name, then type; an RRset without rows in records()
    // should be absent from BIND.
    virtual const std::vector<RRsetInDoubt>& in_doubt() const = 0;
    // BIND's RRset was compared with records() (and repaired) under this lock: the mark goes,
    // at commit().
    virtual void clear_in_doubt(const DnsName& name, RecordType type) = 0;
    virtual void commit() = 0;
};

// Hosts of one zone as read without locks (a full pass compares them with its zone transfer and
// locks only those that differ).
struct HostPage {
    std::shared_ptr<const Zone> zone;  // null when the zone no longer exists
    std::vector<ReconcileHost> hosts;
};

enum class HostSelection {
    InDoubt,  // only hosts marked in doubt
    All,      // every host, in id order
};

class ReconcileStore {
public:
    virtual ~ReconcileStore() = default;
    // Every zone, by id.
    virtual std::vector<std::int64_t> zone_ids() = 0;
    // Zones with hosts in doubt (read without locks: a hint where to look).
    virtual std::vector<std::int64_t> zones_in_doubt() = 0;
    // Zones with domain-record RRsets in doubt (read without locks). The default, for stores
    // without records: none.
    virtual std::vector<std::int64_t> zones_with_records_in_doubt() { return {}; }
    // Locks up to `limit` hosts of the zone with an id above `after_id`, in id order, skipping
    // rows another transaction holds (FOR UPDATE SKIP LOCKED): several gateway instances never
    // compare one host at once, and a host being updated is left for the next pass.
    virtual std::unique_ptr<ReconcileBatch> lock_hosts(std::int64_t zone_id, HostSelection which,
                                                       std::int64_t after_id,
                                                       std::size_t limit) = 0;
    // Up to `limit` hosts of the zone with an id above `after_id`, in id order, read without
    // locks: nothing waits for this read, and it waits for nothing.
    virtual HostPage read_hosts(std::int64_t zone_id, std::int64_t after_id, std::size_t limit) = 0;
    // The hosts `ids` (ascending) of the zone, locked in id order, skipping rows another
    // transaction holds (FOR UPDATE SKIP LOCKED), and read again under the lock.
    virtual std::unique_ptr<ReconcileBatch> lock_host_ids(std::int64_t zone_id,
                                                          const std::vector<std::int64_t>& ids) = 0;
    // The zone's records and RRsets in doubt with its row locked (FOR UPDATE SKIP LOCKED). Null
    // when a record change holds the zone (compared on the next pass), or the zone has neither
    // records nor RRsets in doubt. The default, for
    // stores without records: null.
    virtual std::unique_ptr<ReconcileRecords> lock_zone_records(std::int64_t zone_id) {
        (void)zone_id;
        return nullptr;
    }
};

}  // namespace ddns::auth
