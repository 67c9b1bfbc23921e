// Record types and typed resource records.
#include "ddns/nsupdate/record.hpp"

#include <array>
#include <cstdio>
#include <utility>

#include "ascii.hpp"

namespace ddns {
namespace {

constexpr std::array<std::pair<RecordType, std::string_view>, 6> kTypes{{
    {RecordType::A, "A"},
    {RecordType::NS, "NS"},
    {RecordType::CNAME, "CNAME"},
    {RecordType::MX, "MX"},
    {RecordType::TXT, "TXT"},
    {RecordType::AAAA, "AAAA"},
}};

bool fits(RecordType type, const Rdata& data) {
    switch (type) {
        case RecordType::A:
            return std::holds_alternative<IpAddress>(data) && std::get<IpAddress>(data).is_v4();
        case RecordType::AAAA:
            return std::holds_alternative<IpAddress>(data) && std::get<IpAddress>(data).is_v6();
        case RecordType::NS:
        case RecordType::CNAME:
            return std::holds_alternative<DnsName>(data);
        case RecordType::MX:
            return std::holds_alternative<MxData>(data);
        case RecordType::TXT: {
            if (!std::holds_alternative<TxtData>(data)) return false;
            const auto& strings = std::get<TxtData>(data).strings;
            if (strings.empty()) return false;
            std::size_t total = 0;
            for (const auto& s : strings) {
                if (s.size() > 255) return false;
                total += s.size() + 1;
            }
            return total <= 65535;
        }
    }
    return false;
}

std::string quote_txt(const std::string& s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
            out += buf;
        } else {
            out += ch;
        }
    }
    out += '"';
    return out;
}

}  // namespace

std::string_view to_string(RecordType type) noexcept {
    for (const auto& [t, name] : kTypes) {
        if (t == type) return name;
    }
    return "UNKNOWN";
}

std::optional<RecordType> parse_record_type(std::string_view text) noexcept {
    for (const auto& [t, name] : kTypes) {
        if (detail::ascii_iequals(text, name)) return t;
    }
    return std::nullopt;
}

RecordType address_record_type(IpFamily family) noexcept {
    return family == IpFamily::V4 ? RecordType::A : RecordType::AAAA;
}

std::optional<ResourceRecord> ResourceRecord::make(DnsName owner, RecordType type,
                                                   std::uint32_t ttl, Rdata data) {
    if (!fits(type, data)) return std::nullopt;
    return ResourceRecord(std::move(owner), type, ttl, std::move(data));
}

ResourceRecord ResourceRecord::address(DnsName owner, std::uint32_t ttl, IpAddress address) {
    const auto type = address_record_type(address.family());
    return ResourceRecord(std::move(owner), type, ttl, address);
}

std::string ResourceRecord::data_text() const {
    struct Visitor {
        std::string operator()(const IpAddress& a) const { return a.to_string(); }
        std::string operator()(const DnsName& n) const { return n.fqdn(); }
        std::string operator()(const MxData& mx) const {
            return std::to_string(mx.preference) + " " + mx.exchange.fqdn();
        }
        std::string operator()(const TxtData& txt) const {
            std::string out;
            for (const auto& s : txt.strings) {
                if (!out.empty()) out += ' ';
                out += quote_txt(s);
            }
            return out;
        }
    };
    return std::visit(Visitor{}, data_);
}

}  // namespace ddns
