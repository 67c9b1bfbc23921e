// Parsing and printing of IPv4/IPv6 addresses and prefixes (strict: no octal, no zone ids).
#include "ddns/nsupdate/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace ddns {
namespace {

std::optional<unsigned> parse_decimal(std::string_view text, unsigned max) {
    if (text.empty() || text.size() > 3) return std::nullopt;
    if (text.size() > 1 && text[0] == '0') return std::nullopt;  // leading zero: ambiguous octal
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || value > max) return std::nullopt;
    return value;
}

std::optional<std::array<std::uint8_t, 4>> parse_dotted_quad(std::string_view text) {
    std::array<std::uint8_t, 4> out{};
    for (std::size_t i = 0; i < 4; ++i) {
        const auto dot = text.find('.');
        const bool last = i == 3;
        if (last != (dot == std::string_view::npos)) return std::nullopt;
        const auto part = text.substr(0, dot);
        const auto value = parse_decimal(part, 255);
        if (!value) return std::nullopt;
        out[i] = static_cast<std::uint8_t>(*value);
        text = last ? std::string_view{} : text.substr(dot + 1);
    }
    return out;
}

std::optional<std::array<std::uint8_t, 16>> parse_v6(std::string_view text) {
    if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
    const bool allowed = std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
               c == ':' || c == '.';
    });
    if (!allowed) return std::nullopt;
    // inet_pton is lenient about the embedded dotted quad; hold it to the IPv4 rules.
    if (const auto colon = text.rfind(':'); text.find('.') != std::string_view::npos) {
        if (colon == std::string_view::npos || !parse_dotted_quad(text.substr(colon + 1))) {
            return std::nullopt;
        }
    }
    const std::string copy(text);
    std::array<std::uint8_t, 16> out{};
    if (::inet_pton(AF_INET6, copy.c_str(), out.data()) != 1) return std::nullopt;
    return out;
}

bool is_v4_mapped(const std::array<std::uint8_t, 16>& b) {
    return std::all_of(b.begin(), b.begin() + 10, [](std::uint8_t x) { return x == 0; }) &&
           b[10] == 0xff && b[11] == 0xff;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.find(':') == std::string_view::npos) {
        if (auto quad = parse_dotted_quad(text)) return v4(*quad);
        return std::nullopt;
    }
    auto bytes = parse_v6(text);
    if (!bytes) return std::nullopt;
    if (is_v4_mapped(*bytes)) return v4({(*bytes)[12], (*bytes)[13], (*bytes)[14], (*bytes)[15]});
    return v6(*bytes);
}

IpAddress IpAddress::v4(const std::array<std::uint8_t, 4>& bytes) {
    IpAddress a;
    a.family_ = IpFamily::V4;
    std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
    return a;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
    IpAddress a;
    a.family_ = IpFamily::V6;
    a.bytes_ = bytes;
    return a;
}

std::span<const std::uint8_t> IpAddress::bytes() const noexcept {
    return {bytes_.data(), is_v4() ? std::size_t{4} : std::size_t{16}};
}

bool IpAddress::is_unspecified() const noexcept {
    const auto b = bytes();
    return std::all_of(b.begin(), b.end(), [](std::uint8_t x) { return x == 0; });
}

std::string IpAddress::to_string() const {
    if (is_v4()) {
        // By hand: glibc's inet_ntop formats IPv4 with sprintf (about 1,800 instructions), and the
        // no-change path prints the client's address several times per answer.
        char buf[16];
        char* p = buf;
        for (std::size_t i = 0; i < 4; ++i) {
            if (i > 0) *p++ = '.';
            const unsigned v = bytes_[i];
            if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
            if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
            *p++ = static_cast<char>('0' + v % 10);
        }
        return std::string(buf, p);
    }
    char buf[INET6_ADDRSTRLEN] = {};
    // glibc's inet_ntop follows RFC 5952 (lower case, longest zero run compressed).
    ::inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
    return buf;
}

namespace {

IpAddress mask(const IpAddress& address, unsigned prefix) {
    std::array<std::uint8_t, 16> b{};
    const auto src = address.bytes();
    std::copy(src.begin(), src.end(), b.begin());
    for (std::size_t i = 0; i < src.size(); ++i) {
        const unsigned bit = static_cast<unsigned>(i) * 8;
        if (bit >= prefix) {
            b[i] = 0;
        } else if (prefix - bit < 8) {
            b[i] = static_cast<std::uint8_t>(b[i] & (0xffu << (8 - (prefix - bit))));
        }
    }
    if (address.is_v4()) return IpAddress::v4({b[0], b[1], b[2], b[3]});
    return IpAddress::v6(b);
}

unsigned max_prefix(const IpAddress& a) {
    return a.is_v4() ? 32u : 128u;
}

}  // namespace

IpNetwork::IpNetwork(IpAddress base, unsigned prefix_length)
    : base_(mask(base, std::min(prefix_length, max_prefix(base)))),
      prefix_(std::min(prefix_length, max_prefix(base))) {}

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
    const auto slash = text.find('/');
    const auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) return std::nullopt;
    if (slash == std::string_view::npos) return IpNetwork(*address, max_prefix(*address));
    const auto prefix = parse_decimal(text.substr(slash + 1), max_prefix(*address));
    if (!prefix) return std::nullopt;
    return IpNetwork(*address, *prefix);
}

bool IpNetwork::contains(const IpAddress& address) const noexcept {
    if (address.family() != base_.family()) return false;
    return mask(address, prefix_) == base_;
}

std::string IpNetwork::to_string() const {
    return base_.to_string() + "/" + std::to_string(prefix_);
}

}  // namespace ddns
