#include "ddns/gateway/core/address_policy.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

namespace ddns::gateway {
namespace {

struct Prefix {
    std::array<std::uint8_t, 16> bytes;
    unsigned length;
};

bool matches(std::span<const std::uint8_t> address, const Prefix& prefix) {
    const unsigned full = prefix.length / 8;
    for (unsigned i = 0; i < full; ++i) {
        if (address[i] != prefix.bytes[i]) return false;
    }
    const unsigned rest = prefix.length % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (address[full] & mask) == (prefix.bytes[full] & mask);
}

// Refused IPv4 space (protocols.md §6). 240/4 includes 255.255.255.255.
constexpr std::array<Prefix, 9> kRefusedV4{{
    {{0, 0, 0, 0}, 8},
    {{10, 0, 0, 0}, 8},
    {{100, 64, 0, 0}, 10},
    {{127, 0, 0, 0}, 8},
    {{169, 254, 0, 0}, 16},
    {{172, 16, 0, 0}, 12},
    {{192, 168, 0, 0}, 16},
    {{224, 0, 0, 0}, 4},
    {{240, 0, 0, 0}, 4},
}};

// Checked after the forms that embed IPv4 (below), which also live in ::/8.
constexpr std::array<Prefix, 6> kRefusedV6{{
    {{}, 8},             // ::/8 reserved: ::, ::1, IPv4-compatible, local-use NAT64, ...
    {{0x01, 0x00}, 64},  // 100::/64 discard-only
    {{0xfe, 0x80}, 10},  // link-local
    {{0xfe, 0xc0}, 10},  // site-local (deprecated)
    {{0xfc, 0x00}, 7},   // unique local
    {{0xff, 0x00}, 8},   // multicast
}};

// Prefixes whose last 32 bits (or bits 16..47 for 6to4) carry an IPv4 address.
constexpr Prefix kMapped{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96};
constexpr Prefix kTranslated{{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0}, 96};
constexpr Prefix kNat64{{0x00, 0x64, 0xff, 0x9b}, 96};
constexpr Prefix k6to4{{0x20, 0x02}, 16};

bool v4_routable(std::span<const std::uint8_t> bytes) {
    return std::none_of(kRefusedV4.begin(), kRefusedV4.end(),
                        [&](const Prefix& p) { return matches(bytes, p); });
}

}  // namespace

bool is_publicly_routable(const IpAddress& address) {
    const auto bytes = address.bytes();
    if (address.is_v4()) return v4_routable(bytes);

    if (matches(bytes, kMapped) || matches(bytes, kTranslated) || matches(bytes, kNat64)) {
        return v4_routable(bytes.subspan(12, 4));
    }
    if (matches(bytes, k6to4)) return v4_routable(bytes.subspan(2, 4));
    return std::none_of(kRefusedV6.begin(), kRefusedV6.end(),
                        [&](const Prefix& p) { return matches(bytes, p); });
}

AddressPolicy::AddressPolicy(std::vector<IpNetwork> extra_allowed)
    : extra_allowed_(std::move(extra_allowed)) {}

bool AddressPolicy::allows(const IpAddress& address) const {
    return is_publicly_routable(address) ||
           std::any_of(extra_allowed_.begin(), extra_allowed_.end(),
                       [&](const IpNetwork& n) { return n.contains(address); });
}

}  // namespace ddns::gateway
