// Delivers the mail outbox: a thread of `serve` that wakes every interval, and at once after a
// mail is enqueued in this process (WakingMailOutbox), claims the due mails in batches and hands
// them to the SMTP transport. A failed attempt is retried with doubling backoff until the mail
// is older than give_up_after; a refused one is given up at once. Requests only ever insert a
// row: they never wait for SMTP.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "ddns/auth/mail_outbox.hpp"
#include "ddns/auth/mail_queue.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/jobs/pass_loop.hpp"
#include "ddns/gateway/jobs/smtp_transport.hpp"

namespace ddns::gateway {

struct MailSenderOptions {
    std::chrono::milliseconds interval{std::chrono::seconds(30)};
    int batch_size = 20;
    std::chrono::seconds retry_initial{60};  // after the first failure; doubles each time
    std::chrono::seconds retry_max{3600};
    std::chrono::seconds give_up_after{std::chrono::hours(48)};  // since the mail was enqueued
    std::chrono::seconds keep{std::chrono::hours(24 * 7)};       // sent and failed mails
    // How long a claimed mail stays hidden from other instances: longer than one delivery can
    // take (connect plus each SMTP reply within the transport's timeout).
    std::chrono::seconds lease{600};
};

// A snapshot for /metrics: the outbox now, and what this process did since it started.
struct MailSenderCounters {
    std::int64_t pending = 0;  // mails waiting in the outbox (every instance's), at the last pass
    std::int64_t sent = 0;
    std::int64_t retried = 0;  // attempts that failed and were scheduled again
    std::int64_t failed = 0;   // mails given up
};

class MailSender {
public:
    MailSender(auth::MailQueue& queue, MailTransport& transport, const Logger& log,
               MailSenderOptions options);
    ~MailSender();  // stop()
    MailSender(const MailSender&) = delete;
    MailSender& operator=(const MailSender&) = delete;

    void start();  // the thread
    void stop();   // ends the wait at once; a delivery under way is finished first
    void wake();   // a pass now instead of at the end of the interval

    // One pass in the caller's thread: deliver until nothing is due (or the sender stops), and
    // prune once an hour. Never throws (a failing database is logged and retried next pass).
    void pass();
    MailSenderCounters counters() const;
    // The delay before attempt `attempts` + 1, after `attempts` failed ones.
    std::chrono::seconds backoff(int attempts) const;

private:
    // Delivers one claimed batch; false when the SMTP server failed (the rest was postponed).
    bool deliver_batch(const std::vector<auth::QueuedMail>& batch);
    void record_failure(const auth::QueuedMail& m, const DeliveryResult& r);

    auth::MailQueue& queue_;
    MailTransport& transport_;
    const Logger& log_;
    MailSenderOptions options_;
    std::atomic<std::int64_t> pending_{0}, sent_{0}, retried_{0}, failed_{0};
    std::chrono::steady_clock::time_point next_prune_{};
    PassLoop loop_;  // last: its thread stops before the members it uses go
};

// The outbox callers get in `serve`: stores the mail, then wakes this process's sender.
class WakingMailOutbox final : public auth::MailOutbox {
public:
    WakingMailOutbox(auth::MailOutbox& inner, MailSender* sender)
        : inner_(inner), sender_(sender) {}
    void enqueue(const auth::OutgoingMail& mail) override {
        inner_.enqueue(mail);
        if (sender_) sender_->wake();
    }
    void stored_elsewhere() override {
        if (sender_) sender_->wake();
    }

private:
    auth::MailOutbox& inner_;
    MailSender* sender_;  // null when mail.enabled is off: the mails wait in the outbox
};

}  // namespace ddns::gateway
