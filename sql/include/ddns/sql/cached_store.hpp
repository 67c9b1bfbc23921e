// The no-change path without synchronous database work: PgStore behind an in-process cache of
// principals (account, hosts with their state, the token matched), kept correct across gateway
// instances by PostgreSQL LISTEN/NOTIFY (migration 018) plus a TTL, and last_seen notes gathered
// in memory and written in one statement per interval. See docs/design.md, "Database work per
// message and the principal cache".
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ddns/auth/store.hpp"
#include "ddns/sql/pg_store.hpp"

namespace ddns::sql {

class Connection;  // private to sql/

struct CacheOptions {
    // How long a cached principal is used at most (0: nothing is cached, every load reads the
    // database). Invalidation is by notification; the TTL bounds what a lost one could cost.
    std::chrono::seconds ttl{0};
    // Principals cached at most; when full, the one used longest ago makes room (LRU).
    std::size_t capacity = 25000;
    // Noted last_seen values are written this often, all in one statement.
    std::chrono::milliseconds seen_flush{1000};
    // The bound on staleness: nothing is answered from memory unless a ping sent at most this
    // long ago has come back through the listening connection, which proves that every
    // notification committed before it was sent has been applied (PostgreSQL delivers
    // notifications in commit order). A ping is sent every max_lag / 4.
    std::chrono::milliseconds max_lag{500};
    // The time a cached token's max_unused is judged at (the authenticator's clock).
    std::function<auth::TimePoint()> clock = [] { return auth::Clock::now(); };
};

// What the cache did since start (for metrics and tests).
struct CacheCounters {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t invalidations = 0;  // notifications received (and local changes)
    std::uint64_t seen_written = 0;   // noted last_seen values written
    std::uint64_t lagging = 0;        // loads not answered from memory: no recent ping back
    std::uint64_t evictions = 0;      // principals dropped to make room (used longest ago)
    std::uint64_t entries = 0;        // principals cached now
    std::uint64_t refreshed = 0;      // accounts' copies brought up to date by own changes
    std::uint64_t own_notices = 0;    // notifications of own changes that kept the copy
    bool listening = false;           // the invalidation channel is up (else nothing is cached)
};

// What a committed change wrote to one host (the change path's statement, host_writes.cpp,
// mirrored): applied to the cached copies of its principal in place (see refresh_hosts()).
struct CommittedHost {
    char kind = 's';  // 'a' applied (back online, window cleared), 'o' taken offline, 's' seen
    std::optional<IpAddress> ipv4, ipv6;               // kind 'a' and 'o'
    std::optional<std::vector<IpAddress>> extra_ipv4;  // nullopt: none after 'a'/'o', else kept
    std::optional<auth::TimePoint> seen;               // last_seen written
    std::optional<std::optional<IpNetwork>> prefix;    // record_prefix()
    std::optional<bool> wildcard;                      // record_wildcard()
    void apply_to(auth::Host& host) const;
};

class CachedStore final : public auth::AccountStore, public auth::HostStore {
public:
    // `conninfo` opens the connection that LISTENs; reads and writes go through `inner`.
    CachedStore(PgStore& inner, Database& db, std::string conninfo, CacheOptions options);
    ~CachedStore() override;  // stop()
    CachedStore(const CachedStore&) = delete;
    CachedStore& operator=(const CachedStore&) = delete;

    // Writes what is noted and ends both threads.
    void stop();

    // AccountStore: a cached copy while the channel is up and the copy is younger than the TTL
    // and was not invalidated; else loaded (and cached when nothing invalidated it meanwhile).
    std::optional<auth::Principal> load_principal(std::string_view username,
                                                  std::string_view token_digest) override;
    std::optional<std::string> find_host_owner(const DnsName& name) override;
    void record_token_use(std::int64_t token_id, const std::optional<IpAddress>& client,
                          auth::TimePoint now) override;

    // HostStore: PgStore's. A committed change refreshes the cached principals holding its
    // hosts in place (cached_store_change.cpp); one that fails, a doubt mark or a failed
    // no-change statement drops them at once (the notification follows).
    std::unique_ptr<auth::HostChange> begin_change(
        const std::vector<std::int64_t>& host_ids) override;
    bool record_seen_if_unchanged(const auth::StoredAddresses& expected,
                                  auth::TimePoint now) override;
    std::optional<auth::NochgWindow> count_seen_if_unchanged(
        const auth::StoredAddresses& expected, auth::TimePoint now,
        std::chrono::seconds interval) override;
    bool note_seen_if_unchanged(const auth::StoredAddresses& expected,
                                auth::TimePoint now) override;
    bool notes_in_memory() const override { return true; }
    void mark_in_doubt(const std::vector<std::int64_t>& host_ids, auth::TimePoint now) override;
    void set_protocol_heartbeat(std::int64_t host_id, std::chrono::seconds timeout) override;

    // Writes the noted last_seen values now (the flusher does it every seen_flush).
    void flush_seen();
    // Waits until the invalidation channel is up and fresh (a ping came back; tests), at most
    // `timeout`.
    bool wait_listening(std::chrono::milliseconds timeout);
    CacheCounters counters() const;

    // Drops the principals of these hosts' accounts (also called by the change wrapper).
    void invalidate_hosts(const std::vector<std::int64_t>& host_ids);
    // Drops the principals whose copy of a locked host holds other settings than the ones read
    // under its lock (auth::HostSettings).
    void drop_other_settings(const std::vector<auth::StoredAddresses>& locked);
    // The change path's own changes (migration 031, docs/design.md): before the commit of
    // transaction `transaction_id` over `host_ids`, begin_commit() notes its accounts that are
    // cached; their notification of that transaction then keeps the copies instead of dropping
    // them (until refreshed they are not answered from). After a commit, refresh_hosts() brings
    // the copies up to date in place with what it wrote, unless the account's entries were
    // dropped or refreshed since begin_commit() (a copy may then hold a later state): those are
    // dropped. After a failed or unknown commit, abandon_commit() forgets the note (the change
    // wrapper then drops the copies).
    struct OwnCommit {
        std::uint64_t before = 0;            // sequence_ at begin_commit()
        std::vector<std::int64_t> accounts;  // noted
        std::int64_t transaction_id = 0;
        bool noted = true;  // false: too many own changes in flight, the copies are dropped
    };
    OwnCommit begin_commit(const std::vector<std::int64_t>& host_ids, std::int64_t transaction_id);
    void refresh_hosts(const OwnCommit& commit, const std::map<std::int64_t, CommittedHost>& hosts);
    void abandon_commit(const OwnCommit& commit);
    // A write this process just committed outside the change path (the pages, the JSON API):
    // nothing is answered from memory until a freshness ping sent after this call has come
    // back, so the write's own notification has been applied first (read your own writes).
    void note_write();

private:
    using SteadyClock = std::chrono::steady_clock;
    // Keys by last use, most recent first; each names its entry's key (stable: map nodes).
    using Recency = std::list<const std::string*>;
    struct Entry {
        auth::Principal principal;
        SteadyClock::time_point loaded;
        Recency::iterator used;  // this entry's place in recency_
    };
    struct Seen {
        auth::StoredAddresses expected;
        auth::TimePoint at;
    };

    void listen_loop();
    // Reads the notifications that reached the listening socket and applies them. Called by
    // the listener thread, and before every answer from memory, so that a notification sent
    // before the request arrived is never missed for want of the listener being scheduled.
    void drain();
    void read_notifications();  // conn_mutex_ held, conn_ set
    void apply(const std::vector<std::string>& payloads);
    void apply_principal(std::string_view payload);  // mutex_ held: one ddns_principal payload
    void flush_loop();
    // Sends the next freshness ping on ping_conn_ when one is due (listener thread only).
    void send_ping_if_due();
    std::chrono::milliseconds ping_every() const;
    bool fresh() const;  // mutex_ held: a ping sent within max_lag has come back
    // Whether a cached copy may answer: a token it would refuse as unused too long may have
    // been used through another instance since (a recorded use notifies nobody).
    bool trusted(const auth::Principal& cached) const;
    void invalidate_account(std::int64_t account_id);  // mutex_ held
    void invalidate_all();                             // mutex_ held
    // Drops one entry and what only it needed (mutex_ held); evict_oldest() the one used
    // longest ago.
    void erase_entry(std::unordered_map<std::string, Entry>::iterator e);
    void evict_oldest();
    void share_zones(auth::Principal& p);  // mutex_ held: one Zone object per zone
    void set_listening(bool up);
    void update_seen(std::int64_t host_id, auth::TimePoint at);  // the cached copies' last_seen
    void store(const std::string& key, const auth::Principal& p, std::uint64_t started);

    PgStore& inner_;
    Database& db_;
    std::string conninfo_;
    CacheOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;  // listening_ or stopping_
    std::unordered_map<std::string, Entry> entries_;
    Recency recency_;
    std::unordered_map<std::int64_t, std::shared_ptr<const auth::Zone>> zones_;  // by id
    // Own changes noted by begin_commit(), by (account, txid): until refreshed (or abandoned),
    // and once refreshed until their notification comes, or a ping sent later comes back.
    struct OwnChange {
        bool notified = false;   // its notification came (the copy is kept, not answered from)
        bool refreshed = false;  // refresh_hosts() brought the copies up to date
        SteadyClock::time_point refreshed_at{};
    };
    std::map<std::pair<std::int64_t, std::int64_t>, OwnChange> own_changes_;
    bool awaiting_refresh(std::int64_t account_id) const;  // mutex_ held
    // An account's entries, by their keys in entries_ (map nodes are stable).
    std::unordered_multimap<std::int64_t, const std::string*> keys_of_account_;
    std::unordered_map<std::int64_t, std::int64_t> account_of_host_;
    std::unordered_map<std::int64_t, std::int64_t> account_of_token_;
    // Invalidation sequence: a load that started before an invalidation of its account (or of
    // everything) is not cached.
    std::uint64_t sequence_ = 0;
    std::unordered_map<std::int64_t, std::uint64_t> invalidated_at_;  // account -> sequence
    std::uint64_t all_invalidated_at_ = 0;
    bool listening_ = false;
    bool stopping_ = false;
    // Freshness pings (see CacheOptions::max_lag): sent on a channel of this instance's own.
    std::string ping_channel_;
    std::uint64_t ping_sequence_ = 0;
    std::map<std::uint64_t, SteadyClock::time_point> pings_sent_;  // not yet back
    SteadyClock::time_point fresh_as_of_{};    // send time of the newest ping back
    SteadyClock::time_point write_barrier_{};  // note_write(): fresh only by a later ping
    SteadyClock::time_point last_ping_sent_{};
    CacheCounters counters_;

    std::mutex seen_mutex_;
    std::map<std::int64_t, Seen> seen_;  // noted, not yet written; by host id

    std::mutex conn_mutex_;  // before mutex_ when both are taken
    // Set while a holder of conn_mutex_ reads and applies notifications (drain(), the listener).
    std::atomic<bool> reading_notifications_{false};
    std::unique_ptr<Connection> conn_;       // the listening connection (nullptr while down)
    std::unique_ptr<Connection> ping_conn_;  // sends the pings (listener thread only)
    std::thread listener_;
    std::thread flusher_;
};

}  // namespace ddns::sql
