#include "ddns/sql/audit_repository.hpp"

#include "codec.hpp"
#include "connection.hpp"

namespace ddns::sql {
namespace {

constexpr std::string_view kHostDetails = R"sql(
SELECT h.id, h.name, z.name, a.username, h.ttl, host(h.ipv4), host(h.ipv6),
       (extract(epoch FROM h.last_seen) * 1000000)::bigint,
       (extract(epoch FROM h.updated_at) * 1000000)::bigint,
       coalesce(c.client_faults, 0), coalesce(c.server_faults, 0), coalesce(c.auth_faults, 0),
       c.last_fault, (extract(epoch FROM c.last_fault_at) * 1000000)::bigint,
       (extract(epoch FROM c.last_update_ipv4) * 1000000)::bigint,
       (extract(epoch FROM c.last_update_ipv6) * 1000000)::bigint,
       c.last_update_tls
FROM hosts h JOIN zones z ON z.id = h.zone_id JOIN accounts a ON a.id = h.account_id
LEFT JOIN host_counters c ON c.host_id = h.id
WHERE h.name = $1)sql";

// Unnamed statement: planned with the actual values, so the unused filters fold away and the
// (host_id, logged_at) or (account_id, logged_at) index serves the rest.
constexpr std::string_view kLog = R"sql(
SELECT (extract(epoch FROM l.logged_at) * 1000000)::bigint, coalesce(h.name, l.hostname),
       l.username, host(l.client), l.user_agent, l.dialect, l.outcome, l.fault, l.detail,
       l.ipv4_changed, l.ipv6_changed, l.tls, l.repeats,
       (extract(epoch FROM l.first_logged_at) * 1000000)::bigint
FROM update_log l LEFT JOIN hosts h ON h.id = l.host_id
WHERE ($1::bigint IS NULL OR l.host_id = $1::bigint)
  AND ($2::bigint IS NULL OR l.account_id = $2::bigint)
  AND ($3::bigint IS NULL OR l.logged_at >= to_timestamp($3::bigint / 1000000.0))
ORDER BY l.logged_at DESC, l.id DESC
LIMIT $4::bigint)sql";

}  // namespace

std::optional<HostDetails> AuditRepository::host_details(const DnsName& fqdn) {
    auto conn = db_.lease();
    const Result r = conn->exec(kHostDetails, {fqdn.str()});
    if (r.rows() == 0) return std::nullopt;
    std::optional<std::string> last_fault;
    if (auto text = r.opt_text(0, 12)) last_fault = std::string(*text);
    std::optional<bool> last_update_tls;
    if (!r.is_null(0, 16)) last_update_tls = r.boolean(0, 16);
    return HostDetails{HostSummary{r.int64(0, 0), stored_name(r.text(0, 1)),
                                   stored_name(r.text(0, 2)), std::string(r.text(0, 3)),
                                   stored_ttl(r.int64(0, 4)), stored_address(r.opt_text(0, 5)),
                                   stored_address(r.opt_text(0, 6)), opt_time(r, 0, 7)},
                       opt_time(r, 0, 8),
                       r.int64(0, 9),
                       r.int64(0, 10),
                       r.int64(0, 11),
                       std::move(last_fault),
                       opt_time(r, 0, 13),
                       opt_time(r, 0, 14),
                       opt_time(r, 0, 15),
                       last_update_tls};
}

std::optional<std::int64_t> AuditRepository::account_id(std::string_view username) {
    auto conn = db_.lease();
    const Result r = conn->exec("SELECT id FROM accounts WHERE lower(username) = lower($1)",
                                {std::string(username)});
    if (r.rows() == 0) return std::nullopt;
    return r.int64(0, 0);
}

std::vector<LogEntry> AuditRepository::log(const LogFilter& filter) {
    auto conn = db_.lease();
    Param since;
    if (filter.since) since = micros_param(*filter.since);
    const Result r =
        conn->exec(kLog, {opt_id_param(filter.host_id), opt_id_param(filter.account_id), since,
                          std::to_string(filter.limit)});
    std::vector<LogEntry> entries;
    entries.reserve(static_cast<std::size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row) {
        entries.push_back(LogEntry{
            time_from_micros(r.int64(row, 0)), std::string(r.text(row, 1)),
            std::string(r.text(row, 2)), std::string(r.text(row, 3)), std::string(r.text(row, 4)),
            std::string(r.text(row, 5)), std::string(r.text(row, 6)), std::string(r.text(row, 7)),
            std::string(r.text(row, 8)), r.boolean(row, 9), r.boolean(row, 10), r.boolean(row, 11),
            r.int64(row, 12), std::nullopt});
        if (const auto first = r.opt_int64(row, 13))
            entries.back().first_time = time_from_micros(*first);
    }
    return entries;
}

}  // namespace ddns::sql
