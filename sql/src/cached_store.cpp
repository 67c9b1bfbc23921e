#include "ddns/sql/cached_store.hpp"

#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <random>
#include <utility>

#include "codec.hpp"
#include "connection.hpp"
#include "ddns/auth/would_block.hpp"

namespace ddns::sql {
namespace {

constexpr const char* kChannel = "ddns_principal";
constexpr std::string_view kPingPrefix = "ping ";

// A channel nobody else listens on: this instance's pings wake no other instance.
std::string own_ping_channel() {
    std::random_device random;
    char name[48];
    std::snprintf(name, sizeof name, "ddns_cache_ping_%08x%08x", random(), random());
    return name;
}

// Locks the noted hosts in id order first (as every other writer of host rows does, so this
// cannot deadlock with them), then writes last_seen where the row still holds the noted state
// and its last_seen is older: a host that changed, went offline or is in doubt keeps what its
// change wrote. $1..$4: ids, ipv4, ipv6, microseconds, as parallel arrays.
constexpr std::string_view kLockNoted = R"sql(
SELECT id FROM hosts WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE)sql";

constexpr std::string_view kWriteNoted = R"sql(
UPDATE hosts h SET last_seen = to_timestamp(v.seen / 1000000.0)
FROM unnest($1::bigint[], $2::inet[], $3::inet[], $4::bigint[], $5::cidr[], $6::boolean[])
  AS v(id, ipv4, ipv6, seen, ipv6_prefix, wildcard)
WHERE h.id = v.id AND h.offline_since IS NULL AND h.dns_in_doubt_since IS NULL
  AND h.extra_ipv4 = '{}' AND h.ipv4 IS NOT DISTINCT FROM v.ipv4
  AND h.ipv6 IS NOT DISTINCT FROM v.ipv6 AND h.ipv6_prefix IS NOT DISTINCT FROM v.ipv6_prefix
  AND h.wildcard = v.wildcard
  AND (h.last_seen IS NULL OR h.last_seen < to_timestamp(v.seen / 1000000.0))
RETURNING h.id)sql";

std::string cache_key(std::string_view username, std::string_view digest) {
    std::string key(username);
    key.push_back('\0');
    key.append(digest);
    return key;
}

// The whole state a no-change note is about (as the change path compares it): the addresses,
// the round robin, the router's prefix and the wildcard mirror.
bool same_state(const auth::StoredAddresses& a, const auth::StoredAddresses& b) {
    return a.ipv4 == b.ipv4 && a.ipv6 == b.ipv6 && a.extra_ipv4 == b.extra_ipv4 &&
           a.ipv6_prefix == b.ipv6_prefix && a.wildcard == b.wildcard;
}

std::string array_of(const std::vector<std::string>& items) {
    std::string out = "{";
    for (const auto& item : items) out += (out.size() > 1 ? "," : "") + item;
    return out + "}";
}

}  // namespace

CachedStore::CachedStore(PgStore& inner, Database& db, std::string conninfo, CacheOptions options)
    : inner_(inner),
      db_(db),
      conninfo_(std::move(conninfo)),
      options_(options),
      ping_channel_(own_ping_channel()) {
    if (options_.ttl > std::chrono::seconds::zero())
        listener_ = std::thread([this] { listen_loop(); });
    flusher_ = std::thread([this] { flush_loop(); });
}

CachedStore::~CachedStore() {
    stop();
}

void CachedStore::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (listener_.joinable()) listener_.join();
    if (flusher_.joinable()) flusher_.join();
    try {
        flush_seen();
    } catch (const auth::StoreError&) {
        // The database is gone at shutdown: the notes are lost, as last_seen writes were before.
    }
}

std::optional<auth::Principal> CachedStore::load_principal(std::string_view username,
                                                           std::string_view token_digest) {
    const std::string key = cache_key(username, token_digest);
    drain();
    std::uint64_t started = 0;
    {
        std::lock_guard lock(mutex_);
        if (listening_ && fresh()) {
            if (auto it = entries_.find(key); it != entries_.end()) {
                if (SteadyClock::now() - it->second.loaded < options_.ttl &&
                    trusted(it->second.principal) &&
                    !awaiting_refresh(it->second.principal.account.id)) {
                    // Counted once the request is answered: an attempt on the connection loop
                    // that gives up later is retried by a worker, which looks again.
                    if (auth::must_not_block())
                        auth::when_done([this] {
                            std::lock_guard relock(mutex_);
                            ++counters_.hits;
                        });
                    else
                        ++counters_.hits;
                    recency_.splice(recency_.begin(), recency_, it->second.used);
                    return it->second.principal;
                }
            }
        }
        // Answered from the database: on the connection loop that is a wait, so the request
        // goes to a worker (which counts the miss) and nothing is counted here.
        auth::blocking_point();
        if (listening_ && !fresh()) ++counters_.lagging;
        ++counters_.misses;
        started = ++sequence_;
    }
    auto loaded = inner_.load_principal(username, token_digest);
    if (loaded) store(key, *loaded, started);
    return loaded;
}

bool CachedStore::trusted(const auth::Principal& cached) const {
    if (!cached.token || !cached.token->limits.max_unused) return true;
    const auth::TokenMatch& t = *cached.token;
    return options_.clock() < t.last_used.value_or(t.created) + *t.limits.max_unused;
}

bool CachedStore::fresh() const {
    return fresh_as_of_ > write_barrier_ && SteadyClock::now() - fresh_as_of_ <= options_.max_lag;
}

void CachedStore::note_write() {
    std::lock_guard lock(mutex_);
    write_barrier_ = SteadyClock::now();
}

std::optional<std::string> CachedStore::find_host_owner(const DnsName& name) {
    return inner_.find_host_owner(name);
}

// A token's last use notifies nobody (the trigger leaves last_used and last_used_address out),
// so the cached copies follow the value written, as they do for last_seen: max_unused is then
// judged against the real last use, and the next requests do not write it again.
void CachedStore::record_token_use(std::int64_t token_id, const std::optional<IpAddress>& client,
                                   auth::TimePoint now) {
    inner_.record_token_use(token_id, client, now);
    std::lock_guard lock(mutex_);
    const auto owner = account_of_token_.find(token_id);
    if (owner == account_of_token_.end()) return;
    const auto range = keys_of_account_.equal_range(owner->second);
    for (auto k = range.first; k != range.second; ++k) {
        auto e = entries_.find(*k->second);
        if (e == entries_.end()) continue;
        auto& token = e->second.principal.token;
        if (!token || token->token_id != token_id) continue;
        if (!token->last_used || *token->last_used < now) {
            token->last_used = now;
            token->last_used_address = client;
        }
    }
}

bool CachedStore::record_seen_if_unchanged(const auth::StoredAddresses& expected,
                                           auth::TimePoint now) {
    return count_seen_if_unchanged(expected, now, std::chrono::seconds::zero()).has_value();
}

std::optional<auth::NochgWindow> CachedStore::count_seen_if_unchanged(
    const auth::StoredAddresses& expected, auth::TimePoint now, std::chrono::seconds interval) {
    auto window = inner_.count_seen_if_unchanged(expected, now, interval);
    if (window && interval == std::chrono::seconds::zero())
        update_seen(expected.host_id, now);
    else
        invalidate_hosts({expected.host_id});  // moved on, or a window that changed
    return window;
}

bool CachedStore::note_seen_if_unchanged(const auth::StoredAddresses& expected,
                                         auth::TimePoint now) {
    std::lock_guard lock(seen_mutex_);
    auto [it, added] = seen_.try_emplace(expected.host_id, Seen{expected, now});
    if (added) return true;
    // A note of another state is newer knowledge of the host: it replaces the older note.
    if (!same_state(it->second.expected, expected))
        it->second = Seen{expected, now};
    else
        it->second.at = std::max(it->second.at, now);
    return true;
}

void CachedStore::mark_in_doubt(const std::vector<std::int64_t>& host_ids, auth::TimePoint now) {
    invalidate_hosts(host_ids);
    inner_.mark_in_doubt(host_ids, now);
    invalidate_hosts(host_ids);
}

void CachedStore::set_protocol_heartbeat(std::int64_t host_id, std::chrono::seconds timeout) {
    inner_.set_protocol_heartbeat(host_id, timeout);
    invalidate_hosts({host_id});
}

void CachedStore::flush_seen() {
    std::map<std::int64_t, Seen> batch;
    {
        std::lock_guard lock(seen_mutex_);
        batch.swap(seen_);
    }
    if (batch.empty()) return;
    std::vector<std::string> ids, v4, v6, at, prefix, wildcard;
    for (const auto& [id, s] : batch) {
        ids.push_back(id_param(id));
        v4.push_back(s.expected.ipv4 ? s.expected.ipv4->to_string() : "NULL");
        v6.push_back(s.expected.ipv6 ? s.expected.ipv6->to_string() : "NULL");
        at.push_back(*micros_param(s.at));
        prefix.push_back(s.expected.ipv6_prefix ? s.expected.ipv6_prefix->to_string() : "NULL");
        wildcard.push_back(s.expected.wildcard ? "t" : "f");
    }
    try {
        auto conn = db_.lease();
        Transaction tx(*conn);
        conn->exec_prepared("lock_noted", kLockNoted, {array_of(ids)});
        const Result r = conn->exec_prepared("write_noted", kWriteNoted,
                                             {array_of(ids), array_of(v4), array_of(v6),
                                              array_of(at), array_of(prefix), array_of(wildcard)});
        tx.commit();
        for (int row = 0; row < r.rows(); ++row) {
            const std::int64_t id = r.int64(row, 0);
            update_seen(id, batch.at(id).at);
        }
        std::lock_guard lock(mutex_);
        counters_.seen_written += static_cast<std::uint64_t>(r.rows());
    } catch (const auth::StoreError&) {
        // Kept for the next flush, unless newer notes of the same hosts arrived meanwhile.
        std::lock_guard lock(seen_mutex_);
        for (auto& [id, s] : batch) seen_.try_emplace(id, s);
        throw;
    }
}

void CachedStore::set_listening(bool up) {
    {
        std::lock_guard lock(mutex_);
        invalidate_all();  // whatever was missed while down (or before) is gone with it
        listening_ = up;
        // Fresh only once a ping sent on this connection has come back.
        fresh_as_of_ = SteadyClock::time_point{};
        pings_sent_.clear();
        counters_.listening = up;
    }
    changed_.notify_all();
}

bool CachedStore::wait_listening(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return listening_ && fresh(); });
}

CacheCounters CachedStore::counters() const {
    std::lock_guard lock(mutex_);
    CacheCounters counters = counters_;
    counters.entries = entries_.size();
    return counters;
}

void CachedStore::apply(const std::vector<std::string>& payloads) {
    if (payloads.empty()) return;
    std::unique_lock lock(mutex_);
    const bool was_fresh = fresh();
    for (const std::string& payload : payloads) {
        if (payload.starts_with(kPingPrefix)) {
            std::uint64_t seq = 0;
            std::from_chars(payload.data() + kPingPrefix.size(), payload.data() + payload.size(),
                            seq);
            // Everything committed before this ping was sent has been applied above.
            if (auto it = pings_sent_.find(seq); it != pings_sent_.end()) {
                fresh_as_of_ = std::max(fresh_as_of_, it->second);
                // An own change refreshed before this ping was sent has had its notification.
                std::erase_if(own_changes_, [&](const auto& c) {
                    return c.second.refreshed && c.second.refreshed_at < it->second;
                });
                pings_sent_.erase(pings_sent_.begin(), std::next(it));
            }
            continue;
        }
        apply_principal(payload);
    }
    const bool now_fresh = fresh();
    lock.unlock();
    if (now_fresh && !was_fresh) changed_.notify_all();  // wait_listening()
}

// '<account>' (accounts, tokens, zones owned), '<account> <txid>' (hosts, migration 031), '*'
// (a zone). A host change committed by this instance, whose copies refresh_hosts() already
// brought up to date, keeps them; every other one drops the account's principals.
void CachedStore::apply_principal(std::string_view payload) {
    const char* const last = payload.data() + payload.size();
    std::int64_t account = 0, transaction = 0;
    const auto first = std::from_chars(payload.data(), last, account);
    if (first.ec != std::errc()) return invalidate_all();  // '*', or anything unexpected
    if (first.ptr != last) {
        if (*first.ptr != ' ') return invalidate_all();
        const auto second = std::from_chars(first.ptr + 1, last, transaction);
        if (second.ec != std::errc() || second.ptr != last) return invalidate_all();
        if (auto own = own_changes_.find({account, transaction}); own != own_changes_.end()) {
            ++counters_.own_notices;
            if (own->second.refreshed)
                own_changes_.erase(own);
            else
                own->second.notified = true;  // committed: refresh_hosts() follows
            return;
        }
    }
    invalidate_account(account);
}

namespace {

// Marks, for its lifetime, that the holder of conn_mutex_ is reading and applying notifications
// (drain() skips waiting for it); cleared on every way out, an exception included.
class ReadingNotifications {
public:
    explicit ReadingNotifications(std::atomic<bool>& flag) : flag_(flag) {
        flag_.store(true, std::memory_order_release);
    }
    ~ReadingNotifications() { flag_.store(false, std::memory_order_release); }
    ReadingNotifications(const ReadingNotifications&) = delete;
    ReadingNotifications& operator=(const ReadingNotifications&) = delete;

private:
    std::atomic<bool>& flag_;
};

}  // namespace

void CachedStore::drain() {
    // The listener holds conn_mutex_ while it (re)connects: the loop thread does not wait.
    std::unique_lock conn_lock(conn_mutex_, std::try_to_lock);
    if (!conn_lock.owns_lock()) {
        // Another thread (the other connection loop, a worker, the listener) is reading the
        // notifications now and applies what it reads before it lets go: waiting to read after
        // it would only find what arrived since, which no client can tell from arriving after
        // this lookup (a notification reaches the socket some time after its commit anyway;
        // the freshness ping bounds that time). On the connection loop, waiting sent every
        // such request to a worker, a few in a hundred at keep-alive rates.
        if (reading_notifications_.load(std::memory_order_acquire)) return;
        auth::blocking_point();
        conn_lock.lock();
    }
    if (!conn_) return;  // not listening: nothing is answered from memory
    read_notifications();
}

// Under conn_mutex_, with conn_ set.
void CachedStore::read_notifications() {
    try {
        const ReadingNotifications reading(reading_notifications_);
        apply(conn_->pending_notifications());
    } catch (const auth::StoreError&) {
        conn_.reset();  // the listener notices and reconnects
        set_listening(false);
    }
}

void CachedStore::listen_loop() {
    const auto stopping = [&] {
        std::lock_guard lock(mutex_);
        return stopping_;
    };
    auto last_ping = SteadyClock::now();
    while (!stopping()) {
        try {
            int socket = -1;
            {
                std::lock_guard conn_lock(conn_mutex_);
                if (!conn_) {
                    auto conn =
                        Connection::open(conninfo_, SteadyClock::now() + std::chrono::seconds(5));
                    conn->exec(std::string("LISTEN ") + kChannel);
                    conn->exec("LISTEN " + ping_channel_);
                    ping_conn_ =
                        Connection::open(conninfo_, SteadyClock::now() + std::chrono::seconds(5));
                    conn_ = std::move(conn);
                    set_listening(true);
                    last_ping = SteadyClock::now();
                }
                socket = conn_->socket();
            }
            send_ping_if_due();
            pollfd ready{socket, POLLIN, 0};
            poll(&ready, 1, static_cast<int>(std::max<std::int64_t>(1, ping_every().count())));
            std::lock_guard conn_lock(conn_mutex_);
            if (!conn_) continue;  // dropped by drain(): reconnect
            {
                const ReadingNotifications reading(reading_notifications_);
                apply(conn_->pending_notifications());
            }
            // A server that vanished without closing the socket is found by a bounded ping.
            if (SteadyClock::now() - last_ping > std::chrono::seconds(5)) {
                if (conn_->ping(SteadyClock::now() + std::chrono::seconds(2)))
                    throw auth::StoreError("database: the listening connection does not answer");
                last_ping = SteadyClock::now();
            }
        } catch (const std::exception&) {
            {
                std::lock_guard conn_lock(conn_mutex_);
                conn_.reset();
            }
            ping_conn_.reset();
            set_listening(false);
            std::unique_lock lock(mutex_);
            changed_.wait_for(lock, std::chrono::milliseconds(500), [&] { return stopping_; });
        }
    }
    std::lock_guard conn_lock(conn_mutex_);
    conn_.reset();
    ping_conn_.reset();
    set_listening(false);
}

std::chrono::milliseconds CachedStore::ping_every() const {
    return std::max(std::chrono::milliseconds(1), options_.max_lag / 4);
}

// The ping is a NOTIFY on this instance's own channel, sent on a connection of its own (so a
// request's drain() never waits for it). Its send time is taken before it leaves: every
// transaction that committed before that moment commits before the ping, so its notification
// reaches the listening connection before the ping does.
void CachedStore::send_ping_if_due() {
    const auto now = SteadyClock::now();
    if (!ping_conn_ || now - last_ping_sent_ < ping_every()) return;
    std::uint64_t seq = 0;
    {
        std::lock_guard lock(mutex_);
        seq = ++ping_sequence_;
        pings_sent_[seq] = now;
        while (pings_sent_.size() > 64) pings_sent_.erase(pings_sent_.begin());  // lost ones
    }
    last_ping_sent_ = now;
    ping_conn_->exec("NOTIFY " + ping_channel_ + ", '" + std::string(kPingPrefix) +
                     std::to_string(seq) + "'");
}

void CachedStore::flush_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        changed_.wait_for(lock, options_.seen_flush, [&] { return stopping_; });
        if (stopping_) break;
        lock.unlock();
        try {
            flush_seen();
        } catch (const std::exception&) {
            // Kept and retried at the next interval.
        }
        lock.lock();
    }
}

}  // namespace ddns::sql
