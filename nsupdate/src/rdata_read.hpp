// Private: reading the records of DNS replies into typed values, shared by the query and the zone
// transfer (both in query_client.cpp and zone_transfer.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ddns/nsupdate/record.hpp"
#include "dns_wire.hpp"

namespace ddns::detail {

constexpr std::uint16_t kClassIn = 1;

// A QUERY message (without TSIG) for `owner` and `qtype`, class IN, no recursion desired.
std::vector<std::uint8_t> encode_query(std::uint16_t id, const DnsName& owner, std::uint16_t qtype);

// An uncompressed wire name (as WireReader::name() returns it) as a DnsName; nullopt when the
// name is not one DnsName accepts.
std::optional<DnsName> name_from_wire(const std::vector<std::uint8_t>& wire);

// The rdata at the reader's position (`length` octets) as the type's value; nullopt when it does
// not parse or the type is not one the gateway writes. Leaves the reader after the rdata.
std::optional<Rdata> read_rdata(WireReader& r, RecordType type, std::size_t length);

}  // namespace ddns::detail
