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
    void record_applied(std::int64_t host_id, const std::optional<IpAddress>& ipv4,
                        const std::optional<IpAddress>& ipv6, auth::TimePoint now) override;
    void record_seen(std::int64_t host_id, auth::TimePoint now) override;

private:
    Database& db_;
};

}  // namespace ddns::sql
