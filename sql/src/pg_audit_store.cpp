#include "ddns/sql/pg_audit_store.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "codec.hpp"
#include "connection.hpp"

namespace ddns::sql {
namespace {

// Rows per INSERT statement: one array parameter per column, so the statement is prepared once
// whatever the batch's size (a VALUES list of 14 parameters per row had to be parsed and
// planned for every batch).
constexpr std::size_t kRowsPerInsert = 2000;

// Auth faults arrive without a host id when the credentials were wrong: they are charged to the
// named host of the account the presented username names (or to its only host when no name was
// given), and the row gets that account's id, so "admin log --account" shows the attempts. A
// dialect that names the host instead of an account (DynamIP's SiteID: no username) has its
// fault charged to that host's owner. A request that authenticated names its account: a fault
// it got before the dialect looked its host up (a refused address, say) is charged to the host
// of that account it named.
//
// The rows and their hosts' counters are one statement (a data-modifying WITH): one round trip
// per batch in autocommit, the counters read from the rows being inserted instead of from
// update_log again, and prepared like any other (issue #13, docs/design.md "The update log's
// batch is one statement").
constexpr std::string_view kInsert = R"sql(
WITH input AS (
    SELECT to_timestamp(u.micros / 1000000.0) AS logged_at, u.account_id, u.username, u.host_id,
           u.hostname, u.client, u.user_agent, u.dialect, u.outcome, u.fault, u.detail,
           u.ipv4_changed, u.ipv6_changed, u.tls, u.repeats,
           to_timestamp(u.first_micros / 1000000.0) AS first_logged_at
    FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::inet[],
                $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::boolean[],
                $13::boolean[], $14::boolean[], $15::integer[], $16::bigint[])
        AS u(micros, account_id, username, host_id, hostname, client, user_agent, dialect,
             outcome, fault, detail, ipv4_changed, ipv6_changed, tls, repeats, first_micros)
), logged AS (
    INSERT INTO update_log (logged_at, account_id, username, host_id, hostname, client,
                            user_agent, dialect, outcome, fault, detail, ipv4_changed,
                            ipv6_changed, tls, repeats, first_logged_at)
    SELECT i.logged_at, o.owner_id, i.username,
           coalesce(i.host_id,
                    (SELECT h.id FROM hosts h
                     WHERE h.account_id = o.owner_id AND h.name = i.hostname),
                    (SELECT min(h.id) FROM hosts h
                     WHERE i.hostname = '' AND h.account_id = o.owner_id HAVING count(*) = 1)),
           i.hostname, i.client, i.user_agent, i.dialect, i.outcome, i.fault, i.detail,
           i.ipv4_changed, i.ipv6_changed, i.tls, i.repeats, i.first_logged_at
    FROM input i
    -- Each lookup is one indexed probe per row (never a join condition with OR, which would
    -- compare every row with every account).
    CROSS JOIN LATERAL (
        SELECT coalesce(i.account_id,
                        CASE WHEN i.fault <> 'auth' THEN NULL
                             WHEN i.username <> '' THEN (SELECT a.id FROM accounts a
                                                         WHERE lower(a.username) = lower(i.username))
                             ELSE (SELECT n.account_id FROM hosts n WHERE n.name = i.hostname)
                        END) AS owner_id) o
    RETURNING id, host_id, logged_at, fault, outcome, detail, ipv4_changed, ipv6_changed, tls
)
-- The counters grow by the faults and changes just logged (a nochg row counts for nothing);
-- "last" columns only move forward in time, so batches written out of order (several
-- instances) cannot set them back. host_counters (migration 029) is a table of its own so that
-- this never locks a row of hosts: the change path holds its hosts' rows across BIND's round
-- trip, and the writer must not wait for it. Rows in host id order, so two instances' writers
-- cannot deadlock on them; hosts removed meanwhile are left out.
INSERT INTO host_counters AS c (host_id, client_faults, server_faults, auth_faults, last_fault,
                                last_fault_at, last_update_ipv4, last_update_ipv6,
                                last_update_tls)
SELECT s.host_id, s.client_faults, s.server_faults, s.auth_faults, f.last_fault,
       s.last_fault_at, s.last_update_ipv4, s.last_update_ipv6, t.last_update_tls
FROM (
    SELECT host_id,
           count(*) FILTER (WHERE fault = 'client') AS client_faults,
           count(*) FILTER (WHERE fault = 'server') AS server_faults,
           count(*) FILTER (WHERE fault = 'auth') AS auth_faults,
           max(logged_at) FILTER (WHERE fault <> 'none') AS last_fault_at,
           max(logged_at) FILTER (WHERE ipv4_changed) AS last_update_ipv4,
           max(logged_at) FILTER (WHERE ipv6_changed) AS last_update_ipv6
    FROM logged
    WHERE host_id IS NOT NULL AND (fault <> 'none' OR ipv4_changed OR ipv6_changed)
    GROUP BY host_id
) s
-- The newest fault and the newest change of each host: one sort of the batch each (an ordered
-- aggregate started two sorts per host, 9% of the statement's instructions).
LEFT JOIN (
    SELECT DISTINCT ON (host_id) host_id,
           fault || ' fault: ' || outcome ||
               CASE WHEN detail = '' THEN '' ELSE ' (' || detail || ')' END AS last_fault
    FROM logged
    WHERE host_id IS NOT NULL AND fault <> 'none'
    ORDER BY host_id, logged_at DESC, id DESC
) f ON f.host_id = s.host_id
LEFT JOIN (
    SELECT DISTINCT ON (host_id) host_id, tls AS last_update_tls
    FROM logged
    WHERE host_id IS NOT NULL AND (ipv4_changed OR ipv6_changed)
    ORDER BY host_id, logged_at DESC, id DESC
) t ON t.host_id = s.host_id
WHERE EXISTS (SELECT 1 FROM hosts h WHERE h.id = s.host_id)
ORDER BY s.host_id
ON CONFLICT (host_id) DO UPDATE SET
    client_faults = c.client_faults + excluded.client_faults,
    server_faults = c.server_faults + excluded.server_faults,
    auth_faults = c.auth_faults + excluded.auth_faults,
    last_fault = CASE WHEN c.last_fault_at IS NULL OR excluded.last_fault_at >= c.last_fault_at
                      THEN coalesce(excluded.last_fault, c.last_fault) ELSE c.last_fault END,
    last_fault_at = greatest(c.last_fault_at, excluded.last_fault_at),
    last_update_ipv4 = greatest(c.last_update_ipv4, excluded.last_update_ipv4),
    last_update_ipv6 = greatest(c.last_update_ipv6, excluded.last_update_ipv6),
    -- The batch's newest change against the newest stored one (either family).
    last_update_tls = CASE WHEN greatest(excluded.last_update_ipv4, excluded.last_update_ipv6)
                                >= coalesce(greatest(c.last_update_ipv4, c.last_update_ipv6),
                                            '-infinity')
                           THEN excluded.last_update_tls ELSE c.last_update_tls END)sql";

// Oldest first, at most $2 rows; rows another instance is deleting right now are skipped.
constexpr std::string_view kPrune = R"sql(
WITH doomed AS (
    SELECT id FROM update_log WHERE logged_at < to_timestamp($1::bigint / 1000000.0)
    ORDER BY logged_at LIMIT $2::bigint FOR UPDATE SKIP LOCKED
)
DELETE FROM update_log u USING doomed d WHERE u.id = d.id)sql";

// Client-supplied text (user agents, names, usernames) is stored as printable ASCII, cut to
// the column's limit: invalid UTF-8 would fail the whole batch, and control characters would
// reach the operator's terminal through `admin log`.
std::string clean_text(std::string_view text, std::size_t limit) {
    std::string out;
    out.reserve(std::min(text.size(), limit));
    for (char c : text) {
        if (out.size() == limit) break;
        const auto byte = static_cast<unsigned char>(c);
        out.push_back(byte >= 0x20 && byte < 0x7f ? c : '?');
    }
    return out;
}

// The batch's rows as one array literal per column (kInsert's $1..$16).
class Columns {
public:
    void add(const auth::AuditRecord& record, const auth::AuditHost& host) {
        const auth::AuditNote& note = record.note;
        const std::string& detail = host.detail.empty() ? note.detail : host.detail;
        const std::optional<std::string> values[kColumns] = {
            micros_param(record.time),
            opt_id_param(note.account_id),
            quoted(clean_text(note.username, 255)),
            opt_id_param(host.host_id),
            quoted(clean_text(host.name, 255)),
            record.client.to_string(),
            quoted(clean_text(record.user_agent, 256)),
            quoted(clean_text(note.dialect, 32)),
            quoted(clean_text(host.outcome, 64)),
            quoted(std::string(auth::to_string(host.fault))),
            quoted(clean_text(detail, 256)),
            bool_param(host.ipv4_changed),
            bool_param(host.ipv6_changed),
            bool_param(record.tls),
            std::to_string(record.repeats),
            record.repeats > 1 ? micros_param(record.first_time) : std::nullopt};
        for (int c = 0; c < kColumns; ++c) {
            std::string& column = columns_[static_cast<std::size_t>(c)];
            column += rows_ == 0 ? "{" : ",";
            column += values[c].value_or("NULL");
        }
        ++rows_;
    }
    std::size_t rows() const noexcept { return rows_; }
    // The parameters, and the columns emptied for the next statement.
    Params take() {
        Params params;
        for (auto& column : columns_) {
            params.emplace_back(column + "}");
            column.clear();
        }
        rows_ = 0;
        return params;
    }

private:
    static constexpr int kColumns = 16;
    // An array element: printable ASCII in double quotes, with '"' and '\\' escaped.
    static std::string quoted(const std::string& text) {
        std::string out = "\"";
        for (char c : text) {
            if (c == '"' || c == '\\') out.push_back('\\');
            out.push_back(c);
        }
        return out + "\"";
    }
    std::array<std::string, kColumns> columns_{};
    std::size_t rows_ = 0;
};

}  // namespace

void PgAuditStore::write(const std::vector<auth::AuditRecord>& records) {
    std::vector<Params> statements;
    Columns columns;
    for (const auto& record : records)
        for (const auto& host : record.note.hosts) {
            columns.add(record, host);
            if (columns.rows() >= kRowsPerInsert) statements.push_back(columns.take());
        }
    if (columns.rows() > 0) statements.push_back(columns.take());
    if (statements.empty()) return;
    auto conn = db_.lease();
    if (statements.size() == 1) {  // one statement is its own transaction
        conn->exec_prepared("audit_insert", kInsert, statements.front());
        return;
    }
    Transaction tx(*conn);
    for (const Params& params : statements) conn->exec_prepared("audit_insert", kInsert, params);
    tx.commit();
}

std::size_t PgAuditStore::prune(auth::TimePoint cutoff, std::size_t limit) {
    auto conn = db_.lease();
    const Result r =
        conn->exec_prepared("audit_prune", kPrune, {micros_param(cutoff), std::to_string(limit)});
    return static_cast<std::size_t>(r.affected());
}

}  // namespace ddns::sql
