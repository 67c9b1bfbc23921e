#include "ddns/sql/pg_store.hpp"

#include <map>
#include <memory>

#include "codec.hpp"
#include "connection.hpp"
#include "host_writes.hpp"
#include "lifecycle_sql.hpp"

namespace ddns::sql {
namespace {

// One round trip: the account, its token matching the digest (if any), and one row per host
// with its zone (a single row with NULL host columns when the account has none), plus one row
// per zone the account owns (NULL host columns), so hosts and owned zones add up instead of
// multiplying. A matched token comes with its limits (migration 019); its use is recorded by
// record_token_use, once the authenticator found it usable.
constexpr std::string_view kLoadPrincipal = R"sql(
WITH account AS (
    SELECT * FROM accounts WHERE lower(username) = lower($1)
), token AS (
    SELECT t.* FROM tokens t JOIN account a ON t.account_id = a.id
    WHERE t.digest = $2
)
SELECT a.id, a.username, a.email, a.plan, a.dynamic_updates,
       (extract(epoch FROM a.expires_at) * 1000000)::bigint, a.disabled, a.password_hash,
       tk.id, tk.host_id,
       h.id, h.name, h.ttl, host(h.ipv4), host(h.ipv6),
       (extract(epoch FROM h.last_seen) * 1000000)::bigint,
       z.id, z.name, z.server_address, z.server_port, z.tsig_key_name, z.tsig_algorithm,
       z.tsig_secret, z.default_ttl, z.owner_account_id,
       h.heartbeat_seconds, h.offline_since IS NOT NULL, z.heartbeat_seconds, z.offline_action,
       a.blocked_at IS NOT NULL, coalesce(h.blocked_at IS NOT NULL, false),
       h.nochg_interval_seconds, (extract(epoch FROM h.nochg_window_start) * 1000000)::bigint,
       coalesce(h.nochg_count, 0), h.offline_action, host_list(h.extra_ipv4),
       h.ipv6_prefix::text, h.derive_from, host(h.interface_id), h.prefix_length,
       coalesce(h.wildcard, false), h.protocol_heartbeat_seconds, z.wildcard_allowed,
       tk.purpose, cidr_list(tk.networks), tk.max_age_seconds, tk.max_unused_seconds,
       (extract(epoch FROM tk.created_at) * 1000000)::bigint,
       (extract(epoch FROM tk.last_used) * 1000000)::bigint, host(tk.last_used_address)
FROM account a
LEFT JOIN token tk ON true
CROSS JOIN LATERAL (SELECT NULL::bigint AS zone_id
                    UNION ALL SELECT id FROM zones WHERE owner_account_id = a.id) owned
LEFT JOIN hosts h ON h.account_id = a.id AND owned.zone_id IS NULL
LEFT JOIN zones z ON z.id = coalesce(h.zone_id, owned.zone_id)
ORDER BY h.name, z.name)sql";

enum Col : int {
    kAccountId,
    kUsername,
    kEmail,
    kPlan,
    kDynamicUpdates,
    kExpiresAt,
    kDisabled,
    kPasswordHash,
    kTokenId,
    kTokenHostId,
    kHostId,
    kHostName,
    kHostTtl,
    kHostIpv4,
    kHostIpv6,
    kHostLastSeen,
    kZoneFirst,
};
// After the zone's nine columns: the host lifecycle (migration 003).
constexpr int kHostHeartbeat = kZoneFirst + 9;
constexpr int kHostOffline = kZoneFirst + 10;
constexpr int kZoneLifecycleFirst = kZoneFirst + 11;
// After the zone's two lifecycle columns: blocks and the no-change window (migration 005).
constexpr int kAccountBlocked = kZoneLifecycleFirst + 2;
constexpr int kHostBlocked = kAccountBlocked + 1;
constexpr int kHostNochgInterval = kAccountBlocked + 2;
constexpr int kHostNochgStart = kAccountBlocked + 3;
constexpr int kHostNochgCount = kAccountBlocked + 4;
// The host's own offline action (migration 006).
constexpr int kHostOfflineAction = kAccountBlocked + 5;
// The host's A records beyond ipv4 (migration 012).
constexpr int kHostExtraIpv4 = kHostOfflineAction + 1;
// IPv6 prefixes and derived hosts (migration 021).
constexpr int kHostIpv6Prefix = kHostExtraIpv4 + 1;
constexpr int kHostDeriveFrom = kHostExtraIpv4 + 2;
constexpr int kHostInterfaceId = kHostExtraIpv4 + 3;
constexpr int kHostPrefixLength = kHostExtraIpv4 + 4;
// The wildcard mirror and the protocol's heartbeat default (migration 022).
constexpr int kHostWildcard = kHostPrefixLength + 1;
constexpr int kHostProtocolHeartbeat = kHostPrefixLength + 2;
constexpr int kZoneWildcardAllowed = kHostPrefixLength + 3;
// The matched token's limits and last use (migration 019).
constexpr int kTokenPurpose = kZoneWildcardAllowed + 1;
// (+1 networks, +2 max_age, +3 max_unused: read together by stored_limits)
constexpr int kTokenCreated = kTokenPurpose + 4;
constexpr int kTokenLastUsed = kTokenPurpose + 5;
constexpr int kTokenLastUsedAddress = kTokenPurpose + 6;

constexpr std::string_view kRecordTokenUse = R"sql(
UPDATE tokens SET last_used = to_timestamp($2::bigint / 1000000.0),
                  last_used_address = coalesce($3::inet, last_used_address)
WHERE id = $1::bigint)sql";

// ORDER BY puts the Sort below the row locks, so rows are locked in id order: two changes over
// overlapping hosts wait for each other instead of deadlocking. Besides the state, the same
// statement reads what shapes the host's UPDATE (auth::HostSettings: its TTL, offline action,
// derivation, and its zone's row), so that a change never writes what a cached principal
// remembers of them. Only the hosts are locked (OF h): every change of a zone reads its row,
// and a lock on it would serialise them with each other and with the zone's record changes.
constexpr std::string_view kLockHosts = R"sql(
SELECT h.id, host(h.ipv4), host(h.ipv6), h.offline_since IS NOT NULL,
       h.dns_in_doubt_since IS NOT NULL, host_list(h.extra_ipv4), h.ipv6_prefix::text,
       h.wildcard, txid_current(),
       h.ttl, h.offline_action, h.derive_from, host(h.interface_id), h.prefix_length,
       z.id, z.name, z.server_address, z.server_port, z.tsig_key_name, z.tsig_algorithm,
       z.tsig_secret, z.default_ttl, z.owner_account_id, z.heartbeat_seconds, z.offline_action,
       z.wildcard_allowed
FROM hosts h JOIN zones z ON z.id = h.zone_id
WHERE h.id = ANY($1::bigint[]) ORDER BY h.id FOR UPDATE OF h)sql";
// Columns of kLockHosts after the state: the host's settings, then the zone's (zone_from_row's
// nine, read_zone_lifecycle's two, wildcard_allowed).
constexpr int kLockedTtl = 9;
constexpr int kLockedZoneFirst = kLockedTtl + 5;
constexpr int kLockedZoneLifecycle = kLockedZoneFirst + 9;
constexpr int kLockedZoneWildcard = kLockedZoneLifecycle + 2;

constexpr std::string_view kRecordPrefix =
    "UPDATE hosts SET ipv6_prefix = $2::cidr WHERE id = $1::bigint";

constexpr std::string_view kRecordWildcard =
    "UPDATE hosts SET wildcard = $2::boolean WHERE id = $1::bigint";

constexpr std::string_view kSetProtocolHeartbeat =
    "UPDATE hosts SET protocol_heartbeat_seconds = $2::integer WHERE id = $1::bigint";

// The no-change path without a lock of its own: the row update waits for a change or a sweep
// holding the row, then re-evaluates the WHERE on the row they left (READ COMMITTED), so a
// host that was taken offline or changed meanwhile matches nothing. The same statement counts
// the update in the host's no-change window of $5 seconds (0: none), so instances sharing the
// database count together and the count survives restarts. SET sees the row as it was.
constexpr std::string_view kRecordSeenIfUnchanged = R"sql(
UPDATE hosts SET last_seen = to_timestamp($4::bigint / 1000000.0),
  nochg_window_start = CASE
      WHEN $5::integer = 0 THEN NULL
      WHEN nochg_window_start > to_timestamp($4::bigint / 1000000.0) - make_interval(secs => $5::integer)
          THEN nochg_window_start
      ELSE to_timestamp($4::bigint / 1000000.0) END,
  nochg_count = CASE
      WHEN $5::integer = 0 THEN 0
      WHEN nochg_window_start > to_timestamp($4::bigint / 1000000.0) - make_interval(secs => $5::integer)
          THEN nochg_count + 1
      ELSE 1 END
WHERE id = $1::bigint AND offline_since IS NULL AND dns_in_doubt_since IS NULL
  AND extra_ipv4 = '{}' AND ipv4 IS NOT DISTINCT FROM $2::inet AND ipv6 IS NOT DISTINCT FROM $3::inet
  AND ipv6_prefix IS NOT DISTINCT FROM $6::cidr AND wildcard = $7::boolean
RETURNING (extract(epoch FROM nochg_window_start) * 1000000)::bigint, nochg_count)sql";

auth::Account account_from_row(const Result& r) {
    auth::Account account;
    account.id = r.int64(0, kAccountId);
    account.username = std::string(r.text(0, kUsername));
    account.email = std::string(r.text(0, kEmail));
    auto plan = auth::parse_plan(r.text(0, kPlan));
    if (!plan) throw auth::StoreError("database: stored plan is unknown");
    account.plan = *plan;
    account.dynamic_updates = r.boolean(0, kDynamicUpdates);
    account.expires_at = opt_time(r, 0, kExpiresAt);
    account.disabled = r.boolean(0, kDisabled);
    account.password_hash = std::string(r.text(0, kPasswordHash));
    account.blocked = r.boolean(0, kAccountBlocked);
    return account;
}

auth::TokenMatch token_from_row(const Result& r, std::int64_t token_id) {
    auth::TokenMatch token{token_id, r.opt_int64(0, kTokenHostId)};
    token.limits = stored_limits(r, 0, kTokenPurpose);
    token.created = time_from_micros(r.int64(0, kTokenCreated));
    token.last_used = opt_time(r, 0, kTokenLastUsed);
    token.last_used_address = stored_address(r.opt_text(0, kTokenLastUsedAddress));
    return token;
}

}  // namespace

std::optional<auth::Principal> PgStore::load_principal(std::string_view username,
                                                       std::string_view token_digest) {
    auto conn = db_.lease();
    auto r = conn->exec_prepared("load_principal", kLoadPrincipal,
                                 {std::string(username), std::string(token_digest)});
    if (r.rows() == 0) return std::nullopt;

    auth::Principal principal;
    principal.account = account_from_row(r);
    if (auto token_id = r.opt_int64(0, kTokenId)) {
        principal.token = token_from_row(r, *token_id);
    }
    // Hosts of one zone share one Zone object (it carries the TSIG key).
    std::map<std::int64_t, std::shared_ptr<const auth::Zone>> zones;
    for (int row = 0; row < r.rows(); ++row) {
        auto host_id = r.opt_int64(row, kHostId);
        auto zone_id = r.opt_int64(row, kZoneFirst);
        if (!zone_id) continue;
        auto& zone = zones[*zone_id];
        if (!zone) {
            auth::Zone loaded = zone_from_row(r, row, kZoneFirst);
            read_zone_lifecycle(loaded, r, row, kZoneLifecycleFirst);
            loaded.wildcard_allowed = r.boolean(row, kZoneWildcardAllowed);
            zone = std::make_shared<const auth::Zone>(std::move(loaded));
        }
        if (!host_id) {  // a row of a zone the account owns
            principal.owned_zones.push_back(zone);
            continue;
        }
        principal.hosts.push_back(auth::Host{
            *host_id,
            principal.account.id,
            stored_name(r.text(row, kHostName)),
            stored_ttl(r.int64(row, kHostTtl)),
            stored_address(r.opt_text(row, kHostIpv4)),
            stored_address(r.opt_text(row, kHostIpv6)),
            opt_time(r, row, kHostLastSeen),
            zone,
            auth::effective_heartbeat(opt_seconds(r, row, kHostHeartbeat), zone->heartbeat_timeout,
                                      opt_seconds(r, row, kHostProtocolHeartbeat)),
            r.boolean(row, kHostOffline),
            r.boolean(row, kHostBlocked),
            opt_seconds(r, row, kHostNochgInterval),
            auth::NochgWindow{opt_time(r, row, kHostNochgStart),
                              static_cast<int>(r.int64(row, kHostNochgCount))},
            read_host_offline_action(r, row, kHostOfflineAction),
            stored_addresses(r.opt_text(row, kHostExtraIpv4).value_or("")),
            stored_network(r.opt_text(row, kHostIpv6Prefix)),
            r.opt_int64(row, kHostDeriveFrom),
            stored_address(r.opt_text(row, kHostInterfaceId)),
            static_cast<unsigned>(r.opt_int64(row, kHostPrefixLength).value_or(0)),
            r.boolean(row, kHostWildcard),
            opt_seconds(r, row, kHostProtocolHeartbeat),
        });
    }
    return principal;
}

namespace {

std::shared_ptr<const auth::Zone> locked_zone(const Result& r, int row) {
    auth::Zone zone = zone_from_row(r, row, kLockedZoneFirst);
    read_zone_lifecycle(zone, r, row, kLockedZoneLifecycle);
    zone.wildcard_allowed = r.boolean(row, kLockedZoneWildcard);
    return std::make_shared<const auth::Zone>(std::move(zone));
}

auth::HostSettings locked_settings(const Result& r, int row,
                                   std::shared_ptr<const auth::Zone> zone) {
    return auth::HostSettings{
        stored_ttl(r.int64(row, kLockedTtl)),
        read_host_offline_action(r, row, kLockedTtl + 1),
        r.opt_int64(row, kLockedTtl + 2),
        stored_address(r.opt_text(row, kLockedTtl + 3)),
        static_cast<unsigned>(r.opt_int64(row, kLockedTtl + 4).value_or(0)),
        std::move(zone),
    };
}

// A transaction holding the row locks of the hosts being changed. Member order matters: the
// transaction (rolled back unless committed) ends before the lease returns the connection.
class PgHostChange final : public auth::HostChange {
public:
    PgHostChange(Database::Lease lease, const std::vector<std::int64_t>& host_ids)
        // BEGIN travels with the lock statement, and COMMIT with the write (commit()): two
        // round trips per message instead of four.
        : lease_(std::move(lease)),
          transaction_(*lease_, Statement{"lock_hosts", kLockHosts, {id_array(host_ids)}}) {
        const Result& r = transaction_.first_result();
        std::shared_ptr<const auth::Zone> zone;  // one message's hosts share their zone
        for (int row = 0; row < r.rows(); ++row) {
            if (!zone || zone->id != r.int64(row, kLockedZoneFirst)) zone = locked_zone(r, row);
            locked_.push_back(auth::StoredAddresses{
                r.int64(row, 0), stored_address(r.opt_text(row, 1)),
                stored_address(r.opt_text(row, 2)), r.boolean(row, 3), r.boolean(row, 4),
                stored_addresses(r.text(row, 5)), stored_network(r.opt_text(row, 6)),
                r.boolean(row, 7), locked_settings(r, row, zone)});
        }
        if (r.rows() > 0) transaction_id_ = r.int64(0, 8);
    }

    const std::vector<auth::StoredAddresses>& locked() const override { return locked_; }

    // The writes are gathered and sent as one statement at commit (host_writes.hpp).
    void record_applied(std::int64_t host_id, const std::optional<IpAddress>& ipv4,
                        const std::optional<IpAddress>& ipv6, auth::TimePoint now) override {
        writes_.applied(host_id, ipv4, ipv6, now);
    }

    void record_offline(std::int64_t host_id, const std::optional<IpAddress>& ipv4,
                        const std::optional<IpAddress>& ipv6, auth::OfflineReason reason,
                        auth::TimePoint now) override {
        writes_.offline(host_id, ipv4, ipv6, reason, now);
    }

    void record_extra_ipv4(std::int64_t host_id, const std::vector<IpAddress>& extra) override {
        writes_.extra_ipv4(host_id, extra);
    }

    void record_prefix(std::int64_t host_id, const std::optional<IpNetwork>& prefix) override {
        lease_->exec_prepared("record_prefix", kRecordPrefix,
                              {id_param(host_id), network_param(prefix)});
    }

    void record_wildcard(std::int64_t host_id, bool mirrored) override {
        lease_->exec_prepared("record_wildcard", kRecordWildcard,
                              {id_param(host_id), bool_param(mirrored)});
    }

    // Under the row lock a host in doubt is always sent to BIND in full, so recording it
    // settles it: last_seen written clears the mark.
    void record_seen(std::int64_t host_id, auth::TimePoint now) override {
        writes_.seen(host_id, now);
    }

    void commit() override { writes_.flush_and_commit(transaction_); }

    std::optional<std::int64_t> transaction_id() const override { return transaction_id_; }

private:
    Database::Lease lease_;
    Transaction transaction_;
    std::vector<auth::StoredAddresses> locked_;
    std::optional<std::int64_t> transaction_id_;  // txid_current(), read with the locks
    HostWrites writes_;
};

}  // namespace

std::unique_ptr<auth::HostChange> PgStore::begin_change(const std::vector<std::int64_t>& host_ids) {
    return std::make_unique<PgHostChange>(db_.lease(), host_ids);
}

bool PgStore::record_seen_if_unchanged(const auth::StoredAddresses& expected, auth::TimePoint now) {
    return count_seen_if_unchanged(expected, now, std::chrono::seconds::zero()).has_value();
}

std::optional<auth::NochgWindow> PgStore::count_seen_if_unchanged(
    const auth::StoredAddresses& expected, auth::TimePoint now, std::chrono::seconds interval) {
    auto conn = db_.lease();
    const Result r = conn->exec_prepared(
        "record_seen_if_unchanged", kRecordSeenIfUnchanged,
        {id_param(expected.host_id), address_param(expected.ipv4), address_param(expected.ipv6),
         micros_param(now), std::to_string(interval.count()), network_param(expected.ipv6_prefix),
         bool_param(expected.wildcard)});
    if (r.rows() != 1) return std::nullopt;
    return auth::NochgWindow{opt_time(r, 0, 0), static_cast<int>(r.int64(0, 1))};
}

void PgStore::set_protocol_heartbeat(std::int64_t host_id, std::chrono::seconds timeout) {
    auto conn = db_.lease();
    conn->exec_prepared("set_protocol_heartbeat", kSetProtocolHeartbeat,
                        {id_param(host_id), std::to_string(timeout.count())});
}

void PgStore::mark_in_doubt(const std::vector<std::int64_t>& host_ids, auth::TimePoint now) {
    if (host_ids.empty()) return;
    auto conn = db_.lease();
    mark_hosts_in_doubt(*conn, host_ids, now);
}

namespace {

// hosts.name is unique and stored lower-case, as DnsName::str() prints it.
constexpr std::string_view kFindHostOwner = R"sql(
SELECT a.username FROM hosts h JOIN accounts a ON a.id = h.account_id WHERE h.name = $1)sql";

}  // namespace

std::optional<std::string> PgStore::find_host_owner(const DnsName& name) {
    auto conn = db_.lease();
    auto r = conn->exec_prepared("find_host_owner", kFindHostOwner, {name.str()});
    if (r.rows() == 0) return std::nullopt;
    return std::string(r.text(0, 0));
}

void PgStore::record_token_use(std::int64_t token_id, const std::optional<IpAddress>& client,
                               auth::TimePoint now) {
    auto conn = db_.lease();
    conn->exec_prepared("record_token_use", kRecordTokenUse,
                        {id_param(token_id), micros_param(now), address_param(client)});
}

}  // namespace ddns::sql
