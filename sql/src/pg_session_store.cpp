#include "ddns/sql/pg_session_store.hpp"

#include <string>

#include "codec.hpp"
#include "connection.hpp"

namespace ddns::sql {
namespace {

constexpr std::string_view kCreate = R"sql(
INSERT INTO web_sessions (digest, account_id, created_at, last_seen)
VALUES ($1, $2, to_timestamp($3::bigint / 1000000.0), to_timestamp($3::bigint / 1000000.0)))sql";

// One statement: the live session, its last use moved forward when it is older than the
// refresh interval (the SELECT sees the row as before the UPDATE, hence `touched`). An idle or too
// old session matches nothing (and is left for prune()).
constexpr std::string_view kFind = R"sql(
WITH t AS (SELECT to_timestamp($2::bigint / 1000000.0) AS now),
live AS (
    SELECT s.digest FROM web_sessions s, t
    WHERE s.digest = $1
      AND s.last_seen > t.now - make_interval(secs => $3::bigint)
      AND s.created_at > t.now - make_interval(secs => $4::bigint)),
touched AS (
    UPDATE web_sessions s SET last_seen = t.now FROM t, live
    WHERE s.digest = live.digest AND s.last_seen < t.now - make_interval(secs => $5::bigint)
    RETURNING s.digest, s.last_seen)
SELECT s.account_id, (extract(epoch FROM s.created_at) * 1000000)::bigint,
       (extract(epoch FROM coalesce(touched.last_seen, s.last_seen)) * 1000000)::bigint
FROM web_sessions s JOIN live ON live.digest = s.digest
LEFT JOIN touched ON touched.digest = s.digest)sql";

constexpr std::string_view kEnd = "DELETE FROM web_sessions WHERE digest = $1";

constexpr std::string_view kEndAccount = R"sql(
DELETE FROM web_sessions WHERE account_id = $1 AND ($2::text IS NULL OR digest <> $2))sql";

constexpr std::string_view kPrune = R"sql(
WITH t AS (SELECT to_timestamp($1::bigint / 1000000.0) AS now)
DELETE FROM web_sessions s USING t
WHERE s.last_seen <= t.now - make_interval(secs => $2::bigint)
   OR s.created_at <= t.now - make_interval(secs => $3::bigint))sql";

}  // namespace

void PgSessionStore::create(const std::string& digest, std::int64_t account_id,
                            auth::TimePoint now) {
    auto conn = db_.lease();
    conn->exec_prepared("session_create", kCreate,
                        {digest, std::to_string(account_id), micros_param(now)});
}

std::optional<auth::SessionRecord> PgSessionStore::find(const std::string& digest,
                                                        auth::TimePoint now,
                                                        const auth::SessionLifetime& lifetime,
                                                        std::chrono::seconds refresh_after) {
    auto conn = db_.lease();
    const Result r = conn->exec_prepared(
        "session_find", kFind,
        {digest, micros_param(now), std::to_string(lifetime.idle.count()),
         std::to_string(lifetime.absolute.count()), std::to_string(refresh_after.count())});
    if (r.rows() != 1) return std::nullopt;
    return auth::SessionRecord{r.int64(0, 0), time_from_micros(r.int64(0, 1)),
                               time_from_micros(r.int64(0, 2))};
}

bool PgSessionStore::end(const std::string& digest) {
    auto conn = db_.lease();
    return conn->exec_prepared("session_end", kEnd, {digest}).affected() > 0;
}

std::size_t PgSessionStore::end_account(std::int64_t account_id,
                                        const std::optional<std::string>& keep) {
    auto conn = db_.lease();
    return static_cast<std::size_t>(
        conn->exec_prepared("session_end_account", kEndAccount, {std::to_string(account_id), keep})
            .affected());
}

std::size_t PgSessionStore::prune(auth::TimePoint now, const auth::SessionLifetime& lifetime) {
    auto conn = db_.lease();
    return static_cast<std::size_t>(
        conn->exec_prepared("session_prune", kPrune,
                            {micros_param(now), std::to_string(lifetime.idle.count()),
                             std::to_string(lifetime.absolute.count())})
            .affected());
}

}  // namespace ddns::sql
