// Operator-facing data operations behind `ddns-gateway admin`: zones, accounts, hosts, tokens.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/nsupdate/expected.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {

enum class AdminError {
    AlreadyExists,  // unique violation (zone, account, host name taken)
    NotFound,       // the thing to remove/show does not exist
    NoSuchAccount,
    NoSuchZone,  // no zone contains the host name
    NoSuchHost,
    StillInUse,        // e.g. removing a zone that still has hosts
    NotDomainAccount,  // a zone's owner must be on the domain plan
    HoldsRecords,      // a host cannot take a name that holds records
    // A derived host needs another host of its account and zone that is not derived itself, and
    // a host others derive from cannot become derived (no chains).
    NotDerivable,
};
std::string_view to_string(AdminError error) noexcept;

struct ZoneSpec {
    DnsName name;
    ServerEndpoint server;
    const TsigKey* key = nullptr;  // required
    std::uint32_t default_ttl = 60;
    std::optional<std::string> owner = std::nullopt;  // username of the owning domain account
};

struct ZoneSummary {
    std::int64_t id = 0;
    DnsName name;
    ServerEndpoint server;
    std::string key_name;
    std::string key_algorithm;
    std::uint32_t default_ttl = 60;
    std::int64_t host_count = 0;
    std::optional<std::string> owner = std::nullopt;  // username
    std::int64_t record_count = 0;
    std::optional<std::chrono::seconds> heartbeat_timeout{};  // default of its hosts; none
    auth::OfflineAction offline_action = auth::OfflineAction::Delete;
};

struct AccountSummary {
    std::int64_t id = 0;
    std::string username;
    std::string email;
    auth::Plan plan = auth::Plan::Free;
    bool dynamic_updates = false;
    bool disabled = false;
    std::optional<auth::TimePoint> expires_at;
    std::int64_t host_count = 0;
    std::optional<auth::TimePoint> blocked_at{};  // set while blocked (admin account block)
    std::string block_reason{};
};

struct HostSummary {
    std::int64_t id = 0;
    DnsName name;
    DnsName zone;
    std::string username;
    std::uint32_t ttl = 60;
    std::optional<IpAddress> ipv4;
    std::optional<IpAddress> ipv6;
    std::optional<auth::TimePoint> last_seen;
    // The host's own heartbeat setting (nullopt: the zone's applies; zero: none) and the zone's.
    std::optional<std::chrono::seconds> heartbeat_setting{};
    std::optional<std::chrono::seconds> zone_heartbeat{};
    std::optional<auth::TimePoint> offline_since{};  // set while offline
    std::optional<auth::OfflineReason> offline_reason{};
    std::optional<auth::TimePoint> blocked_at{};  // set while blocked (admin host block)
    std::string block_reason{};
    // The host's own no-change interval (nullopt: the gateway's default; zero: none).
    std::optional<std::chrono::seconds> nochg_setting{};
    // The host's own offline action (nullopt: the zone's) and the zone's.
    std::optional<auth::OfflineAction> offline_action_setting{};
    auth::OfflineAction zone_offline_action = auth::OfflineAction::Delete;
    bool ttl_own = false;   // false: `ttl` follows the zone's default_ttl
    bool wildcard = false;  // the addresses are mirrored at *.<name> (hosts.wildcard)
};

// A host derived from another one's IPv6 prefix (migration 021, auth::Host::derive_from).
struct DeriveSpec {
    DnsName from;
    IpAddress interface_id;  // IPv6; only its bits beyond prefix_length count
    unsigned prefix_length = 64;
};

// A derived host as `host derive` shows it.
struct DerivedHost {
    DnsName name;
    DnsName from;
    IpAddress interface_id;
    unsigned prefix_length = 64;
};

struct TokenSummary {
    std::int64_t id = 0;
    std::string username;
    std::optional<DnsName> host;
    auth::TimePoint created;
    std::optional<auth::TimePoint> last_used;
    // Update tokens only (migrations 014, 019); API tokens leave the defaults.
    std::string name{};
    auth::TokenLimits limits{};
    std::optional<IpAddress> last_used_address{};
};

class AdminRepository {
public:
    explicit AdminRepository(Database& db) : db_(db) {}

    // With an owner: NoSuchAccount, or NotDomainAccount unless it is on the domain plan.
    Expected<std::int64_t, AdminError> add_zone(const ZoneSpec& spec);
    std::vector<ZoneSummary> list_zones();
    // Refuses (StillInUse) while hosts or records exist in the zone.
    std::optional<AdminError> remove_zone(const DnsName& name);
    // The zone row with its key, for DNS work done by admin commands.
    std::optional<auth::Zone> find_zone(const DnsName& name);
    // The innermost zone containing `name`: the zone a host or record of that name belongs to.
    std::optional<auth::Zone> find_zone_containing(const DnsName& name);
    // The account that owns zone `zone_id`, if any.
    std::optional<AccountSummary> zone_owner(std::int64_t zone_id);

    // Heartbeat timeout of the zone's hosts that set none (nullopt: none). NotFound when unknown.
    std::optional<AdminError> set_zone_heartbeat(const DnsName& zone,
                                                 std::optional<std::chrono::seconds> timeout);
    std::optional<AdminError> set_zone_offline_action(const DnsName& zone,
                                                      auth::OfflineAction action);

    Expected<std::int64_t, AdminError> add_account(std::string_view username,
                                                   std::string_view email, auth::Plan plan,
                                                   std::string_view password_hash);
    std::vector<AccountSummary> list_accounts();
    // Replaces the password hash (NoSuchAccount when unknown). Cached password checks miss at
    // once: the authenticator's cache key includes the stored hash.
    std::optional<AdminError> set_password_hash(std::string_view username,
                                                std::string_view password_hash);
    // Sets the account's expiry (nullopt: never expires) and returns what PostgreSQL stored
    // (microsecond precision). NoSuchAccount when unknown. Updates are refused from the next
    // request on; taking the account's hosts offline is the sweeper's job.
    Expected<std::optional<auth::TimePoint>, AdminError> set_expiry(
        std::string_view username, const std::optional<auth::TimePoint>& expires_at);

    // Switches the /dynamic endpoint on or off for the account (NoSuchAccount when unknown).
    // Takes effect with the account's next request: every request reads the account afresh.
    std::optional<AdminError> set_dynamic_updates(std::string_view username, bool enabled);
    // Removes the account, its tokens and its (already DNS-cleared) hosts. Refuses (StillInUse)
    // while the account owns zones.
    std::optional<AdminError> remove_account(std::string_view username);

    // The host goes into the zone with the longest name that contains it. Refuses a name that
    // holds records (HoldsRecords).
    Expected<std::int64_t, AdminError> add_host(const DnsName& fqdn, std::string_view username);
    std::vector<HostSummary> list_hosts(std::optional<std::string_view> username = std::nullopt);
    std::optional<HostSummary> find_host(const DnsName& fqdn);
    std::optional<AdminError> remove_host(const DnsName& fqdn);
    // The host's own heartbeat timeout: nullopt follows the zone, zero is none. NotFound when
    // the host is unknown.
    std::optional<AdminError> set_host_heartbeat(const DnsName& fqdn,
                                                 std::optional<std::chrono::seconds> setting);
    // The host's own offline action: nullopt follows the zone. NotFound when the host is
    // unknown. Takes effect with the host's next offline transition.
    // Declares `fqdn` derived from spec->from (admin_prefix.cpp), or an ordinary host again
    // (nullopt; its AAAA stays until its next update). NotFound, NoSuchHost (spec->from),
    // NotDerivable.
    std::optional<AdminError> set_host_derived(const DnsName& fqdn,
                                               const std::optional<DeriveSpec>& spec);
    // Lets the zone's hosts mirror their addresses at *.<host> (dyndns2 wildcard=ON), or not.
    std::optional<AdminError> set_zone_wildcard(const DnsName& zone, bool allowed);
    // The derived hosts of an account (every account when nullopt), by name.
    std::vector<DerivedHost> list_derived(std::optional<std::string_view> username);
    std::optional<AdminError> set_host_offline_action(const DnsName& fqdn,
                                                      std::optional<auth::OfflineAction> action);

    // Abuse control (admin_abuse.cpp). A block takes effect with the next request (every
    // request reads the account and its hosts afresh); unblocking also forgets the host's
    // no-change window, so the operator's decision is not overridden by an old count. NotFound
    // (hosts) or NoSuchAccount when unknown. `reason` is at most 256 characters.
    std::optional<AdminError> set_host_block(const DnsName& fqdn,
                                             const std::optional<std::string>& reason, bool blocked,
                                             auth::TimePoint now);
    std::optional<AdminError> set_account_block(std::string_view username,
                                                const std::optional<std::string>& reason,
                                                bool blocked, auth::TimePoint now);
    // The host's own no-change interval: nullopt follows abuse.nochg_interval, zero is none.
    // Clears its current window.
    std::optional<AdminError> set_host_nochg_interval(const DnsName& fqdn,
                                                      std::optional<std::chrono::seconds> setting);

    // A token of the account, limited to `host` when set, with its name and limits (purpose,
    // source networks, max_age, max_unused).
    Expected<std::int64_t, AdminError> add_token(std::string_view username,
                                                 const std::optional<DnsName>& host,
                                                 std::string_view digest,
                                                 std::string_view name = {},
                                                 const auth::TokenLimits& limits = {});
    std::vector<TokenSummary> list_tokens(std::optional<std::string_view> username = std::nullopt);
    std::optional<AdminError> remove_token(std::int64_t id);

    // Self-service (admin_self_service.cpp). A public zone lets free accounts pick names in it
    // (NotFound when unknown); an invite is a one-time sign-up code (its digest); API tokens
    // are the JSON API's credentials, never accepted by an update protocol.
    std::optional<AdminError> set_zone_public(const DnsName& zone, bool open);
    void add_invite(std::string_view digest, auth::TimePoint expires);
    Expected<std::int64_t, AdminError> add_api_token(std::string_view username,
                                                     std::string_view name,
                                                     std::string_view digest);
    std::vector<TokenSummary> list_api_tokens(std::optional<std::string_view> username);
    std::optional<AdminError> remove_api_token(std::int64_t id);

    // Plain settings (admin_settings.cpp); each takes effect with the next request, which reads
    // the account, its hosts and their zones afresh. NoSuchAccount / NotFound when unknown.
    // A disabled account is refused by every dialect, the pages and the API.
    std::optional<AdminError> set_account_disabled(std::string_view username, bool disabled);
    // StillInUse when leaving the domain plan while the account owns zones.
    std::optional<AdminError> set_account_plan(std::string_view username, auth::Plan plan);
    // The zone's default TTL, also for its hosts without a TTL of their own (their number is
    // returned). Records already in BIND keep their TTL until the gateway writes them again.
    Expected<std::int64_t, AdminError> set_zone_ttl(const DnsName& zone, std::uint32_t ttl);
    // The host's own TTL, or nullopt: follow the zone's. Returns the TTL now in effect.
    Expected<std::uint32_t, AdminError> set_host_ttl(const DnsName& fqdn,
                                                     std::optional<std::uint32_t> ttl);
    // Moves the zone to another primary and/or key (the caller probed them first).
    std::optional<AdminError> set_zone_server(const DnsName& zone, const ServerEndpoint& server,
                                              const TsigKey& key);

private:
    Database& db_;
};

}  // namespace ddns::sql
