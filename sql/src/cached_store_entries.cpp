// CachedStore's entries: storing a loaded principal, the recency order that picks what a full
// cache evicts, the indexes by account, host and token, and the invalidations that use them.
// All of it runs under CachedStore::mutex_. See docs/design.md, "Database work per message and
// the principal cache".
#include <vector>

#include "ddns/sql/cached_store.hpp"

namespace ddns::sql {

void CachedStore::store(const std::string& key, const auth::Principal& p, std::uint64_t started) {
    std::lock_guard lock(mutex_);
    if (!listening_ || all_invalidated_at_ >= started) return;
    if (auto it = invalidated_at_.find(p.account.id);
        it != invalidated_at_.end() && it->second >= started)
        return;
    if (options_.capacity == 0) return;
    if (auto it = entries_.find(key); it != entries_.end()) {
        it->second.principal = p;
        share_zones(it->second.principal);
        it->second.loaded = SteadyClock::now();
        recency_.splice(recency_.begin(), recency_, it->second.used);
    } else {
        while (entries_.size() >= options_.capacity && !recency_.empty()) evict_oldest();
        auto added = entries_.emplace(key, Entry{p, SteadyClock::now(), {}}).first;
        share_zones(added->second.principal);
        recency_.push_front(&added->first);
        added->second.used = recency_.begin();
        keys_of_account_.emplace(p.account.id, &added->first);
    }
    for (const auth::Host& h : p.hosts) account_of_host_[h.id] = p.account.id;
    if (p.token) account_of_token_[p.token->token_id] = p.account.id;
}

void CachedStore::update_seen(std::int64_t host_id, auth::TimePoint at) {
    std::lock_guard lock(mutex_);
    const auto owner = account_of_host_.find(host_id);
    if (owner == account_of_host_.end()) return;
    const auto range = keys_of_account_.equal_range(owner->second);
    for (auto k = range.first; k != range.second; ++k) {
        auto e = entries_.find(*k->second);
        if (e == entries_.end()) continue;
        for (auth::Host& h : e->second.principal.hosts)
            if (h.id == host_id && (!h.last_seen || *h.last_seen < at)) h.last_seen = at;
    }
}

void CachedStore::invalidate_hosts(const std::vector<std::int64_t>& host_ids) {
    std::lock_guard lock(mutex_);
    for (const std::int64_t id : host_ids)
        if (auto owner = account_of_host_.find(id); owner != account_of_host_.end())
            invalidate_account(owner->second);
}

void CachedStore::invalidate_account(std::int64_t account_id) {
    ++counters_.invalidations;
    invalidated_at_[account_id] = ++sequence_;
    std::vector<std::string> keys;
    const auto range = keys_of_account_.equal_range(account_id);
    for (auto k = range.first; k != range.second; ++k) keys.push_back(*k->second);
    for (const std::string& key : keys)
        if (auto e = entries_.find(key); e != entries_.end()) erase_entry(e);
    keys_of_account_.erase(account_id);
    // Marks older than every load in progress are no longer needed; bound the table.
    if (invalidated_at_.size() > options_.capacity + 1024) {
        invalidated_at_.clear();
        all_invalidated_at_ = sequence_;
    }
}

void CachedStore::invalidate_all() {
    ++counters_.invalidations;
    all_invalidated_at_ = ++sequence_;
    entries_.clear();
    recency_.clear();
    zones_.clear();
    own_changes_.clear();  // their notifications drop what was reloaded since: only a miss
    keys_of_account_.clear();
    account_of_host_.clear();
    account_of_token_.clear();
    invalidated_at_.clear();
}

void CachedStore::erase_entry(std::unordered_map<std::string, Entry>::iterator e) {
    const auth::Principal& p = e->second.principal;
    bool token_shared = false, account_kept = false;
    const auto range = keys_of_account_.equal_range(p.account.id);
    for (auto k = range.first; k != range.second;) {
        if (k->second == &e->first) {
            k = keys_of_account_.erase(k);
            continue;
        }
        account_kept = true;  // another credential of the account: same hosts
        if (auto other = entries_.find(*k->second);
            other != entries_.end() && p.token && other->second.principal.token &&
            other->second.principal.token->token_id == p.token->token_id)
            token_shared = true;
        ++k;
    }
    if (!account_kept)
        for (const auth::Host& h : p.hosts) account_of_host_.erase(h.id);
    if (p.token && !token_shared) account_of_token_.erase(p.token->token_id);
    recency_.erase(e->second.used);
    entries_.erase(e);
}

// Every load builds its own Zone objects (with the TSIG key); the cached principals of one zone
// share one instead, as long as it is equal in every field (a changed zone notifies '*', which
// empties the cache and this table with it).
void CachedStore::share_zones(auth::Principal& p) {
    const auto shared = [this](std::shared_ptr<const auth::Zone>& zone) {
        auto& known = zones_[zone->id];
        if (known && auth::same_zone(*known, *zone))
            zone = known;
        else
            known = zone;
    };
    for (auth::Host& h : p.hosts) shared(h.zone);
    for (auto& zone : p.owned_zones) shared(zone);
}

void CachedStore::evict_oldest() {
    ++counters_.evictions;
    erase_entry(entries_.find(*recency_.back()));
}

}  // namespace ddns::sql
