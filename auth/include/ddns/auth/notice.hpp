// Notices: users and operators subscribe to be told, by mail and/or a signed webhook, when a
// host went offline or came back, keeps failing to authenticate, is over its no-change budget,
// changed its address (opt-in), or when the account expires within a week. This header holds
// the model, the pure rules (what a change of a watched condition means, the rate limit, the
// webhook signature) and the storage seams; sql/ implements them, jobs/ runs them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/mail_outbox.hpp"
#include "ddns/auth/model.hpp"
#include "ddns/nsupdate/secret.hpp"

namespace ddns::auth {

// What a subscription asks for (one word each in the API, the pages and `admin notice`).
enum class NoticeKind {
    Offline,  // host.offline and host.online
    Failing,  // host.failing (bad credentials in a row) and host.over_budget
    Address,  // host.address_changed (opt-in: never in the defaults)
    Expiry,   // account.expiring
};
std::string_view to_string(NoticeKind kind) noexcept;
std::optional<NoticeKind> notice_kind_from(std::string_view word) noexcept;
// "offline,failing" -> kinds, in the order of the enum, without repeats; nullopt for an unknown
// word or an empty list.
std::optional<std::vector<NoticeKind>> parse_notice_kinds(std::string_view list);
std::string format_notice_kinds(const std::vector<NoticeKind>& kinds);

enum class NoticeEvent {
    HostOffline,
    HostOnline,
    HostFailing,
    HostOverBudget,
    AddressChanged,
    AccountExpiring,
};
std::string_view to_string(NoticeEvent event) noexcept;  // "host.offline", ...
NoticeKind kind_of(NoticeEvent event) noexcept;

// A condition the watcher observes per host (or per account, for Expiry). Its value is a text
// that identifies the current instance of the condition, empty while it does not hold: the
// offline episode (its start), the failing streak (its first failure), the no-change window,
// the addresses, the expiry time.
enum class NoticeCondition { Offline, Failing, Budget, Address, Expiry };
std::string_view to_string(NoticeCondition condition) noexcept;

// What a changed value means: the event it raises, if any. `previous` is nullopt the first time
// the condition is seen; for Address that is the baseline (no event), for the others the
// condition counts as having not held.
std::optional<NoticeEvent> notice_transition(NoticeCondition condition,
                                             const std::optional<std::string>& previous,
                                             const std::string& value);

// The rate limit: at most one notice per subject and event per `period`.
bool notice_due(const std::optional<TimePoint>& last_sent, TimePoint now,
                std::chrono::seconds period) noexcept;

// 128 random bits as 32 lower-case hex digits: a notice's id, the start of its idempotency keys.
std::string random_notice_id();
// A webhook secret: 32 random bytes as 43 characters of unpadded base64url, prefixed "whsec_".
Secret generate_webhook_secret();
// The value of the signature header for `body` sent at `unix_time`:
// "t=<unix_time>,v1=<lower-case hex HMAC-SHA256(secret, "<unix_time>." + body)>".
std::string webhook_signature(const Secret& secret, std::int64_t unix_time, std::string_view body);

struct NoticeSubscription {
    std::int64_t id = 0;
    std::optional<std::int64_t> account_id;  // nullopt: the operator's, for every account
    std::string account;                     // the account's name; empty for the operator's
    std::vector<NoticeKind> kinds;
    bool mail = false;        // notices by mail
    std::string mail_to;      // the address; empty: the account's own
    std::string webhook_url;  // empty: no webhook
    std::string created;      // ISO 8601 UTC
};

struct NewNoticeSubscription {
    std::optional<std::int64_t> account_id;
    std::vector<NoticeKind> kinds;
    bool mail = false;
    std::string mail_to;
    std::string webhook_url;  // already checked by the caller (see webhook_url_problem)
};

// One observed condition of a host or an account in a watcher pass, with what the pass needs
// to word a notice about it.
struct NoticeObservation {
    std::string subject;  // "host:<id>" or "account:<id>"
    NoticeCondition condition = NoticeCondition::Offline;
    std::string value;                    // empty: the condition does not hold
    std::optional<std::string> previous;  // as recorded by the last pass; nullopt: never seen
    std::int64_t account_id = 0;
    std::string account;       // its name
    std::string account_mail;  // its address (may be empty)
    std::string host;          // the host's name; empty for an account's condition
    std::string detail;        // reason, addresses, streak length, expiry time, ...
};

// A subscriber of a pass: a subscription with the webhook secret (never shown again).
struct NoticeSubscriber {
    NoticeSubscription subscription;
    std::shared_ptr<const Secret> webhook_secret;  // null without a webhook
};

struct NoticeWatchOptions {
    int failing_after = 5;  // bad-credential attempts in a row that make a host "failing"
    std::chrono::seconds nochg_interval{0};  // abuse.nochg_interval (0: no budget)
    int nochg_budget = 1;
    std::chrono::seconds expiry_warning{std::chrono::hours(24 * 7)};
};

// One watcher pass: a transaction that holds the watcher lock (one instance at a time), reads
// every watched condition of the accounts that have a subscriber, and records what it decided;
// nothing is kept unless commit() runs.
class NoticePass {
public:
    virtual ~NoticePass() = default;
    virtual const std::vector<NoticeObservation>& observations() const = 0;
    // The subscriptions that want `kind` for the account: its own and the operator's.
    virtual std::vector<NoticeSubscriber> subscribers(std::int64_t account_id, NoticeKind kind) = 0;
    virtual std::optional<TimePoint> last_sent(const std::string& subject, NoticeEvent event) = 0;
    virtual void record(const NoticeObservation& observation) = 0;  // value becomes "previous"
    virtual void mark_sent(const std::string& subject, NoticeEvent event, TimePoint now) = 0;
    virtual void enqueue_mail(const OutgoingMail& mail) = 0;
    virtual void enqueue_webhook(std::int64_t subscription_id, const std::string& key,
                                 const std::string& body) = 0;
    virtual void commit() = 0;
};

class NoticeStore {
public:
    virtual ~NoticeStore() = default;
    // Null when another instance is in a pass right now (it does the work). Throws StoreError.
    virtual std::unique_ptr<NoticePass> begin_pass(const NoticeWatchOptions& options,
                                                   TimePoint now) = 0;
    // The secret is stored as given (the webhook needs it to sign); empty without a webhook.
    virtual std::int64_t add_subscription(const NewNoticeSubscription& s,
                                          const std::string& webhook_secret) = 0;
    // nullopt: every subscription (the operator's view); else that account's own.
    virtual std::vector<NoticeSubscription> subscriptions(
        std::optional<std::int64_t> account_id) = 0;
    // False when there is no such subscription (of that account, when given).
    virtual bool remove_subscription(std::int64_t id, std::optional<std::int64_t> account_id) = 0;
};

// One webhook delivery in the durable queue (the mail outbox's twin).
struct QueuedWebhook {
    std::int64_t id = 0;
    std::string url;
    std::shared_ptr<const Secret> secret;
    std::string key;   // the idempotency key: the same on every attempt
    std::string body;  // the JSON document
    int attempts = 0;  // including the one this claim begins
    std::chrono::seconds age{0};
};

struct WebhookSummary {
    std::int64_t id = 0;
    std::int64_t subscription_id = 0;
    std::string url;
    std::string key;
    std::string state;  // pending, sent, failed
    int attempts = 0;
    std::string created;
    std::optional<std::string> last_error;
};

class WebhookQueue {
public:
    virtual ~WebhookQueue() = default;
    // As MailQueue::claim.
    virtual std::vector<QueuedWebhook> claim(int limit, std::chrono::seconds lease) = 0;
    virtual void mark_sent(std::int64_t id) = 0;
    virtual void retry(std::int64_t id, const std::string& error, std::chrono::seconds delay) = 0;
    virtual void give_up(std::int64_t id, const std::string& error) = 0;
    virtual std::int64_t prune(std::chrono::seconds age) = 0;
    virtual std::int64_t pending() = 0;
    virtual std::vector<WebhookSummary> list(int limit, bool include_sent) = 0;
};

}  // namespace ddns::auth
