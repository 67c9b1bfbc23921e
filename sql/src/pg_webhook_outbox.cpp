#include <algorithm>
#include <string>

#include "codec.hpp"
#include "connection.hpp"
#include "ddns/sql/pg_notice_store.hpp"

namespace ddns::sql {
namespace {

// As the mail outbox's claim: due rows locked with SKIP LOCKED, counted and leased in one
// statement; the URL and secret come from the subscription as it is now.
constexpr std::string_view kClaim = R"sql(
WITH due AS (
    SELECT id FROM webhook_outbox
    WHERE state = 'pending' AND next_attempt <= clock_timestamp()
    ORDER BY next_attempt, id
    LIMIT $1
    FOR UPDATE SKIP LOCKED)
UPDATE webhook_outbox w
   SET attempts = w.attempts + 1,
       next_attempt = clock_timestamp() + make_interval(secs => $2::integer)
  FROM due, notice_subscriptions s
 WHERE w.id = due.id AND s.id = w.subscription_id
RETURNING w.id, s.webhook_url, s.webhook_secret, w.idempotency_key, w.body, w.attempts,
          floor(extract(epoch FROM clock_timestamp() - w.created))::bigint)sql";

constexpr std::string_view kSent = R"sql(
UPDATE webhook_outbox SET state = 'sent', finished = clock_timestamp()
 WHERE id = $1 AND state = 'pending')sql";

constexpr std::string_view kRetry = R"sql(
UPDATE webhook_outbox
   SET last_error = $2, next_attempt = clock_timestamp() + make_interval(secs => $3::integer)
 WHERE id = $1 AND state = 'pending')sql";

constexpr std::string_view kGiveUp = R"sql(
UPDATE webhook_outbox SET state = 'failed', finished = clock_timestamp(), last_error = $2
 WHERE id = $1 AND state = 'pending')sql";

constexpr std::string_view kPrune = R"sql(
DELETE FROM webhook_outbox
 WHERE state <> 'pending' AND finished < clock_timestamp() - make_interval(secs => $1::integer))sql";

constexpr std::string_view kList = R"sql(
SELECT w.id, w.subscription_id, s.webhook_url, w.idempotency_key, w.state, w.attempts,
       to_char(w.created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), w.last_error
  FROM webhook_outbox w JOIN notice_subscriptions s ON s.id = w.subscription_id
 WHERE w.state <> 'sent' OR $2::boolean
 ORDER BY w.id DESC
 LIMIT $1)sql";

constexpr std::size_t kMaxError = 500;

std::string clip(const std::string& error) {
    return error.size() <= kMaxError ? error : error.substr(0, kMaxError);
}

std::string seconds_text(std::chrono::seconds s) {
    return std::to_string(std::clamp<std::int64_t>(s.count(), 0, 365LL * 24 * 3600 * 10));
}

}  // namespace

std::vector<auth::QueuedWebhook> PgWebhookOutbox::claim(int limit, std::chrono::seconds lease) {
    auto conn = db_.lease();
    const Result r = conn->exec_prepared("webhook_claim", kClaim,
                                         {std::to_string(std::max(limit, 0)), seconds_text(lease)});
    std::vector<auth::QueuedWebhook> out;
    for (int i = 0; i < r.rows(); ++i) {
        auth::QueuedWebhook q;
        q.id = r.int64(i, 0);
        q.url = std::string(r.text(i, 1));
        q.secret = std::make_shared<const Secret>(r.text(i, 2));
        q.key = std::string(r.text(i, 3));
        q.body = std::string(r.text(i, 4));
        q.attempts = static_cast<int>(r.int64(i, 5));
        q.age = std::chrono::seconds(r.int64(i, 6));
        out.push_back(std::move(q));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

void PgWebhookOutbox::mark_sent(std::int64_t id) {
    auto conn = db_.lease();
    conn->exec_prepared("webhook_sent", kSent, {id_param(id)});
}

void PgWebhookOutbox::retry(std::int64_t id, const std::string& error, std::chrono::seconds delay) {
    auto conn = db_.lease();
    conn->exec_prepared("webhook_retry", kRetry, {id_param(id), clip(error), seconds_text(delay)});
}

void PgWebhookOutbox::give_up(std::int64_t id, const std::string& error) {
    auto conn = db_.lease();
    conn->exec_prepared("webhook_give_up", kGiveUp, {id_param(id), clip(error)});
}

std::int64_t PgWebhookOutbox::prune(std::chrono::seconds age) {
    auto conn = db_.lease();
    return conn->exec_prepared("webhook_prune", kPrune, {seconds_text(age)}).affected();
}

std::int64_t PgWebhookOutbox::pending() {
    auto conn = db_.lease();
    return conn
        ->exec_prepared("webhook_pending",
                        "SELECT count(*) FROM webhook_outbox WHERE state = 'pending'", {})
        .int64(0, 0);
}

std::vector<auth::WebhookSummary> PgWebhookOutbox::list(int limit, bool include_sent) {
    auto conn = db_.lease();
    const Result r = conn->exec_prepared(
        "webhook_list", kList,
        {std::to_string(std::max(limit, 0)), std::string(include_sent ? "true" : "false")});
    std::vector<auth::WebhookSummary> out;
    for (int i = 0; i < r.rows(); ++i) {
        auth::WebhookSummary s;
        s.id = r.int64(i, 0);
        s.subscription_id = r.int64(i, 1);
        s.url = std::string(r.text(i, 2));
        s.key = std::string(r.text(i, 3));
        s.state = std::string(r.text(i, 4));
        s.attempts = static_cast<int>(r.int64(i, 5));
        s.created = std::string(r.text(i, 6));
        if (const auto e = r.opt_text(i, 7)) s.last_error = std::string(*e);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace ddns::sql
