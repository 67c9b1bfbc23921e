// PostgreSQL implementation of the sweeper's storage seam: due hosts are found and locked with
// FOR UPDATE SKIP LOCKED, so several gateway instances on one database never sweep a host twice.
#pragma once

#include "ddns/auth/lifecycle.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {

class PgLifecycleStore final : public auth::LifecycleStore {
public:
    explicit PgLifecycleStore(Database& db) : db_(db) {}

    std::vector<std::int64_t> zones_with_due_hosts(auth::TimePoint now) override;
    std::unique_ptr<auth::SweepBatch> lock_due_hosts(std::int64_t zone_id, auth::TimePoint now,
                                                     std::size_t limit,
                                                     std::int64_t after_id) override;
    void mark_in_doubt(const std::vector<std::int64_t>& host_ids, auth::TimePoint now) override;

private:
    Database& db_;
};

}  // namespace ddns::sql
