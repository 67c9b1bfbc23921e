// Resource records as typed values. UPDATE messages are built from these, never from text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ddns/nsupdate/dns_name.hpp"
#include "ddns/nsupdate/ip_address.hpp"

namespace ddns {

enum class RecordType : std::uint16_t { A = 1, NS = 2, CNAME = 5, MX = 15, TXT = 16, AAAA = 28 };

std::string_view to_string(RecordType type) noexcept;
// Case-insensitive mnemonic ("a", "AAAA", "Mx").
std::optional<RecordType> parse_record_type(std::string_view text) noexcept;
// The record type that carries addresses of this family.
RecordType address_record_type(IpFamily family) noexcept;

struct MxData {
    std::uint16_t preference = 0;
    DnsName exchange;
    friend bool operator==(const MxData&, const MxData&) = default;
};

struct TxtData {
    std::vector<std::string> strings;  // each at most 255 octets
    friend bool operator==(const TxtData&, const TxtData&) = default;
};

// A/AAAA -> IpAddress, CNAME/NS -> DnsName, MX -> MxData, TXT -> TxtData.
using Rdata = std::variant<IpAddress, DnsName, MxData, TxtData>;

class ResourceRecord {
public:
    // Factories check that the rdata fits the type; nullopt when it does not (an IPv6 address for
    // an A record, a TXT string over 255 octets, ...).
    static std::optional<ResourceRecord> make(DnsName owner, RecordType type, std::uint32_t ttl,
                                              Rdata data);
    static ResourceRecord address(DnsName owner, std::uint32_t ttl, IpAddress address);

    const DnsName& owner() const noexcept { return owner_; }
    RecordType type() const noexcept { return type_; }
    std::uint32_t ttl() const noexcept { return ttl_; }
    const Rdata& data() const noexcept { return data_; }
    // Presentation form of the rdata alone ("192.0.2.1", "10 mail.example.org.", "\"text\"").
    std::string data_text() const;

    friend bool operator==(const ResourceRecord&, const ResourceRecord&) = default;

private:
    ResourceRecord(DnsName owner, RecordType type, std::uint32_t ttl, Rdata data)
        : owner_(std::move(owner)), type_(type), ttl_(ttl), data_(std::move(data)) {}
    DnsName owner_;
    RecordType type_;
    std::uint32_t ttl_;
    Rdata data_;
};

}  // namespace ddns
