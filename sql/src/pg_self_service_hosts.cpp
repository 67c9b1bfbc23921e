// PgSelfServiceStore: a user's hosts, their history, update tokens and API tokens. Every
// statement names the account, so another account's row is never read or changed.
#include "codec.hpp"
#include "connection.hpp"
#include "ddns/sql/pg_self_service_store.hpp"
#include "derive_sql.hpp"
#include "lifecycle_sql.hpp"

namespace ddns::sql {
namespace {

constexpr std::string_view kUserHostSelect = R"sql(
SELECT h.id, h.name, z.name, host(h.ipv4), host(h.ipv6),
       (extract(epoch FROM h.last_seen) * 1000000)::bigint,
       (extract(epoch FROM h.updated_at) * 1000000)::bigint,
       h.heartbeat_seconds, z.heartbeat_seconds,
       (extract(epoch FROM h.offline_since) * 1000000)::bigint, h.offline_reason,
       h.blocked_at IS NOT NULL, h.offline_action, z.offline_action,
       coalesce(hc.client_faults, 0), coalesce(hc.server_faults, 0), coalesce(hc.auth_faults, 0),
       hc.last_fault, (extract(epoch FROM hc.last_fault_at) * 1000000)::bigint,
       host_list(h.extra_ipv4),
       h.ipv6_prefix::text, p.name, host(h.interface_id), h.prefix_length,
       (SELECT string_agg(c.name, ' ' ORDER BY c.name) FROM hosts c WHERE c.derive_from = h.id)
FROM hosts h JOIN zones z ON z.id = h.zone_id LEFT JOIN hosts p ON p.id = h.derive_from
LEFT JOIN host_counters hc ON hc.host_id = h.id
WHERE h.account_id = $1::bigint )sql";

auth::UserHost user_host_from_row(const Result& r, int row) {
    auth::UserHost h{r.int64(row, 0), stored_name(r.text(row, 1)), stored_name(r.text(row, 2))};
    h.ipv4 = stored_address(r.opt_text(row, 3));
    h.ipv6 = stored_address(r.opt_text(row, 4));
    h.last_seen = opt_time(r, row, 5);
    h.updated_at = opt_time(r, row, 6);
    h.heartbeat_setting = opt_seconds(r, row, 7);
    h.zone_heartbeat = opt_seconds(r, row, 8);
    h.offline_since = opt_time(r, row, 9);
    if (auto reason = r.opt_text(row, 10)) {
        h.offline_reason = auth::parse_offline_reason(*reason);
        if (!h.offline_reason) throw auth::StoreError("database: stored offline reason is unknown");
    }
    h.blocked = r.boolean(row, 11);
    h.offline_action_setting = read_host_offline_action(r, row, 12);
    auto zone_action = auth::parse_offline_action(r.text(row, 13));
    if (!zone_action) throw auth::StoreError("database: stored offline action is unknown");
    h.zone_offline_action = *zone_action;
    h.client_faults = r.int64(row, 14);
    h.server_faults = r.int64(row, 15);
    h.auth_faults = r.int64(row, 16);
    if (auto text = r.opt_text(row, 17)) h.last_fault = std::string(*text);
    h.last_fault_at = opt_time(r, row, 18);
    h.extra_ipv4 = stored_addresses(r.text(row, 19));
    h.ipv6_prefix = stored_network(r.opt_text(row, 20));
    if (auto from = r.opt_text(row, 21)) {
        h.derived_from = stored_name(*from);
        h.interface_id = stored_address(r.opt_text(row, 22));
        h.prefix_length = static_cast<unsigned>(r.int64(row, 23));
    }
    if (auto names = r.opt_text(row, 24))
        for (std::string_view rest = *names; !rest.empty();) {
            const auto space = rest.find(' ');
            h.derived_hosts.push_back(stored_name(rest.substr(0, space)));
            rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
        }
    return h;
}

std::vector<auth::TokenInfo> tokens_from(const Result& r) {
    // Columns: id, name, host name (NULL: any host), created_at, last_used; for update tokens
    // also purpose, networks, max_age, max_unused, last_used_address.
    std::vector<auth::TokenInfo> tokens;
    for (int row = 0; row < r.rows(); ++row) {
        auth::TokenInfo t;
        t.id = r.int64(row, 0);
        t.name = std::string(r.text(row, 1));
        if (auto host = r.opt_text(row, 2)) t.host = stored_name(*host);
        t.created = time_from_micros(r.int64(row, 3));
        t.last_used = opt_time(r, row, 4);
        if (r.columns() > 5) {  // update tokens: their limits and last address (migration 019)
            t.limits = stored_limits(r, row, 5);
            t.last_used_address = stored_address(r.opt_text(row, 9));
        }
        tokens.push_back(std::move(t));
    }
    return tokens;
}

bool touched(const Result& r) {
    return r.rows() > 0;
}

}  // namespace

std::vector<auth::UserHost> PgSelfServiceStore::hosts(std::int64_t account_id) {
    auto conn = db_.lease();
    auto r = conn->exec(std::string(kUserHostSelect) + "ORDER BY h.name", {id_param(account_id)});
    std::vector<auth::UserHost> hosts;
    for (int row = 0; row < r.rows(); ++row) hosts.push_back(user_host_from_row(r, row));
    return hosts;
}

std::optional<auth::UserHost> PgSelfServiceStore::host(std::int64_t account_id,
                                                       const DnsName& name) {
    auto conn = db_.lease();
    auto r = conn->exec(std::string(kUserHostSelect) + "AND h.name = $2",
                        {id_param(account_id), name.str()});
    if (r.rows() == 0) return std::nullopt;
    return user_host_from_row(r, 0);
}

Expected<std::int64_t, auth::HostConflict> PgSelfServiceStore::add_host(std::int64_t account_id,
                                                                        const DnsName& name,
                                                                        std::size_t max_hosts) {
    auto conn = db_.lease();
    auto zones = conn->exec("SELECT id, name, default_ttl FROM zones");
    const int best = innermost_zone_row(zones, 1, name);
    if (best < 0) throw auth::StoreError("database: no zone contains " + name.str());
    Transaction tx(*conn);
    // The account row FOR UPDATE serialises this account's additions, so two at once cannot
    // both pass the limit; the zone row FOR SHARE waits for record changes (as admin host add).
    conn->exec("SELECT id FROM accounts WHERE id = $1::bigint FOR UPDATE", {id_param(account_id)});
    conn->exec("SELECT id FROM zones WHERE id = $1::bigint FOR SHARE",
               {std::string(zones.text(best, 0))});
    if (conn->exec("SELECT EXISTS (SELECT 1 FROM records WHERE name = $1)", {name.str()})
            .boolean(0, 0))
        return Unexpected{auth::HostConflict::HoldsRecords};
    if (max_hosts > 0) {
        auto count = conn->exec("SELECT count(*) FROM hosts WHERE account_id = $1::bigint",
                                {id_param(account_id)});
        if (static_cast<std::size_t>(count.int64(0, 0)) >= max_hosts)
            return Unexpected{auth::HostConflict::LimitReached};
    }
    auto r = conn->try_exec(
        "INSERT INTO hosts (zone_id, account_id, name, ttl) "
        "VALUES ($1::bigint, $2::bigint, $3, $4::integer) RETURNING id",
        {std::string(zones.text(best, 0)), id_param(account_id), name.str(),
         std::string(zones.text(best, 2))});
    if (!r) {
        if (r.error() == Violation::Unique) return Unexpected{auth::HostConflict::NameTaken};
        throw auth::StoreError("database: unexpected constraint violation");
    }
    tx.commit();
    return r->int64(0, 0);
}

bool PgSelfServiceStore::remove_host(std::int64_t account_id, std::int64_t host_id) {
    auto conn = db_.lease();
    // Tokens limited to this host go with it (ON DELETE CASCADE).
    return touched(conn->exec(
        "DELETE FROM hosts WHERE id = $1::bigint AND account_id = $2::bigint RETURNING id",
        {id_param(host_id), id_param(account_id)}));
}

bool PgSelfServiceStore::set_host_heartbeat(std::int64_t account_id, std::int64_t host_id,
                                            std::optional<std::chrono::seconds> setting) {
    auto conn = db_.lease();
    Param seconds;
    if (setting) seconds = std::to_string(setting->count());
    return touched(
        conn->exec("UPDATE hosts SET heartbeat_seconds = $3::integer WHERE id = $1::bigint "
                   "AND account_id = $2::bigint RETURNING id",
                   {id_param(host_id), id_param(account_id), seconds}));
}

bool PgSelfServiceStore::set_host_offline_action(std::int64_t account_id, std::int64_t host_id,
                                                 std::optional<auth::OfflineAction> action) {
    auto conn = db_.lease();
    Param text;
    if (action) text = std::string(auth::to_string(*action));
    return touched(conn->exec(
        "UPDATE hosts SET offline_action = $3 WHERE id = $1::bigint AND account_id = $2::bigint "
        "RETURNING id",
        {id_param(host_id), id_param(account_id), text}));
}

bool PgSelfServiceStore::set_host_derived(std::int64_t account_id, std::int64_t host_id,
                                          const std::optional<auth::Derivation>& derivation) {
    auto conn = db_.lease();
    if (!derivation)
        return touched(conn->exec(std::string(kUnderiveSet) +
                                      "WHERE id = $1::bigint AND account_id = $2::bigint "
                                      "RETURNING id",
                                  {id_param(host_id), id_param(account_id)}));
    return touched(conn->exec(
        derive_statement("h.id = $1::bigint AND p.name = $2 AND h.account_id = $5::bigint"),
        {id_param(host_id), derivation->from.str(), derivation->interface_id.to_string(),
         std::to_string(derivation->prefix_length), id_param(account_id)}));
}

std::vector<auth::HistoryEntry> PgSelfServiceStore::host_history(std::int64_t account_id,
                                                                 std::int64_t host_id,
                                                                 std::size_t limit) {
    auto conn = db_.lease();
    auto r = conn->exec(
        "SELECT (extract(epoch FROM l.logged_at) * 1000000)::bigint, host(l.client), "
        "l.user_agent, l.dialect, l.outcome, l.detail, l.tls, l.repeats, "
        "(extract(epoch FROM coalesce(l.first_logged_at, l.logged_at)) * 1000000)::bigint "
        "FROM update_log l "
        "JOIN hosts h ON h.id = l.host_id AND h.account_id = $2::bigint "
        "WHERE l.host_id = $1::bigint ORDER BY l.logged_at DESC, l.id DESC LIMIT $3::bigint",
        {id_param(host_id), id_param(account_id), std::to_string(limit)});
    std::vector<auth::HistoryEntry> entries;
    for (int row = 0; row < r.rows(); ++row)
        entries.push_back({time_from_micros(r.int64(row, 0)), std::string(r.text(row, 1)),
                           std::string(r.text(row, 2)), std::string(r.text(row, 3)),
                           std::string(r.text(row, 4)), std::string(r.text(row, 5)),
                           r.boolean(row, 6), static_cast<std::uint32_t>(r.int64(row, 7)),
                           time_from_micros(r.int64(row, 8))});
    return entries;
}

std::int64_t PgSelfServiceStore::add_update_token(std::int64_t account_id,
                                                  std::optional<std::int64_t> host_id,
                                                  std::string_view name, std::string_view digest,
                                                  const auth::TokenLimits& limits) {
    auto conn = db_.lease();
    return conn
        ->exec(R"sql(
INSERT INTO tokens (account_id, host_id, name, digest, purpose, networks, max_age_seconds,
                    max_unused_seconds)
VALUES ($1::bigint, $2::bigint, $3, $4, $5, $6::cidr[], $7::integer, $8::integer) RETURNING id)sql",
               {id_param(account_id), opt_id_param(host_id), std::string(name), std::string(digest),
                std::string(auth::to_string(limits.purpose)), networks_param(limits.networks),
                opt_seconds_param(limits.max_age), opt_seconds_param(limits.max_unused)})
        .int64(0, 0);
}

std::vector<auth::TokenInfo> PgSelfServiceStore::update_tokens(std::int64_t account_id) {
    auto conn = db_.lease();
    return tokens_from(conn->exec(
        "SELECT t.id, t.name, h.name, (extract(epoch FROM t.created_at) * 1000000)::bigint, "
        "(extract(epoch FROM t.last_used) * 1000000)::bigint, t.purpose, cidr_list(t.networks), "
        "t.max_age_seconds, t.max_unused_seconds, host(t.last_used_address) FROM tokens t "
        "LEFT JOIN hosts h ON h.id = t.host_id WHERE t.account_id = $1::bigint ORDER BY t.id",
        {id_param(account_id)}));
}

bool PgSelfServiceStore::revoke_update_token(std::int64_t account_id, std::int64_t token_id) {
    auto conn = db_.lease();
    return touched(conn->exec(
        "DELETE FROM tokens WHERE id = $1::bigint AND account_id = $2::bigint RETURNING id",
        {id_param(token_id), id_param(account_id)}));
}

std::int64_t PgSelfServiceStore::add_api_token(std::int64_t account_id, std::string_view name,
                                               std::string_view digest) {
    auto conn = db_.lease();
    return conn
        ->exec(
            "INSERT INTO api_tokens (account_id, name, digest) VALUES ($1::bigint, $2, $3) "
            "RETURNING id",
            {id_param(account_id), std::string(name), std::string(digest)})
        .int64(0, 0);
}

std::vector<auth::TokenInfo> PgSelfServiceStore::api_tokens(std::int64_t account_id) {
    auto conn = db_.lease();
    return tokens_from(
        conn->exec("SELECT id, name, NULL, (extract(epoch FROM created_at) * 1000000)::bigint, "
                   "(extract(epoch FROM last_used) * 1000000)::bigint FROM api_tokens "
                   "WHERE account_id = $1::bigint ORDER BY id",
                   {id_param(account_id)}));
}

bool PgSelfServiceStore::revoke_api_token(std::int64_t account_id, std::int64_t token_id) {
    auto conn = db_.lease();
    return touched(conn->exec(
        "DELETE FROM api_tokens WHERE id = $1::bigint AND account_id = $2::bigint RETURNING id",
        {id_param(token_id), id_param(account_id)}));
}

void PgSelfServiceStore::revoke_api_tokens(std::int64_t account_id) {
    auto conn = db_.lease();
    conn->exec("DELETE FROM api_tokens WHERE account_id = $1::bigint", {id_param(account_id)});
}

std::optional<std::int64_t> PgSelfServiceStore::api_token_account(std::string_view digest,
                                                                  auth::TimePoint now) {
    auto conn = db_.lease();
    auto r = conn->exec(
        "UPDATE api_tokens SET last_used = to_timestamp($2::bigint / 1000000.0) "
        "WHERE digest = $1 RETURNING account_id",
        {std::string(digest), micros_param(now)});
    if (r.rows() == 0) return std::nullopt;
    return r.int64(0, 0);
}

}  // namespace ddns::sql
