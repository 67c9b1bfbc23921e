#include "ddns/gateway/jobs/mail_sender.hpp"

#include <algorithm>
#include <string>

#include "ddns/gateway/base/duration.hpp"

namespace ddns::gateway {
namespace {

std::string describe(const auth::QueuedMail& m) {
    // Id and kind only: the operator finds the recipient with `admin mail queue`.
    return "mail " + std::to_string(m.id) + " (" + m.mail.kind + ")";
}

}  // namespace

MailSender::MailSender(auth::MailQueue& queue, MailTransport& transport, const Logger& log,
                       MailSenderOptions options)
    : queue_(queue),
      transport_(transport),
      log_(log),
      options_(options),
      loop_([this] { pass(); }, options.interval) {}

MailSender::~MailSender() {
    stop();
}

void MailSender::start() {
    loop_.start();
}

void MailSender::stop() {
    loop_.stop();
}

void MailSender::wake() {
    loop_.wake();
}

MailSenderCounters MailSender::counters() const {
    return {pending_.load(), sent_.load(), retried_.load(), failed_.load()};
}

std::chrono::seconds MailSender::backoff(int attempts) const {
    return doubling_delay(options_.retry_initial, options_.retry_max, attempts);
}

void MailSender::pass() {
    try {
        if (std::chrono::steady_clock::now() >= next_prune_) {
            next_prune_ = std::chrono::steady_clock::now() + std::chrono::hours(1);
            if (const auto n = queue_.prune(options_.keep); n > 0)
                log_.debug("mail: pruned " + std::to_string(n) + " finished mails");
        }
        while (loop_.next_round()) {
            const auto batch = queue_.claim(options_.batch_size, options_.lease);
            if (batch.empty() || !deliver_batch(batch)) break;
            if (static_cast<int>(batch.size()) < options_.batch_size) break;
        }
        pending_ = queue_.depth().pending;
    } catch (const std::exception& e) {
        log_.warning(std::string("mail: the outbox failed, retrying next pass: ") + e.what());
    }
}

bool MailSender::deliver_batch(const std::vector<auth::QueuedMail>& batch) {
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& m = batch[i];
        const DeliveryResult r = transport_.deliver(m.id, m.mail);
        if (r.outcome == Delivery::Sent) {
            queue_.mark_sent(m.id);
            ++sent_;
            log_.info(describe(m) + " sent");
            continue;
        }
        record_failure(m, r);
        if (r.outcome == Delivery::Retry) {
            // The server (or our credentials for it) failed: the rest of the batch would fail
            // the same way, each after a timeout. They wait for their next attempt instead.
            for (std::size_t j = i + 1; j < batch.size(); ++j)
                record_failure(batch[j], {Delivery::Retry, "not tried: " + r.error});
            return false;
        }
    }
    return true;
}

void MailSender::record_failure(const auth::QueuedMail& m, const DeliveryResult& r) {
    const auto delay = backoff(m.attempts);
    if (r.outcome == Delivery::Refused || m.age + delay > options_.give_up_after) {
        const std::string why =
            r.outcome == Delivery::Refused
                ? r.error
                : "gave up after " + std::to_string(m.attempts) + " attempts: " + r.error;
        queue_.give_up(m.id, why);
        ++failed_;
        log_.error(describe(m) + " not delivered, given up: " + why);
        return;
    }
    queue_.retry(m.id, r.error, delay);
    ++retried_;
    log_.warning(describe(m) + " not delivered, next attempt in " + format_duration(delay) + ": " +
                 r.error);
}

}  // namespace ddns::gateway
