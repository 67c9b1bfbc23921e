// CachedStore on the change path: the change's transaction, wrapped so that what it writes is
// mirrored on the cached principals once it commits (their next request is answered from
// memory), and dropped from them when it does not commit (a failed commit may have an unknown
// outcome). See docs/design.md, "Database work per message and the principal cache".
#include <limits>
#include <utility>

#include "ddns/sql/cached_store.hpp"

namespace ddns::sql {
namespace {

// Own changes awaiting their notification, at most (a ping back clears them within max_lag).
constexpr std::size_t kMaxOwnChanges = 4096;

auth::TimePoint as_stored(auth::TimePoint t) {  // PostgreSQL keeps microseconds
    return std::chrono::floor<std::chrono::microseconds>(t);
}

class RefreshingChange final : public auth::HostChange {
public:
    RefreshingChange(CachedStore& cache, std::unique_ptr<auth::HostChange> inner,
                     std::vector<std::int64_t> ids)
        : cache_(cache), inner_(std::move(inner)), ids_(std::move(ids)) {}
    ~RefreshingChange() override {
        inner_.reset();  // the transaction ends first
        if (!refreshed_) cache_.invalidate_hosts(ids_);
    }
    RefreshingChange(const RefreshingChange&) = delete;
    RefreshingChange& operator=(const RefreshingChange&) = delete;

    const std::vector<auth::StoredAddresses>& locked() const override { return inner_->locked(); }
    void record_applied(std::int64_t id, const std::optional<IpAddress>& v4,
                        const std::optional<IpAddress>& v6, auth::TimePoint now) override {
        inner_->record_applied(id, v4, v6, now);
        CommittedHost& h = hosts_[id];
        h.kind = 'a';
        h.ipv4 = v4;
        h.ipv6 = v6;
        h.extra_ipv4.reset();
        h.seen = as_stored(now);
    }
    void record_offline(std::int64_t id, const std::optional<IpAddress>& v4,
                        const std::optional<IpAddress>& v6, auth::OfflineReason reason,
                        auth::TimePoint now) override {
        inner_->record_offline(id, v4, v6, reason, now);
        CommittedHost& h = hosts_[id];
        h.kind = 'o';
        h.ipv4 = v4;
        h.ipv6 = v6;
        h.extra_ipv4.reset();
    }
    void record_extra_ipv4(std::int64_t id, const std::vector<IpAddress>& extra) override {
        inner_->record_extra_ipv4(id, extra);
        hosts_[id].extra_ipv4 = extra;
    }
    void record_seen(std::int64_t id, auth::TimePoint now) override {
        inner_->record_seen(id, now);
        hosts_[id].seen = as_stored(now);
    }
    void record_prefix(std::int64_t id, const std::optional<IpNetwork>& prefix) override {
        inner_->record_prefix(id, prefix);
        hosts_[id].prefix = prefix;
    }
    void record_wildcard(std::int64_t id, bool mirrored) override {
        inner_->record_wildcard(id, mirrored);
        hosts_[id].wildcard = mirrored;
    }
    void commit() override {
        const auto transaction = inner_->transaction_id();
        if (!transaction) return inner_->commit();  // nothing locked: the destructor drops
        const CachedStore::OwnCommit own = cache_.begin_commit(ids_, *transaction);
        try {
            inner_->commit();
        } catch (...) {
            cache_.abandon_commit(own);  // the destructor drops the copies
            throw;
        }
        cache_.refresh_hosts(own, hosts_);
        refreshed_ = own.noted;  // else the destructor drops the copies
    }
    std::optional<std::int64_t> transaction_id() const override { return inner_->transaction_id(); }

private:
    CachedStore& cache_;
    std::unique_ptr<auth::HostChange> inner_;
    std::vector<std::int64_t> ids_;
    std::map<std::int64_t, CommittedHost> hosts_;  // what the transaction writes, by host
    bool refreshed_ = false;
};

}  // namespace

// As host_writes.cpp's statement sets the row (and PgStore's loads read it back).
void CommittedHost::apply_to(auth::Host& host) const {
    if (kind != 's') {
        host.ipv4 = ipv4;
        host.ipv6 = ipv6;
        host.extra_ipv4 = extra_ipv4.value_or(std::vector<IpAddress>{});
        host.offline = kind == 'o';
        if (kind == 'a') host.nochg = auth::NochgWindow{};
    } else if (extra_ipv4) {
        host.extra_ipv4 = *extra_ipv4;
    }
    if (seen) host.last_seen = *seen;
    if (prefix) host.ipv6_prefix = *prefix;
    if (wildcard) host.wildcard = *wildcard;
}

std::unique_ptr<auth::HostChange> CachedStore::begin_change(
    const std::vector<std::int64_t>& host_ids) {
    auto inner = inner_.begin_change(host_ids);
    drop_other_settings(inner->locked());
    return std::make_unique<RefreshingChange>(*this, std::move(inner), host_ids);
}

// The change writes the settings it read under the lock; a cached copy that holds others (an
// admin change whose notification has not come yet) is dropped, so that the host's next
// no-change answer, and the next change's principal, are read afresh.
void CachedStore::drop_other_settings(const std::vector<auth::StoredAddresses>& locked) {
    std::lock_guard lock(mutex_);
    std::vector<std::int64_t> stale;
    for (const auth::StoredAddresses& row : locked) {
        const auto owner =
            row.settings ? account_of_host_.find(row.host_id) : account_of_host_.end();
        if (owner == account_of_host_.end()) continue;
        const auto range = keys_of_account_.equal_range(owner->second);
        for (auto k = range.first; k != range.second; ++k)
            if (auto e = entries_.find(*k->second); e != entries_.end())
                for (const auth::Host& h : e->second.principal.hosts)
                    if (h.id == row.host_id && !row.settings->same_as(h))
                        stale.push_back(owner->second);
    }
    for (const std::int64_t account : stale) invalidate_account(account);
}

CachedStore::OwnCommit CachedStore::begin_commit(const std::vector<std::int64_t>& host_ids,
                                                 std::int64_t transaction_id) {
    std::lock_guard lock(mutex_);
    OwnCommit own{sequence_, {}, transaction_id};
    if (own_changes_.size() >= kMaxOwnChanges) {  // none noted: the copies are dropped
        own.noted = false;
        return own;
    }
    for (const std::int64_t id : host_ids) {
        const auto owner = account_of_host_.find(id);
        if (owner == account_of_host_.end()) continue;  // not cached: its notification drops
        if (own_changes_.try_emplace({owner->second, transaction_id}).second)
            own.accounts.push_back(owner->second);
    }
    return own;
}

// The copies may take the transaction's writes only if nothing touched the account's entries
// since begin_commit(): then they hold the state the transaction started from (its rows were
// locked) plus at most changes whose notifications are still to come (and will drop them), and
// only this transaction's own notification may have been applied (it kept them). Otherwise a
// copy may already hold a later state (another change committed after this one, read by a
// reload; another change of this instance that refreshed first): it is dropped instead.
void CachedStore::refresh_hosts(const OwnCommit& own,
                                const std::map<std::int64_t, CommittedHost>& hosts) {
    std::lock_guard lock(mutex_);
    const auto now = SteadyClock::now();
    for (const std::int64_t account : own.accounts) {
        const auto noted = own_changes_.find({account, own.transaction_id});
        if (noted == own_changes_.end()) {  // everything dropped since (a copy may be older)
            invalidate_account(account);
            continue;
        }
        const auto mark = invalidated_at_.find(account);
        if (all_invalidated_at_ > own.before ||
            (mark != invalidated_at_.end() && mark->second > own.before)) {
            own_changes_.erase(noted);
            invalidate_account(account);
            continue;
        }
        const auto range = keys_of_account_.equal_range(account);
        for (auto k = range.first; k != range.second; ++k)
            if (auto e = entries_.find(*k->second); e != entries_.end())
                for (auth::Host& h : e->second.principal.hosts)
                    if (const auto c = hosts.find(h.id); c != hosts.end()) c->second.apply_to(h);
        // A load that read the rows before the commit must not replace the refreshed copy.
        invalidated_at_[account] = ++sequence_;
        ++counters_.refreshed;
        if (noted->second.notified) {
            own_changes_.erase(noted);
        } else {
            noted->second.refreshed = true;
            noted->second.refreshed_at = now;
        }
    }
}

void CachedStore::abandon_commit(const OwnCommit& own) {
    std::lock_guard lock(mutex_);
    for (const std::int64_t account : own.accounts)
        own_changes_.erase({account, own.transaction_id});
}

bool CachedStore::awaiting_refresh(std::int64_t account_id) const {
    for (auto it = own_changes_.lower_bound({account_id, std::numeric_limits<std::int64_t>::min()});
         it != own_changes_.end() && it->first.first == account_id; ++it)
        if (it->second.notified && !it->second.refreshed) return true;
    return false;
}

}  // namespace ddns::sql
