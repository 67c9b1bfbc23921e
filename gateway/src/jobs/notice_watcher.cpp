#include "ddns/gateway/jobs/notice_watcher.hpp"

#include <utility>

#include "ddns/gateway/jobs/notice_message.hpp"

namespace ddns::gateway {

NoticeWatcher::NoticeWatcher(auth::NoticeStore& store, const Logger& log,
                             std::function<auth::TimePoint()> clock, NoticeWatcherOptions options,
                             std::function<void()> enqueued)
    : store_(store),
      log_(log),
      clock_(std::move(clock)),
      options_(std::move(options)),
      enqueued_(std::move(enqueued)) {}

NoticeWatcher::~NoticeWatcher() {
    stop();
}

void NoticeWatcher::start() {
    if (thread_.joinable()) return;
    stop_.reset();
    thread_ = std::thread([this] {
        while (!stop_.raised()) {
            pass();
            stop_.wait_for(options_.interval);
        }
    });
}

void NoticeWatcher::stop() {
    stop_.raise();
    if (thread_.joinable()) thread_.join();
}

bool NoticeWatcher::pass() {
    counters_.passes.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t before = counters_.mails + counters_.webhooks;
    try {
        const auth::TimePoint now = clock_();
        auto pass = store_.begin_pass(options_.watch, now);
        if (!pass) return false;
        for (const auth::NoticeObservation& ob : pass->observations()) {
            const auto event = auth::notice_transition(ob.condition, ob.previous, ob.value);
            if (ob.previous != ob.value) pass->record(ob);
            if (event) notify(*pass, ob, *event, now);
        }
        pass->commit();
    } catch (const std::exception& e) {
        log_.error(std::string("notices: database failure, trying again next pass: ") + e.what());
        return false;
    }
    if (counters_.mails + counters_.webhooks != before && enqueued_) enqueued_();
    return true;
}

void NoticeWatcher::notify(auth::NoticePass& pass, const auth::NoticeObservation& ob,
                           auth::NoticeEvent event, auth::TimePoint now) {
    const auto subscribers = pass.subscribers(ob.account_id, auth::kind_of(event));
    if (subscribers.empty()) return;
    const std::string what = std::string(auth::to_string(event)) + " for " +
                             (ob.host.empty() ? "account " + ob.account : ob.host);
    if (!auth::notice_due(pass.last_sent(ob.subject, event), now, options_.period)) {
        counters_.suppressed.fetch_add(1, std::memory_order_relaxed);
        log_.info("notice " + what + " not sent: one was sent less than notice.period ago");
        return;
    }
    pass.mark_sent(ob.subject, event, now);
    counters_.notices.fetch_add(1, std::memory_order_relaxed);
    const std::string id = auth::random_notice_id();
    NoticeFacts facts{event, {}, iso_utc(now), &ob};
    for (const auth::NoticeSubscriber& s : subscribers) {
        const auth::NoticeSubscription& sub = s.subscription;
        facts.id = id + "-" + std::to_string(sub.id);
        const std::string& to = sub.mail_to.empty() ? ob.account_mail : sub.mail_to;
        if (sub.mail && !to.empty()) {
            pass.enqueue_mail(notice_mail(facts, to, options_.site_name));
            counters_.mails.fetch_add(1, std::memory_order_relaxed);
        }
        if (!sub.webhook_url.empty()) {
            pass.enqueue_webhook(sub.id, facts.id, notice_json(facts));
            counters_.webhooks.fetch_add(1, std::memory_order_relaxed);
        }
    }
    log_.info("notice " + what + " for " + std::to_string(subscribers.size()) + " subscription(s)");
}

}  // namespace ddns::gateway
