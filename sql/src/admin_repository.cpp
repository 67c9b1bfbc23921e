#include "ddns/sql/admin_repository.hpp"

#include <stdexcept>

#include "codec.hpp"
#include "connection.hpp"
#include "lifecycle_sql.hpp"

namespace ddns::sql {
namespace {

[[noreturn]] void unexpected(Violation) {
    throw auth::StoreError("database: unexpected constraint violation");
}

Param opt_param(std::optional<std::string_view> text) {
    if (!text) return std::nullopt;
    return std::string(*text);
}

ServerEndpoint stored_endpoint(const Result& r, int row, int address_col, int port_col) {
    auto address = IpAddress::parse(r.text(row, address_col));
    if (!address) throw auth::StoreError("database: stored zone server address does not parse");
    return ServerEndpoint{*address, stored_port(r.int64(row, port_col))};
}

constexpr std::string_view kHostSelect = R"sql(
SELECT h.id, h.name, z.name, a.username, h.ttl, host(h.ipv4), host(h.ipv6),
       (extract(epoch FROM h.last_seen) * 1000000)::bigint,
       h.heartbeat_seconds, z.heartbeat_seconds,
       (extract(epoch FROM h.offline_since) * 1000000)::bigint, h.offline_reason,
       (extract(epoch FROM h.blocked_at) * 1000000)::bigint, h.block_reason,
       h.nochg_interval_seconds, h.offline_action, z.offline_action, h.ttl_own, h.wildcard
FROM hosts h JOIN zones z ON z.id = h.zone_id JOIN accounts a ON a.id = h.account_id
)sql";

std::optional<auth::OfflineReason> stored_reason(std::optional<std::string_view> text) {
    if (!text) return std::nullopt;
    auto reason = auth::parse_offline_reason(*text);
    if (!reason) throw auth::StoreError("database: stored offline reason is unknown");
    return reason;
}

HostSummary host_from_row(const Result& r, int row) {
    HostSummary host{r.int64(row, 0),
                     stored_name(r.text(row, 1)),
                     stored_name(r.text(row, 2)),
                     std::string(r.text(row, 3)),
                     stored_ttl(r.int64(row, 4)),
                     stored_address(r.opt_text(row, 5)),
                     stored_address(r.opt_text(row, 6)),
                     opt_time(r, row, 7),
                     opt_seconds(r, row, 8),
                     opt_seconds(r, row, 9),
                     opt_time(r, row, 10),
                     stored_reason(r.opt_text(row, 11)),
                     opt_time(r, row, 12),
                     std::string(r.opt_text(row, 13).value_or("")),
                     opt_seconds(r, row, 14)};
    host.offline_action_setting = read_host_offline_action(r, row, 15);
    auto zone_action = auth::parse_offline_action(r.text(row, 16));
    if (!zone_action) throw auth::StoreError("database: stored offline action is unknown");
    host.zone_offline_action = *zone_action;
    host.ttl_own = r.boolean(row, 17);
    host.wildcard = r.boolean(row, 18);
    return host;
}

Param seconds_param(std::optional<std::chrono::seconds> s) {
    if (!s) return std::nullopt;
    return std::to_string(s->count());
}

constexpr std::string_view kZoneSelect = R"sql(
SELECT id, name, server_address, server_port, tsig_key_name, tsig_algorithm, tsig_secret,
       default_ttl, owner_account_id
FROM zones )sql";

constexpr std::string_view kAccountSelect = R"sql(
SELECT a.id, a.username, a.email, a.plan, a.dynamic_updates, a.disabled,
       (extract(epoch FROM a.expires_at) * 1000000)::bigint,
       (SELECT count(*) FROM hosts h WHERE h.account_id = a.id),
       (extract(epoch FROM a.blocked_at) * 1000000)::bigint, a.block_reason
FROM accounts a )sql";

AccountSummary account_from_row(const Result& r, int row) {
    auto plan = auth::parse_plan(r.text(row, 3));
    if (!plan) throw auth::StoreError("database: stored plan is unknown");
    return AccountSummary{r.int64(row, 0),
                          std::string(r.text(row, 1)),
                          std::string(r.text(row, 2)),
                          *plan,
                          r.boolean(row, 4),
                          r.boolean(row, 5),
                          opt_time(r, row, 6),
                          r.int64(row, 7),
                          opt_time(r, row, 8),
                          std::string(r.opt_text(row, 9).value_or(""))};
}

}  // namespace

// ---- zones ----

Expected<std::int64_t, AdminError> AdminRepository::add_zone(const ZoneSpec& spec) {
    if (spec.key == nullptr) throw std::invalid_argument("add_zone: a TSIG key is required");
    auto conn = db_.lease();
    Transaction tx(*conn);
    Param owner_id;
    if (spec.owner) {
        // FOR SHARE: the owner cannot be removed before this insert commits.
        auto owner =
            conn->exec("SELECT id, plan FROM accounts WHERE lower(username) = lower($1) FOR SHARE",
                       {*spec.owner});
        if (owner.rows() == 0) return Unexpected{AdminError::NoSuchAccount};
        if (auth::parse_plan(owner.text(0, 1)) != auth::Plan::Domain)
            return Unexpected{AdminError::NotDomainAccount};
        owner_id = std::string(owner.text(0, 0));
    }
    auto r = conn->try_exec(
        R"sql(
INSERT INTO zones (name, server_address, server_port, tsig_key_name, tsig_algorithm, tsig_secret,
                   default_ttl, owner_account_id)
VALUES ($1, $2, $3::integer, $4, $5, $6, $7::bigint, $8::bigint)
RETURNING id)sql",
        {spec.name.str(), spec.server.address.to_string(), std::to_string(spec.server.port),
         spec.key->name.str(), std::string(to_string(spec.key->algorithm)),
         encode_base64(spec.key->secret), std::to_string(spec.default_ttl), owner_id});
    if (!r) {
        if (r.error() == Violation::Unique) return Unexpected{AdminError::AlreadyExists};
        unexpected(r.error());
    }
    tx.commit();
    return r->int64(0, 0);
}

std::vector<ZoneSummary> AdminRepository::list_zones() {
    auto conn = db_.lease();
    auto r = conn->exec(R"sql(
SELECT z.id, z.name, z.server_address, z.server_port, z.tsig_key_name, z.tsig_algorithm,
       z.default_ttl, (SELECT count(*) FROM hosts h WHERE h.zone_id = z.id),
       a.username, (SELECT count(*) FROM records r WHERE r.zone_id = z.id),
       z.heartbeat_seconds, z.offline_action
FROM zones z LEFT JOIN accounts a ON a.id = z.owner_account_id ORDER BY z.name)sql");
    std::vector<ZoneSummary> zones;
    for (int row = 0; row < r.rows(); ++row) {
        std::optional<std::string> owner;
        if (auto username = r.opt_text(row, 8)) owner = std::string(*username);
        auto action = auth::parse_offline_action(r.text(row, 11));
        if (!action) throw auth::StoreError("database: stored offline action is unknown");
        zones.push_back(ZoneSummary{
            r.int64(row, 0), stored_name(r.text(row, 1)), stored_endpoint(r, row, 2, 3),
            std::string(r.text(row, 4)), std::string(r.text(row, 5)), stored_ttl(r.int64(row, 6)),
            r.int64(row, 7), std::move(owner), r.int64(row, 9), opt_seconds(r, row, 10), *action});
    }
    return zones;
}

std::optional<AdminError> AdminRepository::remove_zone(const DnsName& name) {
    auto conn = db_.lease();
    // hosts.zone_id is ON DELETE RESTRICT: the foreign key decides "still in use" atomically.
    auto r = conn->try_exec("DELETE FROM zones WHERE name = $1 RETURNING id", {name.str()});
    if (!r) {
        if (r.error() == Violation::ForeignKey) return AdminError::StillInUse;
        unexpected(r.error());
    }
    if (r->rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

std::optional<auth::Zone> AdminRepository::find_zone(const DnsName& name) {
    auto conn = db_.lease();
    auto r = conn->exec(std::string(kZoneSelect) + "WHERE name = $1", {name.str()});
    if (r.rows() == 0) return std::nullopt;
    return zone_from_row(r, 0, 0);
}

std::optional<auth::Zone> AdminRepository::find_zone_containing(const DnsName& name) {
    auto conn = db_.lease();
    auto r = conn->exec(kZoneSelect);
    const int row = innermost_zone_row(r, 1, name);
    if (row < 0) return std::nullopt;
    return zone_from_row(r, row, 0);
}

std::optional<AccountSummary> AdminRepository::zone_owner(std::int64_t zone_id) {
    auto conn = db_.lease();
    auto r = conn->exec(std::string(kAccountSelect) +
                            "JOIN zones z ON z.owner_account_id = a.id WHERE z.id = $1::bigint",
                        {id_param(zone_id)});
    if (r.rows() == 0) return std::nullopt;
    return account_from_row(r, 0);
}

std::optional<AdminError> AdminRepository::set_zone_heartbeat(
    const DnsName& zone, std::optional<std::chrono::seconds> timeout) {
    auto conn = db_.lease();
    auto r =
        conn->exec("UPDATE zones SET heartbeat_seconds = $2::integer WHERE name = $1 RETURNING id",
                   {zone.str(), seconds_param(timeout)});
    if (r.rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

std::optional<AdminError> AdminRepository::set_zone_offline_action(const DnsName& zone,
                                                                   auth::OfflineAction action) {
    auto conn = db_.lease();
    auto r = conn->exec("UPDATE zones SET offline_action = $2 WHERE name = $1 RETURNING id",
                        {zone.str(), std::string(auth::to_string(action))});
    if (r.rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

// ---- accounts ----

Expected<std::int64_t, AdminError> AdminRepository::add_account(std::string_view username,
                                                                std::string_view email,
                                                                auth::Plan plan,
                                                                std::string_view password_hash) {
    auto conn = db_.lease();
    auto r = conn->try_exec(
        "INSERT INTO accounts (username, email, plan, password_hash) VALUES ($1, $2, $3, $4) "
        "RETURNING id",
        {std::string(username), std::string(email), std::string(auth::to_string(plan)),
         std::string(password_hash)});
    if (!r) {
        if (r.error() == Violation::Unique) return Unexpected{AdminError::AlreadyExists};
        if (r.error() == Violation::Check)
            throw std::invalid_argument("add_account: the username must be 1 to 255 characters");
        unexpected(r.error());
    }
    return r->int64(0, 0);
}

std::vector<AccountSummary> AdminRepository::list_accounts() {
    auto conn = db_.lease();
    auto r = conn->exec(std::string(kAccountSelect) + "ORDER BY lower(a.username)");
    std::vector<AccountSummary> accounts;
    accounts.reserve(static_cast<std::size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row) accounts.push_back(account_from_row(r, row));
    return accounts;
}

std::optional<AdminError> AdminRepository::remove_account(std::string_view username) {
    auto conn = db_.lease();
    Transaction tx(*conn);
    // FOR UPDATE blocks a concurrent add_host/add_token (their foreign-key checks lock the
    // account row) until this transaction ends.
    auto r = conn->exec("SELECT id FROM accounts WHERE lower(username) = lower($1) FOR UPDATE",
                        {std::string(username)});
    if (r.rows() == 0) return AdminError::NotFound;
    std::string id = id_param(r.int64(0, 0));
    conn->exec("DELETE FROM tokens WHERE account_id = $1::bigint", {id});
    conn->exec("DELETE FROM hosts WHERE account_id = $1::bigint", {id});
    // zones.owner_account_id is ON DELETE RESTRICT: an owner of zones stays (all rolled back).
    auto deleted = conn->try_exec("DELETE FROM accounts WHERE id = $1::bigint", {id});
    if (!deleted) {
        if (deleted.error() == Violation::ForeignKey) return AdminError::StillInUse;
        unexpected(deleted.error());
    }
    tx.commit();
    return std::nullopt;
}

// ---- hosts ----

Expected<std::int64_t, AdminError> AdminRepository::add_host(const DnsName& fqdn,
                                                             std::string_view username) {
    auto conn = db_.lease();
    auto zones = conn->exec("SELECT id, name, default_ttl FROM zones");
    const int best = innermost_zone_row(zones, 1, fqdn);
    if (best < 0) return Unexpected{AdminError::NoSuchZone};

    // Record changes hold the zone row FOR UPDATE; FOR SHARE waits for them, so the check
    // below sees every record committed at this name, and none can appear before the insert.
    Transaction tx(*conn);
    if (conn->exec("SELECT id FROM zones WHERE id = $1::bigint FOR SHARE",
                   {std::string(zones.text(best, 0))})
            .rows() == 0)
        return Unexpected{AdminError::NoSuchZone};
    if (conn->exec("SELECT EXISTS (SELECT 1 FROM records WHERE name = $1)", {fqdn.str()})
            .boolean(0, 0))
        return Unexpected{AdminError::HoldsRecords};
    auto r = conn->try_exec(R"sql(
INSERT INTO hosts (zone_id, account_id, name, ttl)
SELECT $1::bigint, a.id, $3, $4::integer FROM accounts a WHERE lower(a.username) = lower($2)
RETURNING id)sql",
                            {std::string(zones.text(best, 0)), std::string(username), fqdn.str(),
                             std::string(zones.text(best, 2))});
    if (!r) {
        if (r.error() == Violation::Unique) return Unexpected{AdminError::AlreadyExists};
        if (r.error() == Violation::ForeignKey) return Unexpected{AdminError::NoSuchZone};
        unexpected(r.error());
    }
    if (r->rows() == 0) return Unexpected{AdminError::NoSuchAccount};
    tx.commit();
    return r->int64(0, 0);
}

std::vector<HostSummary> AdminRepository::list_hosts(std::optional<std::string_view> username) {
    auto conn = db_.lease();
    auto r = conn->exec(std::string(kHostSelect) +
                            "WHERE $1::text IS NULL OR lower(a.username) = lower($1) "
                            "ORDER BY h.name",
                        {opt_param(username)});
    std::vector<HostSummary> hosts;
    for (int row = 0; row < r.rows(); ++row) hosts.push_back(host_from_row(r, row));
    return hosts;
}

std::optional<HostSummary> AdminRepository::find_host(const DnsName& fqdn) {
    auto conn = db_.lease();
    auto r = conn->exec(std::string(kHostSelect) + "WHERE h.name = $1", {fqdn.str()});
    if (r.rows() == 0) return std::nullopt;
    return host_from_row(r, 0);
}

std::optional<AdminError> AdminRepository::remove_host(const DnsName& fqdn) {
    auto conn = db_.lease();
    // Tokens limited to this host go with it (ON DELETE CASCADE).
    auto r = conn->exec("DELETE FROM hosts WHERE name = $1 RETURNING id", {fqdn.str()});
    if (r.rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

std::optional<AdminError> AdminRepository::set_host_heartbeat(
    const DnsName& fqdn, std::optional<std::chrono::seconds> setting) {
    auto conn = db_.lease();
    auto r =
        conn->exec("UPDATE hosts SET heartbeat_seconds = $2::integer WHERE name = $1 RETURNING id",
                   {fqdn.str(), seconds_param(setting)});
    if (r.rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

std::optional<AdminError> AdminRepository::set_host_offline_action(
    const DnsName& fqdn, std::optional<auth::OfflineAction> action) {
    auto conn = db_.lease();
    Param text;
    if (action) text = std::string(auth::to_string(*action));
    auto r = conn->exec("UPDATE hosts SET offline_action = $2 WHERE name = $1 RETURNING id",
                        {fqdn.str(), text});
    if (r.rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

// ---- tokens ----

Expected<std::int64_t, AdminError> AdminRepository::add_token(std::string_view username,
                                                              const std::optional<DnsName>& host,
                                                              std::string_view digest,
                                                              std::string_view name,
                                                              const auth::TokenLimits& limits) {
    auto conn = db_.lease();
    Param host_name;
    if (host) host_name = host->str();
    auto owner = conn->exec(R"sql(
SELECT a.id, h.id FROM accounts a
LEFT JOIN hosts h ON h.account_id = a.id AND h.name = $2
WHERE lower(a.username) = lower($1))sql",
                            {std::string(username), host_name});
    if (owner.rows() == 0) return Unexpected{AdminError::NoSuchAccount};
    if (host && owner.is_null(0, 1)) return Unexpected{AdminError::NoSuchHost};

    Param host_id;
    if (host) host_id = std::string(owner.text(0, 1));
    auto r = conn->try_exec(
        R"sql(
INSERT INTO tokens (account_id, host_id, digest, name, purpose, networks, max_age_seconds,
                    max_unused_seconds)
VALUES ($1::bigint, $2::bigint, $3, $4, $5, $6::cidr[], $7::integer, $8::integer)
RETURNING id)sql",
        {std::string(owner.text(0, 0)), host_id, std::string(digest), std::string(name),
         std::string(auth::to_string(limits.purpose)), networks_param(limits.networks),
         opt_seconds_param(limits.max_age), opt_seconds_param(limits.max_unused)});
    if (!r) {
        if (r.error() == Violation::Unique) return Unexpected{AdminError::AlreadyExists};
        // The host (or account) was removed between the two statements.
        if (r.error() == Violation::ForeignKey) return Unexpected{AdminError::NoSuchHost};
        if (r.error() == Violation::Check)
            throw std::invalid_argument(
                "add_token: a digest of 64 lower-case hex digits, a name of at most 64 "
                "characters, at most 16 networks and positive limits");
        unexpected(r.error());
    }
    return r->int64(0, 0);
}

std::vector<TokenSummary> AdminRepository::list_tokens(std::optional<std::string_view> username) {
    auto conn = db_.lease();
    auto r = conn->exec(R"sql(
SELECT t.id, a.username, h.name, (extract(epoch FROM t.created_at) * 1000000)::bigint,
       (extract(epoch FROM t.last_used) * 1000000)::bigint, t.name, t.purpose,
       cidr_list(t.networks), t.max_age_seconds, t.max_unused_seconds, host(t.last_used_address)
FROM tokens t JOIN accounts a ON a.id = t.account_id LEFT JOIN hosts h ON h.id = t.host_id
WHERE $1::text IS NULL OR lower(a.username) = lower($1)
ORDER BY t.id)sql",
                        {opt_param(username)});
    std::vector<TokenSummary> tokens;
    for (int row = 0; row < r.rows(); ++row) {
        std::optional<DnsName> host;
        if (auto name = r.opt_text(row, 2)) host = stored_name(*name);
        TokenSummary t{r.int64(row, 0), std::string(r.text(row, 1)), std::move(host),
                       time_from_micros(r.int64(row, 3)), opt_time(r, row, 4)};
        t.name = std::string(r.text(row, 5));
        t.limits = stored_limits(r, row, 6);
        t.last_used_address = stored_address(r.opt_text(row, 10));
        tokens.push_back(std::move(t));
    }
    return tokens;
}

std::optional<AdminError> AdminRepository::set_password_hash(std::string_view username,
                                                             std::string_view password_hash) {
    auto conn = db_.lease();
    auto r = conn->exec(
        "UPDATE accounts SET password_hash = $2 WHERE lower(username) = lower($1) RETURNING id",
        {std::string(username), std::string(password_hash)});
    if (r.rows() == 0) return AdminError::NoSuchAccount;
    return std::nullopt;
}

Expected<std::optional<auth::TimePoint>, AdminError> AdminRepository::set_expiry(
    std::string_view username, const std::optional<auth::TimePoint>& expires_at) {
    auto conn = db_.lease();
    Param micros;
    if (expires_at) micros = micros_param(*expires_at);
    auto r = conn->exec(R"sql(
UPDATE accounts SET expires_at = to_timestamp($2::bigint / 1000000.0)
WHERE lower(username) = lower($1)
RETURNING (extract(epoch FROM expires_at) * 1000000)::bigint)sql",
                        {std::string(username), micros});
    if (r.rows() == 0) return Unexpected{AdminError::NoSuchAccount};
    return opt_time(r, 0, 0);
}

std::optional<AdminError> AdminRepository::set_dynamic_updates(std::string_view username,
                                                               bool enabled) {
    auto conn = db_.lease();
    auto r = conn->exec(
        "UPDATE accounts SET dynamic_updates = $2::boolean WHERE lower(username) = lower($1) "
        "RETURNING id",
        {std::string(username), bool_param(enabled)});
    if (r.rows() == 0) return AdminError::NoSuchAccount;
    return std::nullopt;
}

std::optional<AdminError> AdminRepository::remove_token(std::int64_t id) {
    auto conn = db_.lease();
    auto r = conn->exec("DELETE FROM tokens WHERE id = $1::bigint RETURNING id", {id_param(id)});
    if (r.rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

}  // namespace ddns::sql
