// PostgreSQL implementation of the reconciler's storage seam: hosts are locked with
// FOR UPDATE SKIP LOCKED, like the sweeper's, so instances sharing a database split the work;
// a zone's domain records and RRsets in doubt under the zone row's lock, which record changes
// take too.
#pragma once

#include "ddns/auth/reconcile_store.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {

class PgReconcileStore final : public auth::ReconcileStore {
public:
    explicit PgReconcileStore(Database& db) : db_(db) {}

    std::vector<std::int64_t> zone_ids() override;
    std::vector<std::int64_t> zones_in_doubt() override;
    std::vector<std::int64_t> zones_with_records_in_doubt() override;
    std::unique_ptr<auth::ReconcileBatch> lock_hosts(std::int64_t zone_id,
                                                     auth::HostSelection which,
                                                     std::int64_t after_id,
                                                     std::size_t limit) override;
    auth::HostPage read_hosts(std::int64_t zone_id, std::int64_t after_id,
                              std::size_t limit) override;
    std::unique_ptr<auth::ReconcileBatch> lock_host_ids(
        std::int64_t zone_id, const std::vector<std::int64_t>& ids) override;
    std::unique_ptr<auth::ReconcileRecords> lock_zone_records(std::int64_t zone_id) override;

private:
    Database& db_;
};

}  // namespace ddns::sql
