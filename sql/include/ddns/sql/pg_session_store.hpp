// PostgreSQL implementation of auth::SessionStore (migration 015, table web_sessions).
#pragma once

#include "ddns/auth/session.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {

class PgSessionStore final : public auth::SessionStore {
public:
    explicit PgSessionStore(Database& db) : db_(db) {}

    void create(const std::string& digest, std::int64_t account_id, auth::TimePoint now) override;
    std::optional<auth::SessionRecord> find(const std::string& digest, auth::TimePoint now,
                                            const auth::SessionLifetime& lifetime,
                                            std::chrono::seconds refresh_after) override;
    bool end(const std::string& digest) override;
    std::size_t end_account(std::int64_t account_id,
                            const std::optional<std::string>& keep = std::nullopt) override;
    std::size_t prune(auth::TimePoint now, const auth::SessionLifetime& lifetime) override;

private:
    Database& db_;
};

}  // namespace ddns::sql
