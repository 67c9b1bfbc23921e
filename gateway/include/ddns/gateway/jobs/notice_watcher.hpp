// The notice watcher: a thread of `serve` that looks, every interval, at the watched conditions
// of every account someone subscribed to (auth/notice.hpp), and turns each change into notices:
// a mail in the mail outbox and a delivery in the webhook queue per subscriber, in the same
// transaction that records what it saw, so a notice is never lost or doubled by a crash. One
// instance at a time does a pass (an advisory lock); at most one notice per subject and event
// per period leaves (the rest are counted as suppressed).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "ddns/auth/notice.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/jobs/stop_signal.hpp"

namespace ddns::gateway {

struct NoticeWatcherOptions {
    std::chrono::seconds interval{60};
    std::chrono::seconds period{std::chrono::hours(1)};  // per subject and event
    auth::NoticeWatchOptions watch;
    std::string site_name = "ddns-gateway";
};

struct NoticeWatcherCounters {
    std::atomic<std::uint64_t> passes{0};
    std::atomic<std::uint64_t> notices{0};     // notices decided (each to every subscriber)
    std::atomic<std::uint64_t> suppressed{0};  // events inside the period: not sent
    std::atomic<std::uint64_t> mails{0};       // mails enqueued
    std::atomic<std::uint64_t> webhooks{0};    // webhook deliveries enqueued
};

class NoticeWatcher {
public:
    // `enqueued` runs after a pass that enqueued something (wakes the senders).
    NoticeWatcher(auth::NoticeStore& store, const Logger& log,
                  std::function<auth::TimePoint()> clock, NoticeWatcherOptions options,
                  std::function<void()> enqueued = {});
    ~NoticeWatcher();
    NoticeWatcher(const NoticeWatcher&) = delete;
    NoticeWatcher& operator=(const NoticeWatcher&) = delete;

    // One pass in the caller's thread. Never throws (a database failure is logged); false when
    // another instance holds the pass or the database failed.
    bool pass();
    void start();
    void stop();
    const NoticeWatcherCounters& counters() const noexcept { return counters_; }

private:
    void notify(auth::NoticePass& pass, const auth::NoticeObservation& ob, auth::NoticeEvent event,
                auth::TimePoint now);

    auth::NoticeStore& store_;
    const Logger& log_;
    std::function<auth::TimePoint()> clock_;
    NoticeWatcherOptions options_;
    std::function<void()> enqueued_;
    NoticeWatcherCounters counters_;
    StopSignal stop_;
    std::thread thread_;
};

}  // namespace ddns::gateway
