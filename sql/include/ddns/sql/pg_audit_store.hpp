// PostgreSQL implementation of the update log (auth::AuditStore): batched writes that also
// maintain the hosts' fault counters, and pruning by age. Used by the gateway's background
// writer and pruner only, never on a request's path.
#pragma once

#include "ddns/auth/audit.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {

class PgAuditStore final : public auth::AuditStore {
public:
    explicit PgAuditStore(Database& db) : db_(db) {}

    void write(const std::vector<auth::AuditRecord>& records) override;
    std::size_t prune(auth::TimePoint cutoff, std::size_t limit) override;

private:
    Database& db_;
};

}  // namespace ddns::sql
