// The mail sender's side of the outbox (auth/mail_outbox.hpp is the callers' side): claim the
// mails that are due, record each outcome, forget old ones, and show the queue to the operator.
// Every gateway instance may run a sender on the same queue; a claimed mail is leased to one of
// them until its outcome is recorded or the lease runs out (the sender died mid-send).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ddns/auth/mail_outbox.hpp"

namespace ddns::auth {

struct QueuedMail {
    std::int64_t id = 0;
    OutgoingMail mail;
    int attempts = 0;             // including the one this claim begins
    std::chrono::seconds age{0};  // since it was enqueued, by the database's clock
};

enum class MailState { Pending, Sent, Failed };

// One row as the operator sees it: never the body.
struct MailSummary {
    std::int64_t id = 0;
    std::string to;
    std::string subject;
    std::string kind;
    MailState state = MailState::Pending;
    int attempts = 0;
    std::string created;                      // ISO 8601 UTC
    std::optional<std::string> next_attempt;  // pending only
    std::optional<std::string> last_error;
};

struct MailQueueDepth {
    std::int64_t pending = 0;
    std::int64_t failed = 0;
};

class MailQueue {
public:
    virtual ~MailQueue() = default;

    // Up to `limit` pending mails whose next attempt is due, oldest due first, each counted as
    // one more attempt and leased to the caller for `lease` (no other claim returns it before).
    // Mails another instance is claiming at the same moment are skipped, never waited for.
    virtual std::vector<QueuedMail> claim(int limit, std::chrono::seconds lease) = 0;
    virtual void mark_sent(std::int64_t id) = 0;
    // Pending again, due after `delay`; `error` is kept for the operator.
    virtual void retry(std::int64_t id, const std::string& error, std::chrono::seconds delay) = 0;
    // Never tried again.
    virtual void give_up(std::int64_t id, const std::string& error) = 0;
    // Deletes sent and failed mails finished longer than `age` ago; returns how many.
    virtual std::int64_t prune(std::chrono::seconds age) = 0;
    virtual MailQueueDepth depth() = 0;
    // Pending and failed mails (sent ones only with `include_sent`), newest first, at most `limit`.
    virtual std::vector<MailSummary> list(int limit, bool include_sent) = 0;
};

// Whether `text` can go into a mail header as it is: no CR, LF or other control byte (a header
// injection), not empty. Addresses and subjects are checked with it before they are stored.
bool header_safe(const std::string& text);

}  // namespace ddns::auth
