// An RFC 2136 UPDATE as typed values, and its wire encoding with TSIG.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "ddns/nsupdate/expected.hpp"
#include "ddns/nsupdate/record.hpp"
#include "ddns/nsupdate/tsig_key.hpp"

namespace ddns {

// Update section operations (RFC 2136 §2.5).
struct AddRecord {
    ResourceRecord record;
};
struct DeleteRRset {  // class ANY, type T, empty rdata
    DnsName owner;
    RecordType type = RecordType::A;
};
struct DeleteRecord {  // class NONE: removes one RR from an RRset
    ResourceRecord record;
};
struct DeleteName {  // class ANY, type ANY: all RRsets at a name
    DnsName owner;
};
using UpdateOperation = std::variant<AddRecord, DeleteRRset, DeleteRecord, DeleteName>;

// Prerequisite section (RFC 2136 §2.4).
struct RRsetExistsValue {  // this exact RR is present (value-dependent, simplified: one RR)
    ResourceRecord record;
};
struct RRsetExists {
    DnsName owner;
    RecordType type = RecordType::A;
};
struct RRsetAbsent {
    DnsName owner;
    RecordType type = RecordType::A;
};
struct NameInUse {
    DnsName owner;
};
struct NameAbsent {
    DnsName owner;
};
using Prerequisite =
    std::variant<RRsetExistsValue, RRsetExists, RRsetAbsent, NameInUse, NameAbsent>;

struct UpdateRequest {
    DnsName zone;
    std::vector<Prerequisite> prerequisites;
    std::vector<UpdateOperation> operations;
};

// Encodes `request` as a DNS UPDATE message with message id `id`, signed with `key` using
// `time_signed` (seconds since the epoch) and `fudge` seconds. Fails (with a reason) when a name
// lies outside the zone or the message would exceed 65535 octets.
Expected<std::vector<std::uint8_t>, std::string> encode_signed_update(const UpdateRequest& request,
                                                                      const TsigKey& key,
                                                                      std::uint16_t id,
                                                                      std::uint64_t time_signed,
                                                                      std::uint16_t fudge = 300);

}  // namespace ddns
