// PostgreSQL implementation of the core's storage seams, on prepared statements.
#pragma once

#include "ddns/auth/store.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {

class PgStore final : public auth::AccountStore, public auth::HostStore {
public:
    explicit PgStore(Database& db) : db_(db) {}

    std::optional<auth::Principal> load_principal(std::string_view username,
                                                  std::string_view token_digest) override;
    std::unique_ptr<auth::HostChange> begin_change(
        const std::vector<std::int64_t>& host_ids) override;
    bool record_seen_if_unchanged(const auth::StoredAddresses& expected,
                                  auth::TimePoint now) override;

private:
    Database& db_;
};

}  // namespace ddns::sql
