// PostgreSQL implementation of the notice seams (migration 023): subscriptions, the watcher's
// pass (one transaction under an advisory lock, so one instance at a time decides what to
// send), and the webhook queue, claimed like the mail outbox (FOR UPDATE SKIP LOCKED and a
// lease; no transaction open while a webhook is on its way).
#pragma once

#include "ddns/auth/notice.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {

class PgNoticeStore final : public auth::NoticeStore {
public:
    explicit PgNoticeStore(Database& db) : db_(db) {}

    std::unique_ptr<auth::NoticePass> begin_pass(const auth::NoticeWatchOptions& options,
                                                 auth::TimePoint now) override;
    std::int64_t add_subscription(const auth::NewNoticeSubscription& s,
                                  const std::string& webhook_secret) override;
    std::vector<auth::NoticeSubscription> subscriptions(
        std::optional<std::int64_t> account_id) override;
    bool remove_subscription(std::int64_t id, std::optional<std::int64_t> account_id) override;

private:
    Database& db_;
};

class PgWebhookOutbox final : public auth::WebhookQueue {
public:
    explicit PgWebhookOutbox(Database& db) : db_(db) {}

    std::vector<auth::QueuedWebhook> claim(int limit, std::chrono::seconds lease) override;
    void mark_sent(std::int64_t id) override;
    void retry(std::int64_t id, const std::string& error, std::chrono::seconds delay) override;
    void give_up(std::int64_t id, const std::string& error) override;
    std::int64_t prune(std::chrono::seconds age) override;
    std::int64_t pending() override;
    std::vector<auth::WebhookSummary> list(int limit, bool include_sent) override;

private:
    Database& db_;
};

}  // namespace ddns::sql
