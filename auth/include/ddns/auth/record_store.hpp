// Storage seam for the records that domain accounts manage in their zones (A, AAAA, CNAME, MX,
// NS, TXT beyond the dynamic hosts' addresses). The PostgreSQL implementation lives in sql/.
// Backend failures throw StoreError.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/auth/store.hpp"  // StoreError
#include "ddns/nsupdate/record.hpp"

namespace ddns::auth {

struct StoredRecord {
    std::int64_t id = 0;
    ResourceRecord record;
};

// A change to one zone's records in progress: the zone's row is locked, so record changes to one
// zone are serialised across requests and gateway instances, and what was read stays true until
// commit(). Destroyed without commit(): rolled back.
class RecordChange {
public:
    virtual ~RecordChange() = default;
    // Every stored record at `name` in the locked zone (any type).
    virtual std::vector<StoredRecord> records_at(const DnsName& name) = 0;
    // Whether a dynamic host's addresses live at this name, so that its A/AAAA belong to the
    // host path: the host's own name, or its wildcard mirror *.<host> while the host mirrors or
    // its zone allows the mirror (a router may switch it on with any update).
    virtual bool host_named(const DnsName& name) = 0;
    // Record what BIND acknowledged (call only after a NOERROR, TSIG-verified reply).
    virtual void insert(const ResourceRecord& record) = 0;
    virtual void erase(std::int64_t record_id) = 0;
    virtual void commit() = 0;
};

// An RRset of domain records whose last UPDATE may or may not be in BIND
// (record_rrsets_in_doubt, migration 012).
struct RRsetInDoubt {
    DnsName name;
    RecordType type = RecordType::A;
    TimePoint since;
};

class RecordStore {
public:
    virtual ~RecordStore() = default;
    virtual std::unique_ptr<RecordChange> begin_record_change(std::int64_t zone_id) = 0;
    // Every stored record of the zone, ordered by name, type, then data.
    virtual std::vector<StoredRecord> list_records(std::int64_t zone_id) = 0;
    // Marks the RRset (name, type) of the zone in doubt: BIND's reply to its UPDATE was lost,
    // or the commit recording it has an unknown outcome. In a short transaction of its own (call
    // only after the RecordChange was destroyed); the earliest mark is kept. The reconciler
    // compares such an RRset with the stored records, repairs it (the database wins) and deletes
    // the mark.
    virtual void mark_rrset_in_doubt(std::int64_t zone_id, const DnsName& name,
                                     RecordType type) = 0;
    // The zone's RRsets in doubt, ordered by name, then type.
    virtual std::vector<RRsetInDoubt> rrsets_in_doubt(std::int64_t zone_id) = 0;
};

}  // namespace ddns::auth
