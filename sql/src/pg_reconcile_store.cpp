#include "ddns/sql/pg_reconcile_store.hpp"

#include <algorithm>

#include "codec.hpp"
#include "connection.hpp"
#include "record_rows.hpp"

namespace ddns::sql {
namespace {

constexpr std::string_view kZone = R"sql(
SELECT id, name, server_address, server_port, tsig_key_name, tsig_algorithm, tsig_secret,
       default_ttl, owner_account_id
FROM zones WHERE id = $1::bigint)sql";

// What the reconciler reads of a host; each statement below adds its WHERE clause.
constexpr std::string_view kHostColumns = R"sql(
SELECT id, name, ttl, host(ipv4), host(ipv6),
       (extract(epoch FROM dns_in_doubt_since) * 1000000)::bigint, host_list(extra_ipv4),
       wildcard
FROM hosts)sql";

std::string hosts_where(std::string_view where) {
    return std::string(kHostColumns) + std::string(where);
}

// SKIP LOCKED: a host in the middle of an update (its row locked by the update path) or held by
// another instance's reconciler or sweeper is passed over, not waited for; the Limit sits above
// the row locks, so skipped rows do not use up the batch.
constexpr std::string_view kLockHosts = R"sql(
WHERE zone_id = $1::bigint AND id > $2::bigint AND ($3::boolean OR dns_in_doubt_since IS NOT NULL)
ORDER BY id LIMIT $4::bigint FOR UPDATE SKIP LOCKED)sql";

// A full pass's read: no lock (migration 029's index on (zone_id, id) reads just these rows).
constexpr std::string_view kReadHosts = R"sql(
WHERE zone_id = $1::bigint AND id > $2::bigint ORDER BY id LIMIT $3::bigint)sql";

// The hosts a full pass found different, locked in id order as every writer of hosts locks.
// $3 and $4, the lowest and highest of the ids, bound every plan's index range to the page the
// ids came from: without them, statistics that did not yet know a bulk-inserted zone made the
// planner read the whole zone by (zone_id, id) and filter the ids, for every 100 hosts
// (tests/sql/batch_reads_scale_test).
constexpr std::string_view kLockHostIds = R"sql(
WHERE zone_id = $1::bigint AND id BETWEEN $3::bigint AND $4::bigint AND id = ANY($2::bigint[])
ORDER BY id FOR UPDATE SKIP LOCKED)sql";

std::vector<auth::ReconcileHost> reconcile_hosts_from(const Result& r) {
    std::vector<auth::ReconcileHost> hosts;
    for (int row = 0; row < r.rows(); ++row) {
        hosts.push_back(auth::ReconcileHost{
            r.int64(row, 0), stored_name(r.text(row, 1)), stored_ttl(r.int64(row, 2)),
            stored_address(r.opt_text(row, 3)), stored_address(r.opt_text(row, 4)),
            opt_time(r, row, 5), stored_addresses(r.text(row, 6)), r.boolean(row, 7)});
    }
    return hosts;
}

std::shared_ptr<const auth::Zone> read_zone(Connection& conn, std::int64_t zone_id) {
    const Result z = conn.exec_prepared("reconcile_zone", kZone, {id_param(zone_id)});
    if (z.rows() == 0) return nullptr;  // removed meanwhile
    return std::make_shared<const auth::Zone>(zone_from_row(z, 0, 0));
}

constexpr std::string_view kClearInDoubt =
    "UPDATE hosts SET dns_in_doubt_since = NULL WHERE id = $1::bigint";

// Member order matters: the transaction ends before the lease returns the connection.
class PgReconcileBatch final : public auth::ReconcileBatch {
public:
    PgReconcileBatch(Database::Lease lease, std::int64_t zone_id, auth::HostSelection which,
                     std::int64_t after_id, std::size_t limit)
        : lease_(std::move(lease)), transaction_(*lease_) {
        zone_ = read_zone(*lease_, zone_id);
        if (!zone_) return;
        const bool all = which == auth::HostSelection::All;
        hosts_ = reconcile_hosts_from(lease_->exec_prepared(
            "reconcile_lock_hosts", hosts_where(kLockHosts),
            {id_param(zone_id), id_param(after_id), bool_param(all), std::to_string(limit)}));
    }
    PgReconcileBatch(Database::Lease lease, std::int64_t zone_id,
                     const std::vector<std::int64_t>& ids)
        : lease_(std::move(lease)), transaction_(*lease_) {
        zone_ = read_zone(*lease_, zone_id);
        if (!zone_ || ids.empty()) return;
        const auto [low, high] = std::minmax_element(ids.begin(), ids.end());
        hosts_ = reconcile_hosts_from(lease_->exec_prepared(
            "reconcile_lock_host_ids", hosts_where(kLockHostIds),
            {id_param(zone_id), id_array(ids), id_param(*low), id_param(*high)}));
    }

    std::shared_ptr<const auth::Zone> zone() const override { return zone_; }
    const std::vector<auth::ReconcileHost>& hosts() const override { return hosts_; }
    void clear_in_doubt(std::int64_t host_id) override {
        lease_->exec_prepared("reconcile_clear_in_doubt", kClearInDoubt, {id_param(host_id)});
    }
    void commit() override { transaction_.commit(); }

private:
    Database::Lease lease_;
    Transaction transaction_;
    std::shared_ptr<const auth::Zone> zone_;
    std::vector<auth::ReconcileHost> hosts_;
};

// The lock record changes take (pg_record_store.cpp), without waiting: a zone whose records are
// being changed is compared on the next pass.
constexpr std::string_view kLockZoneRecords =
    "SELECT id FROM zones WHERE id = $1::bigint FOR UPDATE SKIP LOCKED";

constexpr std::string_view kClearRRsetInDoubt = R"sql(
DELETE FROM record_rrsets_in_doubt WHERE zone_id = $1::bigint AND name = $2 AND type = $3)sql";

class PgReconcileRecords final : public auth::ReconcileRecords {
public:
    PgReconcileRecords(Database::Lease lease, std::int64_t zone_id)
        : lease_(std::move(lease)), transaction_(*lease_), zone_id_(zone_id) {
        if (lease_->exec_prepared("reconcile_lock_zone", kLockZoneRecords, {id_param(zone_id)})
                .rows() == 0)
            return;  // held by a record change, or removed
        const Result z = lease_->exec_prepared("reconcile_zone", kZone, {id_param(zone_id)});
        if (z.rows() == 0) return;
        zone_ = std::make_shared<const auth::Zone>(zone_from_row(z, 0, 0));
        const Result r = lease_->exec_prepared("reconcile_zone_records", zone_records_sql(),
                                               {id_param(zone_id)});
        for (auto& stored : stored_records_from(r)) records_.push_back(std::move(stored.record));
        in_doubt_ = rrsets_in_doubt_from(lease_->exec_prepared(
            "reconcile_rrsets_in_doubt", rrsets_in_doubt_sql(), {id_param(zone_id)}));
    }

    std::shared_ptr<const auth::Zone> zone() const override { return zone_; }
    const std::vector<ResourceRecord>& records() const override { return records_; }
    const std::vector<auth::RRsetInDoubt>& in_doubt() const override { return in_doubt_; }
    void clear_in_doubt(const DnsName& name, RecordType type) override {
        lease_->exec_prepared("reconcile_clear_rrset_in_doubt", kClearRRsetInDoubt,
                              {id_param(zone_id_), name.str(), std::string(to_string(type))});
    }
    void commit() override { transaction_.commit(); }

private:
    Database::Lease lease_;
    Transaction transaction_;
    std::int64_t zone_id_;
    std::shared_ptr<const auth::Zone> zone_;
    std::vector<ResourceRecord> records_;
    std::vector<auth::RRsetInDoubt> in_doubt_;
};

std::vector<std::int64_t> ids(const Result& r) {
    std::vector<std::int64_t> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row) out.push_back(r.int64(row, 0));
    return out;
}

}  // namespace

std::vector<std::int64_t> PgReconcileStore::zone_ids() {
    auto conn = db_.lease();
    return ids(conn->exec_prepared("reconcile_zone_ids", "SELECT id FROM zones ORDER BY id", {}));
}

std::vector<std::int64_t> PgReconcileStore::zones_in_doubt() {
    auto conn = db_.lease();
    return ids(conn->exec_prepared(
        "reconcile_zones_in_doubt",
        "SELECT DISTINCT zone_id FROM hosts WHERE dns_in_doubt_since IS NOT NULL ORDER BY 1", {}));
}

std::vector<std::int64_t> PgReconcileStore::zones_with_records_in_doubt() {
    auto conn = db_.lease();
    return ids(conn->exec_prepared("reconcile_zones_with_records_in_doubt",
                                   "SELECT DISTINCT zone_id FROM record_rrsets_in_doubt ORDER BY 1",
                                   {}));
}

std::unique_ptr<auth::ReconcileBatch> PgReconcileStore::lock_hosts(std::int64_t zone_id,
                                                                   auth::HostSelection which,
                                                                   std::int64_t after_id,
                                                                   std::size_t limit) {
    return std::make_unique<PgReconcileBatch>(db_.lease(), zone_id, which, after_id, limit);
}

auth::HostPage PgReconcileStore::read_hosts(std::int64_t zone_id, std::int64_t after_id,
                                            std::size_t limit) {
    auto conn = db_.lease();
    auth::HostPage page;
    page.zone = read_zone(*conn, zone_id);
    if (!page.zone) return page;
    page.hosts = reconcile_hosts_from(
        conn->exec_prepared("reconcile_read_hosts", hosts_where(kReadHosts),
                            {id_param(zone_id), id_param(after_id), std::to_string(limit)}));
    return page;
}

std::unique_ptr<auth::ReconcileBatch> PgReconcileStore::lock_host_ids(
    std::int64_t zone_id, const std::vector<std::int64_t>& ids) {
    return std::make_unique<PgReconcileBatch>(db_.lease(), zone_id, ids);
}

std::unique_ptr<auth::ReconcileRecords> PgReconcileStore::lock_zone_records(std::int64_t zone_id) {
    auto locked = std::make_unique<PgReconcileRecords>(db_.lease(), zone_id);
    if (!locked->zone() || (locked->records().empty() && locked->in_doubt().empty()))
        return nullptr;
    return locked;
}

}  // namespace ddns::sql
