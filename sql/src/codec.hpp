// Conversions between the value types and the text PostgreSQL sends and receives. Stored data
// that does not parse is an unexpected fault (auth::StoreError), not a value.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connection.hpp"
#include "ddns/auth/model.hpp"
#include "ddns/auth/store.hpp"
#include "ddns/nsupdate/dns_name.hpp"
#include "ddns/nsupdate/ip_address.hpp"
#include "ddns/nsupdate/tsig_key.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::sql {

// Timestamps travel as integer microseconds since the Unix epoch: written as
// to_timestamp($n::bigint / 1000000.0), read as (extract(epoch FROM col) * 1000000)::bigint.

inline Param micros_param(auth::TimePoint t) {
    return std::to_string(
        std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

inline auth::TimePoint time_from_micros(std::int64_t micros) {
    return auth::TimePoint(
        std::chrono::duration_cast<auth::Clock::duration>(std::chrono::microseconds(micros)));
}

inline std::optional<auth::TimePoint> opt_time(const Result& r, int row, int col) {
    if (auto micros = r.opt_int64(row, col)) return time_from_micros(*micros);
    return std::nullopt;
}

inline Param address_param(const std::optional<IpAddress>& address) {
    if (!address) return std::nullopt;
    return address->to_string();
}

inline DnsName stored_name(std::string_view text) {
    auto name = DnsName::parse(text);
    if (!name) throw auth::StoreError("database: stored name is not a valid DNS name");
    return *std::move(name);
}

inline std::optional<IpAddress> stored_address(std::optional<std::string_view> text) {
    if (!text) return std::nullopt;
    auto address = IpAddress::parse(*text);
    if (!address) throw auth::StoreError("database: stored address does not parse");
    return address;
}

// hosts.ipv6_prefix (migration 021) as written and as read (its ::text, "2001:db8::/56").
inline Param network_param(const std::optional<IpNetwork>& network) {
    if (!network) return std::nullopt;
    return network->to_string();
}
inline std::optional<IpNetwork> stored_network(std::optional<std::string_view> text) {
    if (!text) return std::nullopt;
    auto network = IpNetwork::parse(*text);
    if (!network) throw auth::StoreError("database: stored prefix does not parse");
    return network;
}

// hosts.extra_ipv4 as written: an inet[] literal.
inline Param addresses_param(const std::vector<IpAddress>& addresses) {
    std::string out = "{";
    for (std::size_t i = 0; i < addresses.size(); ++i)
        out += (i ? "," : "") + addresses[i].to_string();
    return out + "}";
}

// hosts.extra_ipv4 as read: host_list() (migration 012), addresses separated by spaces.
inline std::vector<IpAddress> stored_addresses(std::string_view text) {
    std::vector<IpAddress> out;
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        if (space != 0) {
            if (auto address = stored_address(text.substr(0, space))) out.push_back(*address);
        }
        if (space == std::string_view::npos) break;
        text.remove_prefix(space + 1);
    }
    return out;
}

// tokens.networks as written: a cidr[] literal.
inline Param networks_param(const std::vector<IpNetwork>& networks) {
    std::string out = "{";
    for (std::size_t i = 0; i < networks.size(); ++i)
        out += (i ? "," : "") + networks[i].to_string();
    return out + "}";
}

// tokens.networks as read: cidr_list() (migration 019), networks separated by spaces.
inline std::vector<IpNetwork> stored_networks(std::string_view text) {
    std::vector<IpNetwork> out;
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        if (auto network = IpNetwork::parse(text.substr(0, space))) {
            out.push_back(*network);
        } else if (space != 0) {
            throw auth::StoreError("database: stored token network is malformed");
        }
        if (space == std::string_view::npos) break;
        text.remove_prefix(space + 1);
    }
    return out;
}

inline Param opt_seconds_param(const std::optional<std::chrono::seconds>& s) {
    if (!s) return {};
    return std::to_string(s->count());
}

// Four consecutive columns from `first`: tokens.purpose, cidr_list(tokens.networks),
// tokens.max_age_seconds, tokens.max_unused_seconds (migration 019).
inline auth::TokenLimits stored_limits(const Result& r, int row, int first) {
    auth::TokenLimits limits;
    auto purpose = auth::parse_token_purpose(r.text(row, first));
    if (!purpose) throw auth::StoreError("database: stored token purpose is unknown");
    limits.purpose = *purpose;
    limits.networks = stored_networks(r.text(row, first + 1));
    if (auto s = r.opt_int64(row, first + 2)) limits.max_age = std::chrono::seconds(*s);
    if (auto s = r.opt_int64(row, first + 3)) limits.max_unused = std::chrono::seconds(*s);
    return limits;
}

inline std::uint32_t stored_ttl(std::int64_t ttl) {
    if (ttl < 0 || ttl > INT32_MAX) throw auth::StoreError("database: stored TTL out of range");
    return static_cast<std::uint32_t>(ttl);
}

inline std::uint16_t stored_port(std::int64_t port) {
    if (port < 1 || port > 65535) throw auth::StoreError("database: stored port out of range");
    return static_cast<std::uint16_t>(port);
}

// Reads a zone from nine consecutive columns starting at `first`: id, name, server_address,
// server_port, tsig_key_name, tsig_algorithm, tsig_secret, default_ttl, owner_account_id.

inline auth::Zone zone_from_row(const Result& r, int row, int first) {
    auto address = IpAddress::parse(r.text(row, first + 2));
    if (!address) throw auth::StoreError("database: stored zone server address does not parse");
    auto key =
        make_tsig_key(r.text(row, first + 4), r.text(row, first + 5), r.text(row, first + 6));
    // The error text names the problem without the secret; the zone id locates the row.
    if (!key) {
        throw auth::StoreError("database: stored TSIG key of zone " +
                               std::to_string(r.int64(row, first)) + " is invalid: " + key.error());
    }
    return auth::Zone{r.int64(row, first),
                      stored_name(r.text(row, first + 1)),
                      ServerEndpoint{*address, stored_port(r.int64(row, first + 3))},
                      std::move(key).value(),
                      stored_ttl(r.int64(row, first + 7)),
                      r.opt_int64(row, first + 8)};
}

inline std::string id_param(std::int64_t id) {
    return std::to_string(id);
}

// A boolean in PostgreSQL's text form (a parameter cast to boolean, or an element of a boolean[]).
inline std::string bool_param(bool b) {
    return b ? "true" : "false";
}

// A bigint[] parameter in PostgreSQL's text form ({1,2,3}) from any range of ids.
template <typename Ids>
std::string id_array(const Ids& ids) {
    std::string out = "{";
    for (const std::int64_t id : ids) out += (out.size() > 1 ? "," : "") + id_param(id);
    return out + "}";
}

inline Param opt_id_param(const std::optional<std::int64_t>& id) {
    if (!id) return std::nullopt;
    return id_param(*id);
}

// The row of the zone with the most labels that contains `fqdn` (-1 if none). Few zones:
// chosen here with DnsName's rules rather than in SQL.
inline int innermost_zone_row(const Result& zones, int name_col, const DnsName& fqdn) {
    int best = -1;
    std::size_t best_labels = 0;
    for (int row = 0; row < zones.rows(); ++row) {
        const DnsName zone = stored_name(zones.text(row, name_col));
        if (fqdn.is_at_or_below(zone) && (best < 0 || zone.label_count() > best_labels)) {
            best = row;
            best_labels = zone.label_count();
        }
    }
    return best;
}

}  // namespace ddns::sql
