#include "ddns/gateway/cli/notice_service.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_notice_store.hpp"

namespace ddns::gateway {
namespace {

std::vector<Sample> one(double v) {
    return {Sample{{}, v}};
}

template <typename T>
double get(const std::atomic<T>& a) {
    return static_cast<double>(a.load(std::memory_order_relaxed));
}

}  // namespace

NoticeWatcherOptions notice_watcher_options(const Config& config) {
    NoticeWatcherOptions o;
    o.interval = config.notice.interval;
    o.period = config.notice.period;
    o.watch.failing_after = config.notice.failing_after;
    o.watch.nochg_interval = config.abuse.nochg_interval;
    o.watch.nochg_budget = config.abuse.nochg_budget;
    o.watch.expiry_warning = config.notice.expiry_warning;
    o.site_name = config.web.site_name;
    return o;
}

WebhookSenderOptions webhook_sender_options(const NoticeSection& notice) {
    WebhookSenderOptions o;
    o.interval = std::min(notice.interval, notice.retry_initial);
    o.retry_initial = notice.retry_initial;
    o.retry_max = notice.retry_max;
    o.give_up_after = notice.give_up_after;
    o.keep = notice.keep;
    // A delivery is a connect and a reply, each within the timeout.
    o.lease = std::max(std::chrono::seconds(120), notice.webhook_timeout * 6);
    return o;
}

struct NoticeService::Impl {
    sql::Database db;
    sql::PgNoticeStore store{db};
    sql::PgWebhookOutbox queue{db};
    AddressPolicy targets;
    std::unique_ptr<WebhookClient> client;
    std::unique_ptr<WebhookSender> sender;
    std::unique_ptr<NoticeWatcher> watcher;

    Impl(const Config& config, const Logger& log, std::function<void()> wake_mail)
        : db(config.database.url, 2), targets(config.notice.webhook_allow) {
        if (!config.notice.enabled) return;
        client = std::make_unique<WebhookClient>(WebhookClientOptions{
            config.notice.webhook_timeout, [this](const IpAddress& a) { return targets.allows(a); },
            config.notice.webhook_ca_file});
        sender = std::make_unique<WebhookSender>(
            queue,
            [this](const HttpUrl& url, const auto& headers, const std::string& body) {
                return client->post(url, headers, body);
            },
            log,
            [] {
                return std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                    .count();
            },
            webhook_sender_options(config.notice));
        watcher = std::make_unique<NoticeWatcher>(
            store, log, [] { return auth::Clock::now(); }, notice_watcher_options(config),
            [this, wake_mail] {
                if (wake_mail) wake_mail();
                sender->wake();
            });
    }
};

NoticeService::NoticeService(const Config& config, const Logger& log, Metrics& metrics,
                             std::function<void()> wake_mail)
    : impl_(std::make_unique<Impl>(config, log, std::move(wake_mail))) {
    if (!impl_->watcher) return;
    const auto& w = impl_->watcher->counters();
    const auto& s = impl_->sender->counters();
    metrics.collect("ddns_notices", "Notices decided (each goes to every subscriber).",
                    MetricType::Counter, [&w] { return one(get(w.notices)); });
    metrics.collect("ddns_notices_suppressed",
                    "Notices not sent: one went out within notice.period.", MetricType::Counter,
                    [&w] { return one(get(w.suppressed)); });
    metrics.collect("ddns_notice_mails", "Notice mails put in the mail outbox.",
                    MetricType::Counter, [&w] { return one(get(w.mails)); });
    metrics.collect("ddns_webhook_queue_depth",
                    "Webhook deliveries waiting (every instance's), at the last pass.",
                    MetricType::Gauge, [&s] { return one(get(s.pending)); });
    metrics.collect("ddns_webhook_deliveries", "Webhook delivery attempts, by result.",
                    MetricType::Counter, [&s] {
                        return std::vector<Sample>{{{{"result", "sent"}}, get(s.sent)},
                                                   {{{"result", "retried"}}, get(s.retried)},
                                                   {{{"result", "failed"}}, get(s.failed)}};
                    });
    impl_->sender->start();
    impl_->watcher->start();
}

NoticeService::~NoticeService() {
    stop();
}

auth::NoticeStore& NoticeService::store() {
    return impl_->store;
}

void NoticeService::stop() {
    if (impl_->watcher) impl_->watcher->stop();
    if (impl_->sender) impl_->sender->stop();
}

}  // namespace ddns::gateway
