#include "ddns/gateway/jobs/webhook_sender.hpp"

#include <algorithm>

#include "ddns/gateway/base/duration.hpp"
#include "ddns/gateway/base/version.hpp"

namespace ddns::gateway {
namespace {

std::string describe(const auth::QueuedWebhook& w) {
    // Never the URL's query (it may carry a receiver's token) nor the body.
    return "webhook " + std::to_string(w.id) + " (" + w.key + ")";
}

}  // namespace

WebhookSender::WebhookSender(auth::WebhookQueue& queue, WebhookPost post, const Logger& log,
                             std::function<std::int64_t()> unix_now, WebhookSenderOptions options)
    : queue_(queue),
      post_(std::move(post)),
      log_(log),
      unix_now_(std::move(unix_now)),
      options_(options) {}

WebhookSender::~WebhookSender() {
    stop();
}

void WebhookSender::start() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = false;
    }
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void WebhookSender::stop() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void WebhookSender::wake() {
    {
        const std::lock_guard lock(mutex_);
        woken_ = true;
    }
    cv_.notify_all();
}

std::chrono::seconds WebhookSender::backoff(int attempts) const {
    auto delay = options_.retry_initial;
    for (int i = 1; i < attempts && delay < options_.retry_max; ++i) delay *= 2;
    return std::min(delay, options_.retry_max);
}

void WebhookSender::run() {
    for (;;) {
        pass();
        std::unique_lock lock(mutex_);
        cv_.wait_for(lock, options_.interval, [this] { return stop_ || woken_; });
        if (stop_) return;
        woken_ = false;
    }
}

void WebhookSender::pass() {
    try {
        if (std::chrono::steady_clock::now() >= next_prune_) {
            next_prune_ = std::chrono::steady_clock::now() + std::chrono::hours(1);
            queue_.prune(options_.keep);
        }
        for (;;) {
            {
                const std::lock_guard lock(mutex_);
                if (stop_) break;
                woken_ = false;
            }
            const auto batch = queue_.claim(options_.batch_size, options_.lease);
            for (const auto& w : batch) deliver(w);
            if (static_cast<int>(batch.size()) < options_.batch_size) break;
        }
        counters_.pending = queue_.pending();
    } catch (const std::exception& e) {
        log_.warning(std::string("webhooks: the queue failed, retrying next pass: ") + e.what());
    }
}

void WebhookSender::deliver(const auth::QueuedWebhook& w) {
    const auto url = parse_http_url(w.url);
    if (!url || !w.secret) {
        failed(w, url ? "no secret" : url.error(), true);
        return;
    }
    const std::vector<std::pair<std::string, std::string>> headers = {
        {"User-Agent", std::string("ddns-gateway/") + version()},
        {"X-DDNS-Signature", auth::webhook_signature(*w.secret, unix_now_(), w.body)},
        {"Idempotency-Key", w.key},
    };
    const WebhookReply reply = post_(*url, headers, w.body);
    if (reply.status >= 200 && reply.status < 300) {
        queue_.mark_sent(w.id);
        counters_.sent.fetch_add(1, std::memory_order_relaxed);
        log_.info(describe(w) + " delivered");
        return;
    }
    failed(w,
           reply.status == 0 ? reply.error
                             : "HTTP " + std::to_string(reply.status) + " " + reply.error,
           false);
}

void WebhookSender::failed(const auth::QueuedWebhook& w, const std::string& error, bool permanent) {
    const auto delay = backoff(w.attempts);
    if (permanent || w.age + delay > options_.give_up_after) {
        queue_.give_up(w.id, error);
        counters_.failed.fetch_add(1, std::memory_order_relaxed);
        log_.error(describe(w) + " not delivered, given up after " + std::to_string(w.attempts) +
                   " attempt(s): " + error);
        return;
    }
    queue_.retry(w.id, error, delay);
    counters_.retried.fetch_add(1, std::memory_order_relaxed);
    log_.warning(describe(w) + " not delivered, next attempt in " + format_duration(delay) + ": " +
                 error);
}

}  // namespace ddns::gateway
