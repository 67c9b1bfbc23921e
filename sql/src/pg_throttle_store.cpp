#include "ddns/sql/pg_throttle_store.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "connection.hpp"
#include "ddns/auth/store.hpp"

namespace ddns::sql {
namespace {

// The first instance's proposal becomes the key; every later one reads it. A data-modifying
// CTE sees the table as before the statement, so exactly one of the two branches has a row.
constexpr std::string_view kHashKey = R"sql(
WITH ins AS (INSERT INTO throttle_key (secret) VALUES (decode($1, 'hex'))
             ON CONFLICT (id) DO NOTHING RETURNING secret)
SELECT encode(secret, 'hex') FROM ins
UNION ALL
SELECT encode(secret, 'hex') FROM throttle_key
LIMIT 1)sql";

// One statement for all streaks of a failure, in the order given (the throttle always gives
// address, account, network: every caller locks rows in the same order, so none deadlock).
constexpr std::string_view kFailures = R"sql(
SELECT throttle_failure(u.scope, u.key, u.threshold, u.initial, u.max, u.win)
FROM unnest($1::text[], $2::bigint[], $3::integer[], $4::integer[], $5::integer[],
            $6::integer[]) WITH ORDINALITY AS u(scope, key, threshold, initial, max, win, n)
ORDER BY u.n)sql";

constexpr std::string_view kActiveLocks = R"sql(
SELECT scope, key, ceil(extract(epoch FROM locked_until - clock_timestamp()) * 1000)::bigint
FROM throttle_streaks WHERE locked_until > clock_timestamp())sql";

constexpr std::string_view kPrune = R"sql(
DELETE FROM throttle_streaks WHERE forget_at < clock_timestamp())sql";

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const auto b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 0x0f];
    }
    return out;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw auth::StoreError("database: the stored throttle key is not hex");
}

// A PostgreSQL array literal of plain tokens (numbers, one-letter scopes): nothing to quote.
template <typename T, typename F>
std::string array_literal(std::span<const T> items, F field) {
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + field(items[i]);
    return out + "}";
}

}  // namespace

Secret PgThrottleStore::hash_key(const Secret& proposal) {
    auto conn = db_.lease();
    const Result r =
        conn->exec_prepared("throttle_key", kHashKey, {to_hex(proposal.expose_bytes())});
    if (r.rows() != 1) throw auth::StoreError("database: no throttle key");
    const std::string_view hex = r.text(0, 0);
    std::vector<std::uint8_t> bytes(hex.size() / 2);
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] =
            static_cast<std::uint8_t>(hex_digit(hex[2 * i]) * 16 + hex_digit(hex[2 * i + 1]));
    Secret key(bytes);
    std::fill(bytes.begin(), bytes.end(), 0);
    return key;
}

std::vector<std::chrono::milliseconds> PgThrottleStore::record_failures(
    std::span<const auth::SharedFailure> failures) {
    using F = auth::SharedFailure;
    const auto seconds_of = [](auto get) {
        return [get](const F& f) { return std::to_string(get(f).count()); };
    };
    Params params{
        array_literal(failures, [](const F& f) { return std::string(1, f.streak.scope); }),
        array_literal(
            failures,
            [](const F& f) { return std::to_string(static_cast<std::int64_t>(f.streak.key)); }),
        array_literal(failures, [](const F& f) { return std::to_string(f.threshold); }),
        array_literal(failures, seconds_of([](const F& f) { return f.initial; })),
        array_literal(failures, seconds_of([](const F& f) { return f.max; })),
        array_literal(failures, seconds_of([](const F& f) { return f.window; }))};
    auto conn = db_.lease();
    const Result r = conn->exec_prepared("throttle_failures", kFailures, params);
    std::vector<std::chrono::milliseconds> out;
    for (int row = 0; row < r.rows(); ++row) {
        const double secs = std::stod(std::string(r.text(row, 0)));
        out.emplace_back(static_cast<std::int64_t>(std::ceil(secs * 1000)));
    }
    return out;
}

std::vector<auth::SharedLock> PgThrottleStore::active_locks() {
    auto conn = db_.lease();
    const Result r = conn->exec_prepared("throttle_locks", kActiveLocks, {});
    std::vector<auth::SharedLock> out;
    for (int row = 0; row < r.rows(); ++row) {
        const std::string_view scope = r.text(row, 0);
        if (scope.size() != 1) continue;
        out.push_back({{scope[0], static_cast<std::uint64_t>(r.int64(row, 1))},
                       std::chrono::milliseconds(r.int64(row, 2))});
    }
    return out;
}

std::size_t PgThrottleStore::prune() {
    auto conn = db_.lease();
    return static_cast<std::size_t>(conn->exec_prepared("throttle_prune", kPrune, {}).affected());
}

}  // namespace ddns::sql
