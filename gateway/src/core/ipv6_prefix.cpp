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

std::optional<std::string> derive_input_problem(const IpAddress& interface_id,
                                                unsigned prefix_length) {
    if (!interface_id.is_v6()) return "the interface ID is an IPv6 interface ID such as ::1:2:3:4";
    if (prefix_length < kMinPrefixLength || prefix_length > kMaxPrefixLength)
        return "the prefix length is " + std::to_string(kMinPrefixLength) + " to " +
               std::to_string(kMaxPrefixLength);
    const auto bytes = interface_id.bytes();
    bool inside = false;
    bool beyond = false;
    for (unsigned bit = 0; bit < 128; ++bit) {
        const bool set = ((bytes[bit / 8] >> (7 - bit % 8)) & 1U) != 0;
        (bit < prefix_length ? inside : beyond) |= set;
    }
    if (inside)
        return "the interface ID has bits inside the /" + std::to_string(prefix_length) +
               " prefix (those come from the router); write only the host's part, such as "
               "::1:2:3:4";
    if (!beyond) return "the interface ID is all zero beyond the prefix";
    return std::nullopt;
}

std::optional<DeriveRefusal> derive_refusal(const std::vector<auth::Host>& hosts,
                                            const auth::Host& host, const auth::Host& router) {
    if (router.id == host.id) return DeriveRefusal::Itself;
    if (router.account_id != host.account_id) return DeriveRefusal::OtherAccount;
    if (router.zone->id != host.zone->id) return DeriveRefusal::OtherZone;
    if (router.derive_from) return DeriveRefusal::RouterDerived;
    for (const auth::Host& h : hosts)
        if (h.derive_from == host.id) return DeriveRefusal::HasDerived;
    return std::nullopt;
}

std::string to_sentence(DeriveRefusal refusal, const DnsName& router) {
    switch (refusal) {
        case DeriveRefusal::Itself:
            return "a host cannot be derived from itself";
        case DeriveRefusal::OtherAccount:
            return router.str() + " is not a host of this account";
        case DeriveRefusal::OtherZone:
            return router.str() + " is in another zone; a derived host is in its router's zone";
        case DeriveRefusal::RouterDerived:
            return router.str() + " is derived itself; derive from the router's own host";
        case DeriveRefusal::HasDerived:
            return "other hosts are derived from this one; it cannot be derived itself";
    }
    return "not derivable";
}

}  // namespace ddns::gateway
