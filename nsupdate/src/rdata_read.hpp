// Private: reading the records of DNS replies into typed values, shared by the query and the zone
// transfer (both in query_client.cpp and zone_transfer.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
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

// One record of an answer section up to its rdata; the reader stands at the rdata.
struct AnswerRecord {
    std::vector<std::uint8_t> name;  // uncompressed, lower-cased wire form
    std::uint16_t type = 0;
    std::uint16_t klass = 0;
    std::uint32_t ttl = 0;
    std::uint16_t length = 0;  // of the rdata
};

// Walks the answer section of a message whose layout was already accepted (classify_reply, the
// transfer's stream verifier): skips the header and the questions, then calls
// `visit(reader, record)` for each answer while the message reads well. `visit` consumes the
// rdata (read_rdata or skip(length)) and returns false to stop the walk. Returns whether the
// message read well as far as it was walked.
template <typename Visit>
bool for_each_answer(std::span<const std::uint8_t> message, Visit&& visit) {
    WireReader r(message);
    r.skip(4);
    const std::uint16_t questions = r.u16();
    const std::uint16_t answers = r.u16();
    r.skip(4);
    for (std::uint16_t i = 0; i < questions; ++i) {
        (void)r.name();
        r.skip(4);
    }
    for (std::uint16_t i = 0; i < answers && r.ok(); ++i) {
        // Braced initialisation reads the fields in order.
        const AnswerRecord record{r.name(), r.u16(), r.u16(), r.u32(), r.u16()};
        if (!visit(r, record)) break;
    }
    return r.ok();
}

}  // namespace ddns::detail
