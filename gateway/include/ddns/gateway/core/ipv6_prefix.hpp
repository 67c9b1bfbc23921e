// IPv6 prefixes a router sends (FRITZ!Box ip6lanprefix, myip with /len) and the AAAA of the
// hosts derived from them (protocols.md §9, docs/design.md "IPv6 prefixes and derived hosts").
// Nothing here knows a dialect's words.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/nsupdate/expected.hpp"
#include "ddns/nsupdate/ip_address.hpp"

namespace ddns::gateway {

// The prefix lengths a router's prefix and a derived host may have: a delegated prefix is /48 to
// /64 in practice, and an interface ID needs the lower 64 bits. Anything shorter than /16 is a
// typing error, not a delegation.
inline constexpr unsigned kMinPrefixLength = 16;
inline constexpr unsigned kMaxPrefixLength = 64;

enum class PrefixError {
    Malformed,   // not "address/len", not IPv6, len not a number
    Length,      // len outside kMinPrefixLength..kMaxPrefixLength
    NotAPrefix,  // bits set beyond len (an address, not a prefix)
};

// Reads "2001:db8:1:100::/56" strictly: IPv6, a length in range, no bits beyond it.
Expected<IpNetwork, PrefixError> parse_router_prefix(std::string_view text);

// What a derived host's AAAA is made from: the prefix the parent's router sent, else the
// parent's own IPv6 address; nullopt when the parent has neither (the derived AAAA goes).
std::optional<IpAddress> prefix_source(const std::optional<IpNetwork>& prefix,
                                       const std::optional<IpAddress>& ipv6);

// The first `prefix_length` bits of `source` followed by the remaining bits of `interface_id`.
IpAddress derived_address(const IpAddress& source, const IpAddress& interface_id,
                          unsigned prefix_length);

// The hosts of `hosts` derived from `parent` (same account: Principal::hosts), in their order.
std::vector<const auth::Host*> derived_from(const std::vector<auth::Host>& hosts,
                                            const auth::Host& parent);

// The rules of a derived host, shared by `admin host derive`, the pages and the JSON API.
//
// Why `interface_id` and `prefix_length` cannot make a derived host (nullopt: they can): an
// IPv6 interface identifier has no bits inside the prefix (those are the router's) and some bits
// beyond it (else the derived address would be the prefix itself, the subnet-router anycast
// address), and the length is kMinPrefixLength to kMaxPrefixLength.
std::optional<std::string> derive_input_problem(const IpAddress& interface_id,
                                                unsigned prefix_length);

enum class DeriveRefusal {
    Itself,         // a host cannot follow itself
    OtherAccount,   // the router host is another account's
    OtherZone,      // one UPDATE message covers one zone
    RouterDerived,  // the router host is derived itself: no chains
    HasDerived,     // others derive from the host: no chains
};
// Why `host` cannot be derived from `router` among `hosts` (the account's hosts,
// Principal::hosts), nullopt when it can. The database checks the same in the statement that
// records it (sql/src/derive_sql.hpp), so a change meanwhile cannot slip through.
std::optional<DeriveRefusal> derive_refusal(const std::vector<auth::Host>& hosts,
                                            const auth::Host& host, const auth::Host& router);
// One sentence for a refusal, naming the router host.
std::string to_sentence(DeriveRefusal refusal, const DnsName& router);

}  // namespace ddns::gateway
