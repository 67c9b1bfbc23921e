// Delivers the webhook queue (migration 023): a thread of `serve` that claims due deliveries,
// POSTs each signed (auth::webhook_signature over a fresh timestamp and the body) with its
// idempotency key, and records the outcome. Any answer but 2xx, and no answer, is retried with
// doubling backoff until the delivery is give_up_after old: at least once, never a lost notice
// while the receiver is merely down. The receiver de-duplicates on the key.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ddns/auth/notice.hpp"
#include "ddns/gateway/base/http_url.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/http/webhook_client.hpp"

namespace ddns::gateway {

// The one thing the sender needs of HTTP (WebhookClient in serve, a fake in unit tests).
using WebhookPost = std::function<WebhookReply(
    const HttpUrl&, const std::vector<std::pair<std::string, std::string>>&, const std::string&)>;

struct WebhookSenderOptions {
    std::chrono::milliseconds interval{std::chrono::seconds(30)};
    int batch_size = 20;
    std::chrono::seconds retry_initial{30};
    std::chrono::seconds retry_max{3600};
    std::chrono::seconds give_up_after{std::chrono::hours(24)};
    std::chrono::seconds keep{std::chrono::hours(24 * 7)};
    std::chrono::seconds lease{300};
};

struct WebhookSenderCounters {
    std::atomic<std::int64_t> pending{0};  // at the last pass, every instance's
    std::atomic<std::uint64_t> sent{0};
    std::atomic<std::uint64_t> retried{0};
    std::atomic<std::uint64_t> failed{0};
};

class WebhookSender {
public:
    WebhookSender(auth::WebhookQueue& queue, WebhookPost post, const Logger& log,
                  std::function<std::int64_t()> unix_now, WebhookSenderOptions options);
    ~WebhookSender();
    WebhookSender(const WebhookSender&) = delete;
    WebhookSender& operator=(const WebhookSender&) = delete;

    void start();
    void stop();
    void wake();
    // Delivers until nothing is due. Never throws.
    void pass();
    std::chrono::seconds backoff(int attempts) const;
    const WebhookSenderCounters& counters() const noexcept { return counters_; }

private:
    void run();
    void deliver(const auth::QueuedWebhook& w);
    void failed(const auth::QueuedWebhook& w, const std::string& error, bool permanent);

    auth::WebhookQueue& queue_;
    WebhookPost post_;
    const Logger& log_;
    std::function<std::int64_t()> unix_now_;
    WebhookSenderOptions options_;
    WebhookSenderCounters counters_;
    std::chrono::steady_clock::time_point next_prune_{};
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stop_ = false;
    bool woken_ = false;
    std::thread thread_;
};

}  // namespace ddns::gateway
