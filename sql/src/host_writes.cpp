#include "host_writes.hpp"

#include <string_view>

#include "codec.hpp"

namespace ddns::sql {
namespace {

// One row per host, as parallel arrays: kind 'a' (applied: the new addresses, back online, the
// no-change window and the doubt mark cleared), 'o' (taken offline), 's' (only seen); `extra`
// the round robin's further A records (NULL: none after 'a'/'o', unchanged after 's'); `seen`
// the last_seen to write, which also clears the doubt mark (NULL: last_seen and the mark stay).
// The rows are locked already (the change's SELECT ... FOR UPDATE), so the order in which this
// statement visits them cannot deadlock. `h.id = ANY($1)` gives the planner the primary key as
// an index condition on hosts: with the join alone, a custom plan for a sweep batch of 500
// hashed the array and read every row of hosts (100,000 in the benchmark) for each batch
// (tests/sql/batch_reads_scale_test).
constexpr std::string_view kWriteHosts = R"sql(
UPDATE hosts h SET
    ipv4 = CASE WHEN v.kind = 's' THEN h.ipv4 ELSE v.ipv4 END,
    ipv6 = CASE WHEN v.kind = 's' THEN h.ipv6 ELSE v.ipv6 END,
    extra_ipv4 = coalesce(v.extra::inet[],
                          CASE WHEN v.kind = 's' THEN h.extra_ipv4 ELSE '{}'::inet[] END),
    updated_at = coalesce(to_timestamp(v.changed / 1000000.0), h.updated_at),
    last_seen = coalesce(to_timestamp(v.seen / 1000000.0), h.last_seen),
    offline_since = CASE v.kind WHEN 'a' THEN NULL
                                WHEN 'o' THEN to_timestamp(v.changed / 1000000.0)
                                ELSE h.offline_since END,
    offline_reason = CASE v.kind WHEN 'a' THEN NULL WHEN 'o' THEN v.reason
                                 ELSE h.offline_reason END,
    nochg_window_start = CASE WHEN v.kind = 'a' THEN NULL ELSE h.nochg_window_start END,
    nochg_count = CASE WHEN v.kind = 'a' THEN 0 ELSE h.nochg_count END,
    dns_in_doubt_since = CASE WHEN v.seen IS NULL THEN h.dns_in_doubt_since END
FROM unnest($1::bigint[], $2::text[], $3::inet[], $4::inet[], $5::text[], $6::text[],
            $7::bigint[], $8::bigint[]) AS v(id, kind, ipv4, ipv6, extra, reason, changed, seen)
WHERE h.id = v.id AND h.id = ANY($1::bigint[]))sql";

std::string micros(auth::TimePoint t) {
    return *micros_param(t);
}

// Builds a one-dimensional array literal; elements are appended already quoted where needed.
class ArrayLiteral {
public:
    void add(const std::optional<std::string>& element, bool quote = false) {
        text_ += text_.size() > 1 ? "," : "";
        if (!element)
            text_ += "NULL";
        else if (quote)
            text_ += "\"" + *element + "\"";  // addresses, numbers, braces and commas only
        else
            text_ += *element;
    }
    std::string done() const { return text_ + "}"; }

private:
    std::string text_ = "{";
};

std::optional<std::string> address_text(const std::optional<IpAddress>& a) {
    if (!a) return std::nullopt;
    return a->to_string();
}

}  // namespace

void HostWrites::applied(std::int64_t host_id, const std::optional<IpAddress>& ipv4,
                         const std::optional<IpAddress>& ipv6, auth::TimePoint now) {
    Row& r = row(host_id);
    r.kind = Kind::Applied;
    r.ipv4 = ipv4;
    r.ipv6 = ipv6;
    r.extra.reset();
    r.reason.reset();
    r.changed_at = now;
    r.seen_at = now;
}

void HostWrites::offline(std::int64_t host_id, const std::optional<IpAddress>& ipv4,
                         const std::optional<IpAddress>& ipv6, auth::OfflineReason reason,
                         auth::TimePoint now) {
    Row& r = row(host_id);
    r.kind = Kind::Offline;
    r.ipv4 = ipv4;
    r.ipv6 = ipv6;
    r.extra.reset();
    r.reason = reason;
    r.changed_at = now;
}

void HostWrites::extra_ipv4(std::int64_t host_id, const std::vector<IpAddress>& extra) {
    row(host_id).extra = extra;
}

void HostWrites::seen(std::int64_t host_id, auth::TimePoint now) {
    row(host_id).seen_at = now;
}

std::optional<Statement> HostWrites::take() {
    if (rows_.empty()) return std::nullopt;
    ArrayLiteral ids, kinds, ipv4s, ipv6s, extras, reasons, changed, seen;
    for (const auto& [id, r] : rows_) {
        ids.add(std::to_string(id));
        kinds.add(std::string(1, static_cast<char>(r.kind)));
        ipv4s.add(address_text(r.ipv4));
        ipv6s.add(address_text(r.ipv6));
        extras.add(r.extra ? std::optional(*addresses_param(*r.extra)) : std::nullopt, true);
        reasons.add(r.reason ? std::optional(std::string(auth::to_string(*r.reason)))
                             : std::nullopt);
        changed.add(r.changed_at ? std::optional(micros(*r.changed_at)) : std::nullopt);
        seen.add(r.seen_at ? std::optional(micros(*r.seen_at)) : std::nullopt);
    }
    rows_.clear();
    return Statement{"write_hosts",
                     kWriteHosts,
                     {ids.done(), kinds.done(), ipv4s.done(), ipv6s.done(), extras.done(),
                      reasons.done(), changed.done(), seen.done()}};
}

void HostWrites::flush(Connection& conn) {
    if (auto statement = take())
        conn.exec_prepared(statement->name, statement->sql, statement->params);
}

void HostWrites::flush_and_commit(Transaction& tx) {
    if (auto statement = take())
        tx.commit_after(*statement);
    else
        tx.commit();
}

}  // namespace ddns::sql
