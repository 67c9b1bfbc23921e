#include "ddns/sql/pg_notice_store.hpp"

#include "ddns/auth/mail_queue.hpp"

#include <map>
#include <string>
#include <utility>

#include "codec.hpp"
#include "connection.hpp"

namespace ddns::sql {
namespace {

// One watcher pass at a time across every instance on this database ("notice" in ASCII).
constexpr std::string_view kTryLock = "SELECT pg_try_advisory_xact_lock(1852798057)";

constexpr std::string_view kIso = R"('YYYY-MM-DD"T"HH24:MI:SS"Z"')";

// The accounts anyone listens to: all of them once the operator subscribed, else those with a
// subscription of their own.
constexpr std::string_view kWatched = R"sql(
WITH watched AS (
    SELECT a.id, a.username, a.email, a.expires_at FROM accounts a
    WHERE EXISTS (SELECT 1 FROM notice_subscriptions s
                  WHERE s.account_id IS NULL OR s.account_id = a.id)))sql";

// Per host: the offline episode (heartbeat or expiry; the owner's own offline=YES is no news),
// the addresses while online (NULL while offline: not observed), the no-change window while
// over budget (hosts with a heartbeat are exempt, as in auth/nochg_budget.hpp), and the streak
// of bad-credential attempts since the host's last other outcome in the update log.
// $1 now (micros), $2 default no-change interval (s), $3 budget, $4 failing after.
constexpr std::string_view kHosts = R"sql(
SELECT h.id, w.id, w.username, w.email, h.name,
       CASE WHEN h.offline_reason IN ('heartbeat', 'expired')
            THEN to_char(h.offline_since AT TIME ZONE 'UTC', $ISO) ELSE '' END,
       coalesce(h.offline_reason, ''),
       CASE WHEN h.offline_since IS NULL
            THEN concat_ws(' ', host(h.ipv4), host(h.ipv6)) END,
       CASE WHEN b.seconds > 0 AND h.nochg_count > $3::integer
                 AND h.nochg_window_start + make_interval(secs => b.seconds)
                     > to_timestamp($1::bigint / 1000000.0)
            THEN to_char(h.nochg_window_start AT TIME ZONE 'UTC', $ISO) ELSE '' END,
       h.nochg_count,
       CASE WHEN f.n >= $4::integer THEN to_char(f.first AT TIME ZONE 'UTC', $ISO) ELSE '' END,
       coalesce(f.n, 0)
FROM hosts h
JOIN watched w ON w.id = h.account_id
JOIN zones z ON z.id = h.zone_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN (CASE WHEN h.heartbeat_seconds IS NULL THEN z.heartbeat_seconds
                           ELSE nullif(h.heartbeat_seconds, 0) END) IS NOT NULL THEN 0
                ELSE coalesce(h.nochg_interval_seconds, $2::integer) END AS seconds) b
LEFT JOIN LATERAL (
    SELECT count(*) AS n, min(l.logged_at) AS first FROM update_log l
    WHERE (SELECT c.last_fault FROM host_counters c WHERE c.host_id = h.id) LIKE 'auth fault%'
      AND l.host_id = h.id AND l.fault = 'auth'
      AND l.logged_at > coalesce((SELECT max(x.logged_at) FROM update_log x
                                  WHERE x.host_id = h.id AND x.fault <> 'auth'), '-infinity')
) f ON true
ORDER BY h.id)sql";

// $1 now (micros), $2 warning (s).
constexpr std::string_view kAccounts = R"sql(
SELECT w.id, w.username, w.email,
       CASE WHEN w.expires_at > to_timestamp($1::bigint / 1000000.0)
                 AND w.expires_at <= to_timestamp($1::bigint / 1000000.0)
                                     + make_interval(secs => $2::integer)
            THEN to_char(w.expires_at AT TIME ZONE 'UTC', $ISO) ELSE '' END
FROM watched w ORDER BY w.id)sql";

constexpr std::string_view kPrevious = "SELECT subject, condition, seen FROM notice_watch";

// Rows of hosts that are gone.
constexpr std::string_view kForget = R"sql(
DELETE FROM notice_watch n
 WHERE n.subject LIKE 'host:%'
   AND NOT EXISTS (SELECT 1 FROM hosts h WHERE h.id = split_part(n.subject, ':', 2)::bigint))sql";

constexpr std::string_view kRecord = R"sql(
INSERT INTO notice_watch (subject, condition, seen) VALUES ($1, $2, $3)
ON CONFLICT (subject, condition) DO UPDATE SET seen = excluded.seen)sql";

constexpr std::string_view kLastSent = R"sql(
SELECT (extract(epoch FROM last_sent) * 1000000)::bigint FROM notice_sent
 WHERE subject = $1 AND event = $2)sql";

constexpr std::string_view kMarkSent = R"sql(
INSERT INTO notice_sent (subject, event, last_sent)
VALUES ($1, $2, to_timestamp($3::bigint / 1000000.0))
ON CONFLICT (subject, event) DO UPDATE SET last_sent = excluded.last_sent)sql";

constexpr std::string_view kSubscriptionColumns = R"sql(
SELECT s.id, s.account_id, coalesce(a.username, ''), array_to_string(s.kinds, ','), s.mail,
       s.mail_to, s.webhook_url, s.webhook_secret,
       to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
  FROM notice_subscriptions s LEFT JOIN accounts a ON a.id = s.account_id)sql";

constexpr std::string_view kMailInsert = R"sql(
INSERT INTO mail_outbox (recipient, subject, body, kind) VALUES ($1, $2, $3, $4))sql";

constexpr std::string_view kWebhookInsert = R"sql(
INSERT INTO webhook_outbox (subscription_id, idempotency_key, body) VALUES ($1, $2, $3)
ON CONFLICT (idempotency_key) DO NOTHING)sql";

constexpr std::string_view kAddSubscription = R"sql(
INSERT INTO notice_subscriptions (account_id, kinds, mail, mail_to, webhook_url, webhook_secret)
VALUES ($1::bigint, string_to_array($2, ','), $3::boolean, $4, $5, $6) RETURNING id)sql";

std::string with_iso(std::string_view sql) {
    std::string out(sql);
    for (auto pos = out.find("$ISO"); pos != std::string::npos; pos = out.find("$ISO"))
        out.replace(pos, 4, kIso);
    return out;
}

auth::NoticeSubscriber subscriber_from_row(const Result& r, int i) {
    auth::NoticeSubscriber out;
    auth::NoticeSubscription& s = out.subscription;
    s.id = r.int64(i, 0);
    s.account_id = r.opt_int64(i, 1);
    s.account = std::string(r.text(i, 2));
    s.kinds = auth::parse_notice_kinds(r.text(i, 3)).value_or(std::vector<auth::NoticeKind>{});
    s.mail = r.boolean(i, 4);
    s.mail_to = std::string(r.text(i, 5));
    s.webhook_url = std::string(r.text(i, 6));
    if (!s.webhook_url.empty()) out.webhook_secret = std::make_shared<const Secret>(r.text(i, 7));
    s.created = std::string(r.text(i, 8));
    return out;
}

std::string host_subject(std::int64_t id) {
    return "host:" + std::to_string(id);
}

class PgNoticePass final : public auth::NoticePass {
public:
    PgNoticePass(Database::Lease lease) : lease_(std::move(lease)), tx_(*lease_) {}

    // False when another instance holds the watcher lock.
    bool load(const auth::NoticeWatchOptions& o, auth::TimePoint now) {
        if (!lease_->exec(kTryLock).boolean(0, 0)) return false;
        lease_->exec(kForget);
        const Result prev = lease_->exec(kPrevious);
        for (int i = 0; i < prev.rows(); ++i)
            previous_[{std::string(prev.text(i, 0)), std::string(prev.text(i, 1))}] =
                std::string(prev.text(i, 2));
        const Result hosts =
            lease_->exec(std::string(kWatched) + with_iso(kHosts),
                         {micros_param(now), std::to_string(o.nochg_interval.count()),
                          std::to_string(o.nochg_budget), std::to_string(o.failing_after)});
        for (int i = 0; i < hosts.rows(); ++i) add_host(hosts, i);
        const Result accounts =
            lease_->exec(std::string(kWatched) + with_iso(kAccounts),
                         {micros_param(now), std::to_string(o.expiry_warning.count())});
        for (int i = 0; i < accounts.rows(); ++i) {
            auth::NoticeObservation ob =
                base(accounts, i, 0, "account:" + std::string(accounts.text(i, 0)));
            add(std::move(ob), auth::NoticeCondition::Expiry, std::string(accounts.text(i, 3)),
                std::string(accounts.text(i, 3)));
        }
        return true;
    }

    const std::vector<auth::NoticeObservation>& observations() const override {
        return observations_;
    }

    std::vector<auth::NoticeSubscriber> subscribers(std::int64_t account_id,
                                                    auth::NoticeKind kind) override {
        const Result r = lease_->exec(
            std::string(kSubscriptionColumns) +
                " WHERE (s.account_id IS NULL OR s.account_id = $1) AND $2 = ANY(s.kinds)"
                " ORDER BY s.id",
            {id_param(account_id), std::string(auth::to_string(kind))});
        std::vector<auth::NoticeSubscriber> out;
        for (int i = 0; i < r.rows(); ++i) out.push_back(subscriber_from_row(r, i));
        return out;
    }

    std::optional<auth::TimePoint> last_sent(const std::string& subject,
                                             auth::NoticeEvent event) override {
        const Result r = lease_->exec_prepared("notice_last_sent", kLastSent,
                                               {subject, std::string(auth::to_string(event))});
        if (r.rows() == 0) return std::nullopt;
        return opt_time(r, 0, 0);
    }

    void record(const auth::NoticeObservation& ob) override {
        lease_->exec_prepared("notice_record", kRecord,
                              {ob.subject, std::string(auth::to_string(ob.condition)), ob.value});
    }

    void mark_sent(const std::string& subject, auth::NoticeEvent event,
                   auth::TimePoint now) override {
        lease_->exec_prepared("notice_mark_sent", kMarkSent,
                              {subject, std::string(auth::to_string(event)), micros_param(now)});
    }

    void enqueue_mail(const auth::OutgoingMail& mail) override {
        if (!auth::header_safe(mail.to) || !auth::header_safe(mail.subject))
            return;  // an account address that cannot go into a header: no mail
        lease_->exec_prepared("notice_mail", kMailInsert,
                              {mail.to, mail.subject, mail.body, mail.kind});
    }

    void enqueue_webhook(std::int64_t subscription_id, const std::string& key,
                         const std::string& body) override {
        lease_->exec_prepared("notice_webhook", kWebhookInsert,
                              {id_param(subscription_id), key, body});
    }

    void commit() override { tx_.commit(); }

private:
    auth::NoticeObservation base(const Result& r, int i, int first, std::string subject) {
        auth::NoticeObservation ob;
        ob.subject = std::move(subject);
        ob.account_id = r.int64(i, first);
        ob.account = std::string(r.text(i, first + 1));
        ob.account_mail = std::string(r.text(i, first + 2));
        return ob;
    }

    void add(auth::NoticeObservation ob, auth::NoticeCondition c, std::string value,
             std::string detail) {
        ob.condition = c;
        ob.value = std::move(value);
        ob.detail = std::move(detail);
        const auto it = previous_.find({ob.subject, std::string(auth::to_string(c))});
        if (it != previous_.end()) ob.previous = it->second;
        observations_.push_back(std::move(ob));
    }

    void add_host(const Result& r, int i) {
        auth::NoticeObservation ob = base(r, i, 1, host_subject(r.int64(i, 0)));
        ob.host = std::string(r.text(i, 4));
        const std::string offline(r.text(i, 5));
        add(ob, auth::NoticeCondition::Offline, offline,
            offline.empty() ? std::string() : std::string(r.text(i, 6)));
        if (const auto addresses = r.opt_text(i, 7))
            add(ob, auth::NoticeCondition::Address, std::string(*addresses),
                std::string(*addresses));
        add(ob, auth::NoticeCondition::Budget, std::string(r.text(i, 8)),
            std::to_string(r.int64(i, 9)));
        add(ob, auth::NoticeCondition::Failing, std::string(r.text(i, 10)),
            std::to_string(r.int64(i, 11)));
    }

    Database::Lease lease_;
    Transaction tx_;
    std::map<std::pair<std::string, std::string>, std::string> previous_;
    std::vector<auth::NoticeObservation> observations_;
};

}  // namespace

std::unique_ptr<auth::NoticePass> PgNoticeStore::begin_pass(const auth::NoticeWatchOptions& options,
                                                            auth::TimePoint now) {
    auto pass = std::make_unique<PgNoticePass>(db_.lease());
    if (!pass->load(options, now)) return nullptr;
    return pass;
}

std::int64_t PgNoticeStore::add_subscription(const auth::NewNoticeSubscription& s,
                                             const std::string& webhook_secret) {
    auto conn = db_.lease();
    const Result r = conn->exec(kAddSubscription,
                                {opt_id_param(s.account_id), auth::format_notice_kinds(s.kinds),
                                 bool_param(s.mail), s.mail_to, s.webhook_url, webhook_secret});
    return r.int64(0, 0);
}

std::vector<auth::NoticeSubscription> PgNoticeStore::subscriptions(
    std::optional<std::int64_t> account_id) {
    auto conn = db_.lease();
    const Result r = account_id ? conn->exec(std::string(kSubscriptionColumns) +
                                                 " WHERE s.account_id = $1::bigint ORDER BY s.id",
                                             {id_param(*account_id)})
                                : conn->exec(std::string(kSubscriptionColumns) + " ORDER BY s.id");
    std::vector<auth::NoticeSubscription> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(subscriber_from_row(r, i).subscription);
    return out;
}

bool PgNoticeStore::remove_subscription(std::int64_t id, std::optional<std::int64_t> account_id) {
    auto conn = db_.lease();
    const Result r =
        account_id
            ? conn->exec("DELETE FROM notice_subscriptions WHERE id = $1 AND account_id = $2",
                         {id_param(id), id_param(*account_id)})
            : conn->exec("DELETE FROM notice_subscriptions WHERE id = $1", {id_param(id)});
    return r.affected() > 0;
}

}  // namespace ddns::sql
