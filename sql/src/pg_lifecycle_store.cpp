#include "ddns/sql/pg_lifecycle_store.hpp"

#include "codec.hpp"
#include "connection.hpp"
#include "host_writes.hpp"
#include "lifecycle_sql.hpp"

namespace ddns::sql {
namespace {

// "Due at $1": the rule of auth::offline_due() for online hosts h of accounts a in zones z.
// $1 is the sweep time in microseconds since the epoch (the sweeper's clock, not now()).
//
// A host derived from another one's prefix (migration 021) lives by that host: it is due when
// the host it derives from is due or already offline, whatever its own heartbeat says (it sends
// no updates of its own). The joined row `p` is that host; the two expressions below are what
// the sweeper reads as the derived host's last_seen and heartbeat, so that auth::offline_due()
// agrees in C++ (an offline parent reads as "seen at the epoch, one second allowed"). For other
// hosts the heartbeat column carries the protocol's default (migration 022) where neither the
// host nor the zone sets one.
const std::string& liveness_seen() {
    static const std::string sql =
        "(CASE WHEN h.derive_from IS NULL THEN h.last_seen "
        "WHEN p.offline_since IS NOT NULL THEN 'epoch'::timestamptz ELSE p.last_seen END)";
    return sql;
}
const std::string& liveness_heartbeat() {
    static const std::string sql =
        "(CASE WHEN h.derive_from IS NULL THEN " + std::string(kEffectiveHeartbeat) +
        " WHEN p.offline_since IS NOT NULL THEN 1 "
        "WHEN p.heartbeat_seconds IS NULL "
        "THEN coalesce(z.heartbeat_seconds, p.protocol_heartbeat_seconds) "
        "ELSE nullif(p.heartbeat_seconds, 0) END)";
    return sql;
}
constexpr std::string_view kJoinParent = " LEFT JOIN hosts p ON p.id = h.derive_from ";

std::string due_condition() {
    return "h.offline_since IS NULL AND ("
           "a.expires_at <= to_timestamp($1::bigint / 1000000.0) OR " +
           liveness_seen() + " + make_interval(secs => " + liveness_heartbeat() +
           ") < to_timestamp($1::bigint / 1000000.0))";
}

const std::string& zones_with_due_sql() {
    static const std::string sql =
        "SELECT DISTINCT h.zone_id FROM hosts h JOIN zones z ON z.id = h.zone_id "
        "JOIN accounts a ON a.id = h.account_id" +
        std::string(kJoinParent) + "WHERE " + due_condition() + " ORDER BY 1";
    return sql;
}

// The lock statement's sources: zone, account and parent as LATERAL subqueries of the host row
// (OFFSET 0 keeps PostgreSQL from flattening them into joins it may reorder). So the plan is
// always a scan of the zone's hosts in id order from the cursor, each host looked up in the
// other tables, stopping at the limit: bounded by the batch whatever the statistics or a generic
// plan say. As plain joins, statistics that did not yet know a bulk-inserted zone (or a plan
// made while the table was small) let the planner read and sort every host of the zone, or
// walk the primary key from its first host, for every batch (tests/sql/batch_reads_scale_test,
// docs/performance.md "Why the sweep's time varied").
constexpr std::string_view kLockSources =
    " FROM hosts h"
    " CROSS JOIN LATERAL (SELECT heartbeat_seconds FROM zones WHERE id = h.zone_id OFFSET 0) z"
    " CROSS JOIN LATERAL (SELECT expires_at FROM accounts WHERE id = h.account_id OFFSET 0) a"
    " LEFT JOIN LATERAL (SELECT offline_since, last_seen, heartbeat_seconds,"
    " protocol_heartbeat_seconds FROM hosts WHERE id = h.derive_from OFFSET 0) p ON true ";

// SKIP LOCKED: rows another transaction holds (an update of that host, another instance's
// sweep) are passed over, not waited for; the Limit sits above the row locks, so skipped rows
// do not use up the batch. A row updated since the snapshot is re-checked against the WHERE
// before it is locked (READ COMMITTED), and the caller re-checks again in C++. $4 is the
// cursor: the batch starts after the previous batch's last host, never at the zone's first.
const std::string& lock_due_sql() {
    static const std::string sql =
        "SELECT h.id, h.name, h.ttl, host(h.ipv4), host(h.ipv6), "
        "(extract(epoch FROM " +
        liveness_seen() +
        ") * 1000000)::bigint, "
        "CASE WHEN h.derive_from IS NOT NULL THEN coalesce(" +
        liveness_heartbeat() +
        ", 0) WHEN h.heartbeat_seconds IS NULL AND z.heartbeat_seconds IS NULL "
        "THEN h.protocol_heartbeat_seconds ELSE h.heartbeat_seconds END, "
        "h.offline_since IS NOT NULL, h.account_id, "
        "(extract(epoch FROM a.expires_at) * 1000000)::bigint, h.offline_action, "
        "host_list(h.extra_ipv4), h.wildcard" +
        std::string(kLockSources) + "WHERE h.zone_id = $2::bigint AND h.id > $4::bigint AND " +
        due_condition() + " ORDER BY h.id LIMIT $3::bigint FOR UPDATE OF h SKIP LOCKED";
    return sql;
}

constexpr std::string_view kZone = R"sql(
SELECT id, name, server_address, server_port, tsig_key_name, tsig_algorithm, tsig_secret,
       default_ttl, owner_account_id, heartbeat_seconds, offline_action
FROM zones WHERE id = $1::bigint)sql";

// Member order matters: the transaction ends before the lease returns the connection.
class PgSweepBatch final : public auth::SweepBatch {
public:
    PgSweepBatch(Database::Lease lease, std::int64_t zone_id, auth::TimePoint now,
                 std::size_t limit, std::int64_t after_id)
        : lease_(std::move(lease)), transaction_(*lease_) {
        const Result z = lease_->exec_prepared("sweep_zone", kZone, {id_param(zone_id)});
        if (z.rows() == 0) return;  // removed meanwhile
        auth::Zone loaded = zone_from_row(z, 0, 0);
        read_zone_lifecycle(loaded, z, 0, 9);  // after zone_from_row's nine columns
        const auto zone = std::make_shared<const auth::Zone>(std::move(loaded));

        const Result r = lease_->exec_prepared(
            "sweep_lock_due", lock_due_sql(),
            {micros_param(now), id_param(zone_id), std::to_string(limit), id_param(after_id)});
        for (int row = 0; row < r.rows(); ++row) {
            auth::Host host{
                r.int64(row, 0),
                r.int64(row, 8),
                stored_name(r.text(row, 1)),
                stored_ttl(r.int64(row, 2)),
                stored_address(r.opt_text(row, 3)),
                stored_address(r.opt_text(row, 4)),
                opt_time(r, row, 5),
                zone,
                auth::effective_heartbeat(opt_seconds(r, row, 6), zone->heartbeat_timeout),
                r.boolean(row, 7)};
            host.offline_action = read_host_offline_action(r, row, 10);
            host.extra_ipv4 = stored_addresses(r.text(row, 11));
            host.wildcard = r.boolean(row, 12);
            hosts_.push_back(auth::SweepCandidate{std::move(host), opt_time(r, row, 9)});
        }
    }

    const std::vector<auth::SweepCandidate>& hosts() const override { return hosts_; }

    void record_offline(std::int64_t host_id, const std::optional<IpAddress>& ipv4,
                        const std::optional<IpAddress>& ipv6, auth::OfflineReason reason,
                        auth::TimePoint now) override {
        writes_.offline(host_id, ipv4, ipv6, reason, now);  // one statement at commit
    }

    void commit() override {
        writes_.flush(*lease_);
        transaction_.commit();
    }

private:
    Database::Lease lease_;
    Transaction transaction_;
    std::vector<auth::SweepCandidate> hosts_;
    HostWrites writes_;
};

}  // namespace

std::vector<std::int64_t> PgLifecycleStore::zones_with_due_hosts(auth::TimePoint now) {
    auto conn = db_.lease();
    const Result r =
        conn->exec_prepared("sweep_due_zones", zones_with_due_sql(), {micros_param(now)});
    std::vector<std::int64_t> zones;
    zones.reserve(static_cast<std::size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row) zones.push_back(r.int64(row, 0));
    return zones;
}

std::unique_ptr<auth::SweepBatch> PgLifecycleStore::lock_due_hosts(std::int64_t zone_id,
                                                                   auth::TimePoint now,
                                                                   std::size_t limit,
                                                                   std::int64_t after_id) {
    return std::make_unique<PgSweepBatch>(db_.lease(), zone_id, now, limit, after_id);
}

void PgLifecycleStore::mark_in_doubt(const std::vector<std::int64_t>& host_ids,
                                     auth::TimePoint now) {
    if (host_ids.empty()) return;
    auto conn = db_.lease();
    mark_hosts_in_doubt(*conn, host_ids, now);
}

}  // namespace ddns::sql
