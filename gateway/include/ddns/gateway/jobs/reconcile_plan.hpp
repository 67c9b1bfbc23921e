// The reconciler's planning step, free of I/O: given what the database says BIND should hold for
// the names the gateway manages and what BIND was seen to hold, it lists the differences (drift)
// and the prerequisite-guarded UPDATEs that repair them. The database wins for managed RRsets;
// an RRset the gateway does not manage (another type at a host's name, a name it never gave out)
// is never part of a plan. Each repair is guarded by the RRset exactly as it was observed, so a
// change that lands in BIND between the observation and the repair (a client's update through
// another instance) makes the repair fail with NXRRSET instead of being overwritten; the next
// pass observes again.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ddns/nsupdate/record.hpp"
#include "ddns/nsupdate/update_message.hpp"

namespace ddns::gateway {

// One RRset the gateway owns: a host's A or AAAA, a domain record's owner and type.
using RRsetKey = std::pair<DnsName, RecordType>;

// What the database says about one zone.
struct ZoneWanted {
    DnsName zone;
    // Every RRset the gateway manages in this zone, also those that should be absent (an offline
    // host without a parked address, a host without IPv6).
    std::set<RRsetKey> managed;
    // The records those RRsets should hold; records outside `managed` are a caller error and
    // ignored.
    std::vector<ResourceRecord> records;
};

// One managed RRset whose content in BIND differs from the database.
struct Drift {
    RRsetKey rrset;
    std::vector<ResourceRecord> wanted;  // sorted; empty: should be absent
    std::vector<ResourceRecord> found;   // sorted; empty: absent in BIND
    // "A a1.example.org.: BIND 192.0.2.9, database 192.0.2.1", for the log.
    std::string describe() const;
};

// Differences between the database and BIND, in (owner, type) order. Records in BIND at RRsets
// the gateway does not manage are ignored. Two RRsets agree when they hold the same rdata with
// the same TTL, in any order.
std::vector<Drift> find_drift(const ZoneWanted& wanted,
                              const std::vector<ResourceRecord>& observed);

// The UPDATE that turns `drift.found` into `drift.wanted`, and nothing else: prerequisites state
// the RRset as observed (RRsetAbsent, or each observed record as value-dependent RRsetExists), the
// operations delete the RRset and add the wanted records.
UpdateRequest repair_request(const DnsName& zone, const Drift& drift);

// The wildcard mirror (dyndns2 wildcard=ON) is the A and AAAA of a host at *.<host>. When the
// database says a host has none, what BIND holds at `mirror` is the gateway's to delete only when
// it is a copy of the host's addresses: the A and AAAA at `mirror` (at least one record) equal,
// in addresses and TTL, those at `host` either as `observed` or as `wanted` lists them. Anything
// else there (other addresses, another TTL) was put there by someone else and is left alone.
bool is_mirror_copy(const DnsName& host, const DnsName& mirror,
                    const std::vector<ResourceRecord>& wanted,
                    const std::vector<ResourceRecord>& observed);

struct RepairPlan {
    std::vector<Drift> drift;            // all differences found
    std::vector<UpdateRequest> repairs;  // for the first `max_repairs` of them, in order
    std::size_t deferred = 0;            // differences left for the next pass
};

// find_drift() and repair_request() with the work of one pass bounded by `max_repairs`.
RepairPlan plan_repairs(const ZoneWanted& wanted, const std::vector<ResourceRecord>& observed,
                        std::size_t max_repairs);

}  // namespace ddns::gateway
