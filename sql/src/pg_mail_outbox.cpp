#include "ddns/sql/pg_mail_outbox.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "codec.hpp"
#include "connection.hpp"
#include "outbox_sql.hpp"

namespace ddns::sql {
namespace {

// Rows another instance is claiming right now are locked: SKIP LOCKED passes over them, and the
// lease written here keeps them out of every later claim until the outcome is recorded.
constexpr std::string_view kClaim = R"sql(
WITH due AS (
    SELECT id FROM mail_outbox
    WHERE state = 'pending' AND next_attempt <= clock_timestamp()
    ORDER BY next_attempt, id
    LIMIT $1
    FOR UPDATE SKIP LOCKED)
UPDATE mail_outbox m
   SET attempts = m.attempts + 1,
       next_attempt = clock_timestamp() + make_interval(secs => $2::integer)
  FROM due
 WHERE m.id = due.id
RETURNING m.id, m.recipient, m.subject, m.body, m.kind, m.attempts,
          floor(extract(epoch FROM clock_timestamp() - m.created))::bigint)sql";

constexpr std::string_view kDepth = R"sql(
SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'failed')
  FROM mail_outbox WHERE state <> 'sent')sql";

constexpr std::string_view kList = R"sql(
SELECT id, recipient, subject, kind, state, attempts,
       to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
       CASE WHEN state = 'pending'
            THEN to_char(next_attempt AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END,
       last_error
  FROM mail_outbox
 WHERE state <> 'sent' OR $2::boolean
 ORDER BY id DESC
 LIMIT $1)sql";

auth::MailState state_of(std::string_view text) {
    if (text == "sent") return auth::MailState::Sent;
    if (text == "failed") return auth::MailState::Failed;
    return auth::MailState::Pending;
}

std::optional<std::string> opt_string(const Result& r, int row, int col) {
    const auto v = r.opt_text(row, col);
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

const OutboxStatements& statements() {
    static const OutboxStatements s = outbox_statements("mail_outbox");
    return s;
}

}  // namespace

void PgMailOutbox::enqueue(const auth::OutgoingMail& mail) {
    auto conn = db_.lease();
    insert_mail(*conn, mail);
}

std::vector<auth::QueuedMail> PgMailOutbox::claim(int limit, std::chrono::seconds lease) {
    auto conn = db_.lease();
    const Result r = conn->exec_prepared(
        "mail_claim", kClaim, {std::to_string(std::max(limit, 0)), seconds_param(lease)});
    std::vector<auth::QueuedMail> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        auth::QueuedMail q;
        q.id = r.int64(i, 0);
        q.mail = {std::string(r.text(i, 1)), std::string(r.text(i, 2)), std::string(r.text(i, 3)),
                  std::string(r.text(i, 4))};
        q.attempts = static_cast<int>(r.int64(i, 5));
        q.age = std::chrono::seconds(r.int64(i, 6));
        out.push_back(std::move(q));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

void PgMailOutbox::mark_sent(std::int64_t id) {
    auto conn = db_.lease();
    conn->exec_prepared("mail_sent", statements().sent, {std::to_string(id)});
}

void PgMailOutbox::retry(std::int64_t id, const std::string& error, std::chrono::seconds delay) {
    auto conn = db_.lease();
    conn->exec_prepared("mail_retry", statements().retry,
                        {std::to_string(id), clip_error(error), seconds_param(delay)});
}

void PgMailOutbox::give_up(std::int64_t id, const std::string& error) {
    auto conn = db_.lease();
    conn->exec_prepared("mail_give_up", statements().give_up,
                        {std::to_string(id), clip_error(error)});
}

std::int64_t PgMailOutbox::prune(std::chrono::seconds age) {
    auto conn = db_.lease();
    return conn->exec_prepared("mail_prune", statements().prune, {seconds_param(age)}).affected();
}

auth::MailQueueDepth PgMailOutbox::depth() {
    auto conn = db_.lease();
    const Result r = conn->exec_prepared("mail_depth", kDepth, {});
    return {r.int64(0, 0), r.int64(0, 1)};
}

std::vector<auth::MailSummary> PgMailOutbox::list(int limit, bool include_sent) {
    auto conn = db_.lease();
    const Result r = conn->exec_prepared(
        "mail_list", kList, {std::to_string(std::max(limit, 0)), bool_param(include_sent)});
    std::vector<auth::MailSummary> out;
    for (int i = 0; i < r.rows(); ++i) {
        auth::MailSummary s;
        s.id = r.int64(i, 0);
        s.to = std::string(r.text(i, 1));
        s.subject = std::string(r.text(i, 2));
        s.kind = std::string(r.text(i, 3));
        s.state = state_of(r.text(i, 4));
        s.attempts = static_cast<int>(r.int64(i, 5));
        s.created = std::string(r.text(i, 6));
        s.next_attempt = opt_string(r, i, 7);
        s.last_error = opt_string(r, i, 8);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace ddns::sql
