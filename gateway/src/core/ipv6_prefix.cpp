#include "ddns/gateway/core/ipv6_prefix.hpp"

#include <array>
#include <charconv>
#include <cstdint>

namespace ddns::gateway {

Expected<IpNetwork, PrefixError> parse_router_prefix(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return Unexpected{PrefixError::Malformed};
    const auto address = IpAddress::parse(text.substr(0, slash));
    const std::string_view digits = text.substr(slash + 1);
    unsigned length = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (!address || !address->is_v6() || digits.empty() || digits.size() > 3 || ec != std::errc{} ||
        end != digits.data() + digits.size())
        return Unexpected{PrefixError::Malformed};
    if (length < kMinPrefixLength || length > kMaxPrefixLength)
        return Unexpected{PrefixError::Length};
    const IpNetwork network(*address, length);
    if (network.base() != *address) return Unexpected{PrefixError::NotAPrefix};
    return network;
}

std::optional<IpAddress> prefix_source(const std::optional<IpNetwork>& prefix,
                                       const std::optional<IpAddress>& ipv6) {
    if (prefix) return prefix->base();
    if (ipv6 && !ipv6->is_unspecified() && ipv6->is_v6()) return ipv6;
    return std::nullopt;
}

IpAddress derived_address(const IpAddress& source, const IpAddress& interface_id,
                          unsigned prefix_length) {
    std::array<std::uint8_t, 16> out{};
    const auto s = source.bytes();
    const auto iid = interface_id.bytes();
    for (unsigned i = 0; i < 16; ++i) {
        const unsigned high = i * 8 >= prefix_length         ? 0
                              : (i + 1) * 8 <= prefix_length ? 8
                                                             : prefix_length - i * 8;
        const auto mask = static_cast<std::uint8_t>(high == 0 ? 0 : 0xff << (8 - high));
        out[i] = static_cast<std::uint8_t>((s[i] & mask) | (iid[i] & ~mask));
    }
    return IpAddress::v6(out);
}

std::vector<const auth::Host*> derived_from(const std::vector<auth::Host>& hosts,
                                            const auth::Host& parent) {
    std::vector<const auth::Host*> out;
    for (const auth::Host& h : hosts)
        if (h.derive_from == parent.id && h.id != parent.id && h.interface_id) out.push_back(&h);
    return out;
}

}  // namespace ddns::gateway
