#include <algorithm>
#include <string>

#include "codec.hpp"
#include "connection.hpp"
#include "ddns/sql/pg_notice_store.hpp"
#include "outbox_sql.hpp"

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

constexpr std::string_view kList = R"sql(
SELECT w.id, w.subscription_id, s.webhook_url, w.idempotency_key, w.state, w.attempts,
       to_char(w.created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), w.last_error
  FROM webhook_outbox w JOIN notice_subscriptions s ON s.id = w.subscription_id
 WHERE w.state <> 'sent' OR $2::boolean
 ORDER BY w.id DESC
 LIMIT $1)sql";

const OutboxStatements& statements() {
    static const OutboxStatements s = outbox_statements("webhook_outbox");
    return s;
}

}  // namespace

std::vector<auth::QueuedWebhook> PgWebhookOutbox::claim(int limit, std::chrono::seconds lease) {
    auto conn = db_.lease();
    const Result r = conn->exec_prepared(
        "webhook_claim", kClaim, {std::to_string(std::max(limit, 0)), seconds_param(lease)});
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
    conn->exec_prepared("webhook_sent", statements().sent, {id_param(id)});
}

void PgWebhookOutbox::retry(std::int64_t id, const std::string& error, std::chrono::seconds delay) {
    auto conn = db_.lease();
    conn->exec_prepared("webhook_retry", statements().retry,
                        {id_param(id), clip_error(error), seconds_param(delay)});
}

void PgWebhookOutbox::give_up(std::int64_t id, const std::string& error) {
    auto conn = db_.lease();
    conn->exec_prepared("webhook_give_up", statements().give_up, {id_param(id), clip_error(error)});
}

std::int64_t PgWebhookOutbox::prune(std::chrono::seconds age) {
    auto conn = db_.lease();
    return conn->exec_prepared("webhook_prune", statements().prune, {seconds_param(age)})
        .affected();
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
        "webhook_list", kList, {std::to_string(std::max(limit, 0)), bool_param(include_sent)});
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
