// The statements the two delivery queues share (mail_outbox, migration 013; webhook_outbox,
// migration 023): both have the columns state, attempts, next_attempt, last_error and finished,
// and the same life: pending until sent or given up, retried after a delay, pruned once old.
// Private to sql/.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "connection.hpp"
#include "ddns/auth/mail_outbox.hpp"
#include "ddns/auth/mail_queue.hpp"

namespace ddns::sql {

struct OutboxStatements {
    std::string sent;     // $1 id
    std::string retry;    // $1 id, $2 error, $3 delay (s)
    std::string give_up;  // $1 id, $2 error
    std::string prune;    // $1 age (s): finished rows older than that
};

inline OutboxStatements outbox_statements(std::string_view table) {
    const std::string t(table);
    return {
        "UPDATE " + t +
            " SET state = 'sent', finished = clock_timestamp()"
            " WHERE id = $1 AND state = 'pending'",
        "UPDATE " + t +
            " SET last_error = $2,"
            " next_attempt = clock_timestamp() + make_interval(secs => $3::integer)"
            " WHERE id = $1 AND state = 'pending'",
        "UPDATE " + t +
            " SET state = 'failed', finished = clock_timestamp(), last_error = $2"
            " WHERE id = $1 AND state = 'pending'",
        "DELETE FROM " + t +
            " WHERE state <> 'pending'"
            " AND finished < clock_timestamp() - make_interval(secs => $1::integer)",
    };
}

// One mail into mail_outbox on `conn`, inside whatever transaction it has open: the outbox's
// own enqueue and a link with its mail (PgSelfServiceStore) write it so.
// Header lines with control bytes are refused before anything is written.
inline void insert_mail(Connection& conn, const auth::OutgoingMail& mail) {
    if (!auth::header_safe(mail.to) || !auth::header_safe(mail.subject) ||
        !auth::header_safe(mail.kind))
        throw std::invalid_argument(
            "mail: recipient, subject and kind must be non-empty and hold no control bytes");
    conn.exec_prepared(
        "mail_insert",
        "INSERT INTO mail_outbox (recipient, subject, body, kind) VALUES ($1, $2, $3, $4)",
        {mail.to, mail.subject, mail.body, mail.kind});
}

// A server's answer can be long (a multi-line banner, an HTML error page): the start is kept.
inline std::string clip_error(const std::string& error) {
    constexpr std::size_t kMaxError = 500;
    return error.size() <= kMaxError ? error : error.substr(0, kMaxError);
}

// Seconds as a parameter, clamped to 0..10 years (make_interval takes an integer).
inline std::string seconds_param(std::chrono::seconds s) {
    return std::to_string(std::clamp<std::int64_t>(s.count(), 0, 365LL * 24 * 3600 * 10));
}

}  // namespace ddns::sql
