// Host-lifecycle columns (migration 003) as the stores read and write them: the zone's heartbeat
// default and offline action, and recording a host taken offline. Private to sql/.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec.hpp"
#include "connection.hpp"
#include "ddns/auth/lifecycle.hpp"

namespace ddns::sql {

// Marks hosts in doubt (see auth::HostStore::mark_in_doubt), keeping the earliest mark: the
// reconciler settles from the oldest doubt. $1: bigint[] literal, $2: microseconds.
constexpr std::string_view kMarkInDoubt = R"sql(
UPDATE hosts SET dns_in_doubt_since = coalesce(dns_in_doubt_since,
                                               to_timestamp($2::bigint / 1000000.0))
WHERE id = ANY($1::bigint[]))sql";

inline void mark_hosts_in_doubt(Connection& conn, const std::vector<std::int64_t>& host_ids,
                                auth::TimePoint now) {
    if (host_ids.empty()) return;
    std::string ids = "{";
    for (std::size_t i = 0; i < host_ids.size(); ++i)
        ids += (i ? "," : "") + std::to_string(host_ids[i]);
    ids += "}";
    conn.exec_prepared("mark_in_doubt", kMarkInDoubt, {ids, micros_param(now)});
}

// The rule of auth::effective_heartbeat() in SQL, for hosts h joined with their zones z (used
// where the database must select due hosts; the callers re-check in C++).
// The protocol's default (migration 022) applies when neither host nor zone set one.
constexpr std::string_view kEffectiveHeartbeat =
    "(CASE WHEN h.heartbeat_seconds IS NULL "
    "THEN coalesce(z.heartbeat_seconds, h.protocol_heartbeat_seconds) "
    "ELSE nullif(h.heartbeat_seconds, 0) END)";

inline std::optional<std::chrono::seconds> opt_seconds(const Result& r, int row, int col) {
    if (auto s = r.opt_int64(row, col)) return std::chrono::seconds(*s);
    return std::nullopt;
}

// Reads two consecutive columns starting at `first`: z.heartbeat_seconds, z.offline_action.
inline void read_zone_lifecycle(auth::Zone& zone, const Result& r, int row, int first) {
    zone.heartbeat_timeout = opt_seconds(r, row, first);
    auto action = auth::parse_offline_action(r.text(row, first + 1));
    if (!action) throw auth::StoreError("database: stored offline action is unknown");
    zone.offline_action = *action;
}

// Reads h.offline_action (migration 006): the host's own action, NULL for the zone's.
inline std::optional<auth::OfflineAction> read_host_offline_action(const Result& r, int row,
                                                                   int col) {
    const auto text = r.opt_text(row, col);
    if (!text) return std::nullopt;
    auto action = auth::parse_offline_action(*text);
    if (!action) throw auth::StoreError("database: stored offline action is unknown");
    return action;
}

}  // namespace ddns::sql
