// Which addresses may be published in DNS (protocols.md §6): by default only addresses reachable
// from the Internet; the operator may opt ranges back in (a LAN-only deployment).
#pragma once

#include <vector>

#include "ddns/nsupdate/ip_address.hpp"

namespace ddns::gateway {

// False for unspecified, loopback, private, shared (CGN), link-local, multicast and reserved
// space: IPv4 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16, 224/4, 240/4;
// IPv6 ::/8 (IETF reserved: unspecified, loopback, deprecated IPv4-compatible, local-use NAT64
// 64:ff9b:1::/48), 100::/64 (discard-only), fe80::/10, fec0::/10 (deprecated site-local),
// fc00::/7, ff00::/8. IPv6 forms that embed an IPv4 address (::ffff:0:0/96 mapped,
// ::ffff:0:0:0/96 translated, 64:ff9b::/96 NAT64, 2002::/16 6to4) are judged by the embedded
// IPv4 address.
// The documentation ranges 192.0.2/24, 198.51.100/24, 203.0.113/24 and 2001:db8::/32 are
// accepted so tests and examples can use them.
bool is_publicly_routable(const IpAddress& address);

class AddressPolicy {
public:
    // `extra_allowed` ranges are allowed even when not publicly routable (operator opt-in).
    explicit AddressPolicy(std::vector<IpNetwork> extra_allowed = {});
    bool allows(const IpAddress& address) const;

private:
    std::vector<IpNetwork> extra_allowed_;
};

}  // namespace ddns::gateway
