// The notices part of `serve`: the notice store and the webhook queue on their own database
// connections and, with notice.enabled, the watcher and the webhook sender threads, and their
// metrics. The mail the watcher enqueues is delivered by the mail service (`wake_mail`).
#pragma once

#include <functional>
#include <memory>

#include "ddns/auth/notice.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/base/metrics.hpp"
#include "ddns/gateway/config/config.hpp"
#include "ddns/gateway/core/address_policy.hpp"
#include "ddns/gateway/jobs/notice_watcher.hpp"
#include "ddns/gateway/jobs/webhook_sender.hpp"

namespace ddns::gateway {

NoticeWatcherOptions notice_watcher_options(const Config& config);
WebhookSenderOptions webhook_sender_options(const NoticeSection& notice);

class NoticeService {
public:
    // Throws std::runtime_error when notice.webhook_ca_file cannot be loaded.
    NoticeService(const Config& config, const Logger& log, Metrics& metrics,
                  std::function<void()> wake_mail);
    ~NoticeService();  // stop()
    NoticeService(const NoticeService&) = delete;
    NoticeService& operator=(const NoticeService&) = delete;

    // What the account layer manages subscriptions through.
    auth::NoticeStore& store();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ddns::gateway
