// PostgreSQL implementation of the mail outbox (migration 013): callers enqueue through
// auth::MailOutbox, the mail sender of every instance works the queue through auth::MailQueue.
// A claim is one statement (FOR UPDATE SKIP LOCKED, then the lease is written): no transaction
// stays open while a mail is on its way.
#pragma once

#include "ddns/auth/mail_outbox.hpp"
#include "ddns/auth/mail_queue.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {

class PgMailOutbox final : public auth::MailOutbox, public auth::MailQueue {
public:
    explicit PgMailOutbox(Database& db) : db_(db) {}

    // Throws std::invalid_argument (nothing stored) for a recipient, subject or kind that is
    // empty or holds a control byte; auth::StoreError on a database failure.
    void enqueue(const auth::OutgoingMail& mail) override;

    std::vector<auth::QueuedMail> claim(int limit, std::chrono::seconds lease) override;
    void mark_sent(std::int64_t id) override;
    void retry(std::int64_t id, const std::string& error, std::chrono::seconds delay) override;
    void give_up(std::int64_t id, const std::string& error) override;
    std::int64_t prune(std::chrono::seconds age) override;
    auth::MailQueueDepth depth() override;
    std::vector<auth::MailSummary> list(int limit, bool include_sent) override;

private:
    Database& db_;
};

}  // namespace ddns::sql
