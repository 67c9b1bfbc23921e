// Which address a request comes from (protocols.md §6): the TCP peer, unless the peer is a
// configured trusted proxy; only then are `Forwarded` (RFC 7239) or `X-Forwarded-For` read, from
// the right, skipping trusted proxies. Headers sent by anyone else are ignored.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/nsupdate/ip_address.hpp"

namespace ddns::gateway {

class TrustedProxies {
public:
    explicit TrustedProxies(std::vector<IpNetwork> networks = {})
        : networks_(std::move(networks)) {}

    // Comma-separated prefixes or bare addresses ("10.0.0.0/8, 2001:db8::1"); spaces around
    // items are ignored. An empty (or all-blank) string means no trusted proxies. nullopt when any
    // item is not a valid prefix (including empty items such as "a,,b").
    static std::optional<TrustedProxies> parse(std::string_view csv_cidrs);

    bool contains(const IpAddress& address) const;
    bool empty() const { return networks_.empty(); }
    const std::vector<IpNetwork>& networks() const { return networks_; }

private:
    std::vector<IpNetwork> networks_;
};

// `peer` is the TCP peer; `forwarded` and `x_forwarded_for` are the header values (all field
// lines joined with ","), nullopt when absent. `Forwarded` wins when it has any content.
//
// The hops are walked from the right; trusted proxies are skipped and the first address that is
// not a trusted proxy is the client. When a hop cannot be used (unparsable, "unknown", an
// obfuscated "_id", an element without for=, a zone id), the walk stops and the last address that
// was validly parsed is returned: the nearest trusted proxy, never anything a client wrote further
// left. When every hop is a trusted proxy, the leftmost one is returned.
//
// Caveat for operators: if the proxy sets only X-Forwarded-For but passes a client's own
// `Forwarded` header through, that header would be read; such a proxy must strip `Forwarded`.
// Which forwarding header the trusted proxies set. `Auto` (protocols.md §6): Forwarded when
// present, else X-Forwarded-For. Naming the one header the proxy really writes is safer: a proxy
// that only sets X-Forwarded-For but passes a client's own Forwarded through would otherwise let
// the client choose its address.
enum class ProxyHeader { Auto, Forwarded, XForwardedFor };

IpAddress resolve_client_address(const IpAddress& peer, const std::optional<std::string>& forwarded,
                                 const std::optional<std::string>& x_forwarded_for,
                                 const TrustedProxies& trusted,
                                 ProxyHeader header = ProxyHeader::Auto);

// False when the peer is a trusted proxy and the forwarding header resolve_client_address would
// read is present but names no usable client before the trusted hops end (empty, "unknown", an
// obfuscated "_id", not an address): such a request is refused (400) rather than taken as coming
// from the proxy itself.
bool forwarding_usable(const IpAddress& peer, const std::optional<std::string>& forwarded,
                       const std::optional<std::string>& x_forwarded_for,
                       const TrustedProxies& trusted, ProxyHeader header = ProxyHeader::Auto);

// Whether the client spoke HTTPS (protocols.md §6): the connection's own scheme, unless the peer
// is a trusted proxy that reports one, in the header resolve_client_address reads (`auto`:
// Forwarded when present): `proto=` of the rightmost Forwarded element that has one, or the
// rightmost item of X-Forwarded-Proto. `https` and `http` (any case) count; anything else, or
// no report, leaves the connection's scheme. With `x-forwarded-for` the proxy must set
// X-Forwarded-Proto itself (nginx: `proxy_set_header X-Forwarded-Proto $scheme`), or a client's
// own value passes through.
bool resolve_client_tls(bool connection_tls, const IpAddress& peer,
                        const std::optional<std::string>& forwarded,
                        const std::optional<std::string>& x_forwarded_proto,
                        const TrustedProxies& trusted, ProxyHeader header = ProxyHeader::Auto);

// The building blocks, exposed for tests and fuzzing. One entry per hop, left to right; an entry
// is nullopt when that hop does not name a usable address.
std::vector<std::optional<IpAddress>> parse_forwarded_for(std::string_view header);
std::vector<std::optional<IpAddress>> parse_x_forwarded_for(std::string_view header);
// The scheme reported by one header: true for https, false for http, nullopt for none or other.
std::optional<bool> forwarded_proto_tls(std::string_view header);
std::optional<bool> x_forwarded_proto_tls(std::string_view header);

}  // namespace ddns::gateway
