// The domain model shared by auth, sql and gateway: accounts, zones, hosts, tokens.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/nsupdate/dns_name.hpp"
#include "ddns/nsupdate/ip_address.hpp"
#include "ddns/nsupdate/tsig_key.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::auth {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

enum class Plan { Free, Domain };
std::string_view to_string(Plan plan) noexcept;
std::optional<Plan> parse_plan(std::string_view text) noexcept;

// What taking a host offline does to its A/AAAA (per zone, overridable per host): delete them, or
// point them at the sentinel addresses 0.0.0.0 / :: (DynamIP's behaviour).
enum class OfflineAction { Delete, Sentinel };
std::string_view to_string(OfflineAction action) noexcept;
std::optional<OfflineAction> parse_offline_action(std::string_view text) noexcept;

// Why a host is offline: missed heartbeats, its account expired, or its owner asked.
enum class OfflineReason { Heartbeat, Expired, Request };
std::string_view to_string(OfflineReason reason) noexcept;
std::optional<OfflineReason> parse_offline_reason(std::string_view text) noexcept;

struct Account {
    std::int64_t id = 0;
    std::string username;
    std::string email;
    Plan plan = Plan::Free;
    bool dynamic_updates = false;  // off until enabled (used by the /dynamic dialect)
    std::optional<TimePoint> expires_at;
    bool disabled = false;
    std::string password_hash;  // argon2id encoded string (not secret, but never logged)
    bool blocked = false;       // blocked by the operator (admin account block)
};

// The window of a host's updates that changed nothing: when its first one arrived (nullopt: no
// window open) and how many arrived since. See nochg_budget.hpp.
struct NochgWindow {
    std::optional<TimePoint> start;
    int count = 0;
};

struct Zone {
    std::int64_t id = 0;
    DnsName name;
    ServerEndpoint server;
    TsigKey key;
    std::uint32_t default_ttl = 60;
    // Set for a zone owned by a domain account: that account manages records in it.
    std::optional<std::int64_t> owner_account_id;
    // Heartbeat timeout of the zone's hosts that set none themselves (nullopt: none).
    std::optional<std::chrono::seconds> heartbeat_timeout{};
    OfflineAction offline_action = OfflineAction::Delete;
    // The operator lets the zone's hosts mirror their addresses at *.host (dyndns2 wildcard=ON;
    // migration 022).
    bool wildcard_allowed = false;
};

// Whether two loads of a zone are equal in every column (the TSIG secret compared in constant
// time).
bool same_zone(const Zone& a, const Zone& b);

struct Host {
    std::int64_t id = 0;
    std::int64_t account_id = 0;
    DnsName name;
    std::uint32_t ttl = 60;
    // The addresses the gateway last saw BIND acknowledge for this host.
    std::optional<IpAddress> ipv4;
    std::optional<IpAddress> ipv6;
    std::optional<TimePoint> last_seen;
    std::shared_ptr<const Zone> zone;  // never null
    // The timeout that applies (the host's own, else the zone's); nullopt: no heartbeat.
    std::optional<std::chrono::seconds> heartbeat_timeout{};
    // Taken offline (A/AAAA deleted or at the sentinel) until its next authenticated update.
    bool offline = false;
    bool blocked = false;  // blocked by the operator (admin host block)
    // The host's own no-change interval (zero: no budget); nullopt: the gateway's default.
    std::optional<std::chrono::seconds> nochg_interval{};
    NochgWindow nochg{};
    // The host's own offline action; nullopt: the zone's (see effective_offline_action()).
    std::optional<OfflineAction> offline_action{};
    // A records beyond ipv4 (hosts.extra_ipv4): a MyServer free account's Add joins the name's A
    // RRset, so the host's whole A set is ipv4 followed by these. Empty for every host no such
    // Add touched; any other update replaces the whole set. At most kMaxIpv4 - 1 of them.
    std::vector<IpAddress> extra_ipv4{};
    // IPv6 prefixes (migration 021, docs/design.md "IPv6 prefixes and derived hosts"): the last
    // prefix this host's router sent (dyndns2 ip6lanprefix or myip with /len).
    std::optional<IpNetwork> ipv6_prefix{};
    // Set for a host derived from another one's prefix: that host (same account and zone), and
    // the AAAA is the first prefix_length bits of its prefix followed by the rest of
    // interface_id. The derived AAAA changes in the same UPDATE message as that host's records.
    std::optional<std::int64_t> derive_from{};
    std::optional<IpAddress> interface_id{};
    unsigned prefix_length = 0;
    // The addresses are mirrored at *.<name> (dyndns2 wildcard=ON, where the zone allows it).
    bool wildcard = false;
    // The heartbeat timeout of the protocol that updates this host, recorded by its first update
    // in that protocol (DynamIP: kDynamipHeartbeat); applies when neither host nor zone set one.
    std::optional<std::chrono::seconds> protocol_heartbeat{};
};

// The most A records one host may hold (its round robin, see Host::extra_ipv4).
inline constexpr std::size_t kMaxIpv4 = 10;

// What an update token is for: updating addresses (every update dialect), or only answering
// ACME DNS-01 challenges (the acme-dns and httpreq endpoints).
enum class TokenPurpose { Update, Acme };
std::string_view to_string(TokenPurpose purpose) noexcept;
std::optional<TokenPurpose> parse_token_purpose(std::string_view text) noexcept;

// The least-privilege limits a token carries besides its host (migration 019).
struct TokenLimits {
    TokenPurpose purpose = TokenPurpose::Update;
    // Allowed source networks; empty: from anywhere.
    std::vector<IpNetwork> networks{};
    // Unusable this long after creation, and after this long without a use.
    std::optional<std::chrono::seconds> max_age{};
    std::optional<std::chrono::seconds> max_unused{};
};

// How stale a token's recorded last use may be: a use is written to the database only when the
// recorded one is older than this or came from another address, so the hot path rarely writes.
// max_unused is therefore exact to within this interval.
inline constexpr std::chrono::seconds kTokenUseRecordInterval{300};

// What a credential check found: the account, the hosts it owns, and, when the presented secret
// was an update token, which token (and the host it is limited to, if any).
struct TokenMatch {
    std::int64_t token_id = 0;
    std::optional<std::int64_t> host_id;  // token limited to this host
    TokenLimits limits{};
    TimePoint created{};
    std::optional<TimePoint> last_used{};
    std::optional<IpAddress> last_used_address{};

    // Whether the token may be used at all, from `client` at `now`: inside its networks (an
    // unknown client is outside any), younger than max_age, used within max_unused. A token that
    // fails this is no credential (BadCredentials, counted by the throttle) in every dialect.
    bool usable(const std::optional<IpAddress>& client, TimePoint now) const;
    // Whether a use from `client` at `now` should be written (see kTokenUseRecordInterval).
    bool use_worth_recording(const std::optional<IpAddress>& client, TimePoint now) const;
};

struct Principal {
    Account account;
    std::vector<Host> hosts;
    std::optional<TokenMatch> token;
    // Zones this account owns (domain accounts), by name.
    std::vector<std::shared_ptr<const Zone>> owned_zones;

    // The one rule of what this credential may change, used by every dialect and the
    // authenticator: a host of the account, and within the token's scope when the secret was a
    // token limited to one host (the account's other hosts are then invisible to it); never with
    // an ACME token. (Whether a token is usable at all, its networks and expiry, is
    // TokenMatch::usable, which the authenticator applies before any dialect sees it.)
    bool may_update(const Host& host) const;
    // The hosts may_update allows, in the account's order.
    std::vector<const Host*> updatable_hosts() const;
    // The host called `name` that may_update allows; nullptr when there is none.
    const Host* updatable_host(const DnsName& name) const;
    // Whether the credential may answer ACME DNS-01 challenges of `host` (TXT records at
    // `_acme-challenge.<host>`): the account's own password, or a token whose purpose is ACME
    // within its host scope. An update token may not (and an ACME token may not update).
    bool may_answer_challenge(const Host& host) const;
    // Whether the credential reaches the account's zones as a whole (records, listings): not
    // when it is a token limited to one host or to ACME challenges.
    bool may_manage_zones() const;
};

}  // namespace ddns::auth
