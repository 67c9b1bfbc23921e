// PostgreSQL implementation of the throttle's shared state (auth::ThrottleStore), migration 011:
// one statement per failure (throttle_failure() for each streak), one to read the active locks.
#pragma once

#include "ddns/auth/throttle_store.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {

class PgThrottleStore final : public auth::ThrottleStore {
public:
    explicit PgThrottleStore(Database& db) : db_(db) {}

    Secret hash_key(const Secret& proposal) override;
    std::vector<std::chrono::milliseconds> record_failures(
        std::span<const auth::SharedFailure> failures) override;
    std::vector<auth::SharedLock> active_locks() override;
    std::size_t prune() override;

private:
    Database& db_;
};

}  // namespace ddns::sql
