#include "ddns/gateway/core/update_service.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "ddns/auth/lifecycle.hpp"
#include "ddns/auth/would_block.hpp"
#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/core/ipv6_prefix.hpp"
#include "ddns/gateway/core/zone_batch.hpp"

namespace ddns::gateway {
namespace {

// The records of one family of a state: the A set (ipv4, then the round robin's extra_ipv4), or
// the AAAA.
std::vector<IpAddress> family_set(const auth::StoredAddresses& s, RecordType type) {
    std::vector<IpAddress> out;
    if (type == RecordType::AAAA) {
        if (s.ipv6) out.push_back(*s.ipv6);
    } else if (s.ipv4) {
        out.push_back(*s.ipv4);
        out.insert(out.end(), s.extra_ipv4.begin(), s.extra_ipv4.end());
    }
    return out;
}

// The family's set after `intent` (an offline host's sentinel counts as no address).
std::vector<IpAddress> resolve(const FamilyIntent& intent, std::vector<IpAddress> set) {
    std::erase_if(set, [](const IpAddress& a) { return is_sentinel(a); });
    const auto at = intent.address ? std::find(set.begin(), set.end(), *intent.address) : set.end();
    switch (intent.action) {
        case FamilyAction::Keep:
            break;
        case FamilyAction::Set:
            set = {*intent.address};
            break;
        case FamilyAction::Remove:
            set.clear();
            break;
        case FamilyAction::Join:
            if (at == set.end() && set.size() < auth::kMaxIpv4) set.push_back(*intent.address);
            break;
        case FamilyAction::Leave:
            if (at != set.end()) set.erase(at);
            break;
    }
    return set;
}

bool same(const auth::StoredAddresses& a, const auth::StoredAddresses& b) {
    return a.ipv4 == b.ipv4 && a.ipv6 == b.ipv6 && a.extra_ipv4 == b.extra_ipv4 &&
           a.ipv6_prefix == b.ipv6_prefix && a.wildcard == b.wildcard;
}

// The state of a host after `intent`, from its state `s`.
auth::StoredAddresses next_state(const HostIntent& intent, const auth::StoredAddresses& s,
                                 auth::OfflineAction action) {
    if (intent.take_offline) return offline_addresses(s, action);
    auth::StoredAddresses n = s;
    const auto a = resolve(intent.ipv4, family_set(s, RecordType::A));
    n.ipv4 = a.empty() ? std::nullopt : std::optional(a.front());
    n.extra_ipv4.assign(a.empty() ? a.end() : a.begin() + 1, a.end());
    const auto aaaa = resolve(intent.ipv6, family_set(s, RecordType::AAAA));
    n.ipv6 = aaaa.empty() ? std::nullopt : std::optional(aaaa.front());
    if (intent.ipv6_prefix) n.ipv6_prefix = intent.ipv6_prefix;
    if (intent.wildcard) n.wildcard = *intent.wildcard;
    n.offline = false;
    return n;
}

// The AAAA a host derived from a parent in state `parent` must hold; nullopt: none.
std::optional<IpAddress> derived_aaaa(const auth::StoredAddresses& parent, const auth::Host& d) {
    const auto source = prefix_source(parent.ipv6_prefix, without_sentinel(parent.ipv6));
    if (!source || !d.interface_id) return std::nullopt;
    return derived_address(*source, *d.interface_id, d.prefix_length);
}

// A derived host follows its parent: offline with it, and otherwise back online with the AAAA
// the parent's prefix gives (its A set is its own).
auth::StoredAddresses follow(const auth::StoredAddresses& parent, const auth::Host& d,
                             const auth::StoredAddresses& s, auth::OfflineAction action) {
    if (parent.offline) return offline_addresses(s, action);
    auth::StoredAddresses n = next_state(HostIntent{&d, {}, {}}, s, action);
    n.ipv6 = derived_aaaa(parent, d);
    return n;
}

// Whether a derived host's state (as loaded with the credentials) is not what its parent in
// state `parent` gives it: the parent's update must then take the locked path even when the
// parent's own state does not change (a host declared derived since, a missed change).
bool stale(const auth::StoredAddresses& parent, const std::vector<const auth::Host*>& derived) {
    for (const auth::Host* d : derived)
        if (d->offline || d->ipv6 != derived_aaaa(parent, *d)) return true;
    return false;
}

// Replace one family at `owner`: delete its RRset, add the new RRs (if any).
void add_family_ops(std::vector<UpdateOperation>& ops, const DnsName& owner, std::uint32_t ttl,
                    RecordType type, const std::vector<IpAddress>& target) {
    ops.emplace_back(DeleteRRset{owner, type});
    for (const IpAddress& a : target)
        ops.emplace_back(AddRecord{ResourceRecord::address(owner, ttl, a)});
}

// The names that carry a host's addresses: its own name, and *.<name> while a state mirrors
// them (wildcard), with whether it holds the records before and after the change.
struct Owner {
    DnsName name;
    bool from;  // holds the records in the old state
    bool to;    // in the new state
};
std::vector<Owner> owners(const auth::Host& h, const auth::StoredAddresses& from,
                          const auth::StoredAddresses& to) {
    std::vector<Owner> out{{h.name, true, true}};
    if (from.wildcard || to.wildcard)
        if (auto star = h.name.prepend("*"))
            out.push_back({*std::move(star), from.wildcard, to.wildcard});
    return out;
}

std::vector<IpAddress> held(const auth::StoredAddresses& s, RecordType type, bool holds) {
    return holds ? family_set(s, type) : std::vector<IpAddress>{};
}

// The compensating message after a failed commit: puts each family back to `from`, on the
// prerequisite that BIND still holds exactly what this change wrote (`to`), so that it can never
// overwrite a newer change another instance made meanwhile.
UpdateRequest compensation(const auth::Zone& zone, const std::vector<const auth::Host*>& hosts,
                           const std::map<std::int64_t, auth::StoredAddresses>& from,
                           const std::map<std::int64_t, auth::StoredAddresses>& to) {
    UpdateRequest request{zone.name, {}, {}};
    for (const auth::Host* h : hosts) {
        const auto& was = from.at(h->id);
        const auto& now = to.at(h->id);
        for (const Owner& o : owners(*h, was, now))
            for (const RecordType type : {RecordType::A, RecordType::AAAA}) {
                const auto back = held(was, type, o.from);
                const auto written = held(now, type, o.to);
                if (back == written && !was.in_doubt) continue;
                // RFC 2136 §3.2.5: the value-dependent prerequisites of one name and type
                // together must equal the whole RRset.
                for (const IpAddress& a : written)
                    request.prerequisites.emplace_back(
                        RRsetExistsValue{ResourceRecord::address(o.name, h->ttl, a)});
                if (written.empty()) request.prerequisites.emplace_back(RRsetAbsent{o.name, type});
                add_family_ops(request.operations, o.name, h->ttl, type, back);
            }
    }
    return request;
}

// One message: for every host and every family that differs, delete the RRset and add the new
// RRs, so A and AAAA (and all hosts of the message) change together or not at all. The mirror
// at *.<name> changes with them.
UpdateRequest request_for(const auth::Zone& zone, const std::vector<const auth::Host*>& hosts,
                          const std::map<std::int64_t, auth::StoredAddresses>& from,
                          const std::map<std::int64_t, auth::StoredAddresses>& to) {
    UpdateRequest request{zone.name, {}, {}};
    for (const auth::Host* h : hosts) {
        const auto& was = from.at(h->id);
        const auto& now = to.at(h->id);
        for (const Owner& o : owners(*h, was, now))
            for (const RecordType type : {RecordType::A, RecordType::AAAA}) {
                const auto target = held(now, type, o.to);
                if (held(was, type, o.from) != target || was.in_doubt)
                    add_family_ops(request.operations, o.name, h->ttl, type, target);
            }
    }
    return request;
}

// A derived host follows its parent's target state (a later explicit intent for the derived
// host itself is overridden: its AAAA is its parent's to give).
void follow_parents(const std::map<std::int64_t, const auth::Host*>& derived,
                    const auth::Zone& zone, std::map<std::int64_t, auth::StoredAddresses>& target) {
    for (const auto& [id, d] : derived) {
        auto t = target.find(id);
        const auto parent = target.find(*d->derive_from);
        if (t == target.end() || parent == target.end()) continue;  // removed meanwhile
        t->second = follow(parent->second, *d, t->second,
                           auth::effective_offline_action(d->offline_action, zone.offline_action));
    }
}

// The changed hosts as the changes run_zone_batch sees: a changed derived host whose parent
// changed too is one unit with it, named by the parent's id, so that a split never separates
// them and they are recorded, compensated and marked in doubt together.
class Units {
public:
    Units(const std::vector<std::int64_t>& changed,
          const std::map<std::int64_t, const auth::Host*>& derived)
        : derived_(derived), changed_(changed.begin(), changed.end()) {
        for (const std::int64_t id : changed) members_[of(id)].push_back(id);
    }
    // The unit a host belongs to (itself, unless it follows a changed parent).
    std::int64_t of(std::int64_t id) const {
        const auto d = derived_.find(id);
        if (d == derived_.end() || changed_.count(*d->second->derive_from) == 0) return id;
        return *d->second->derive_from;
    }
    std::vector<std::int64_t> ids() const {
        std::vector<std::int64_t> out;
        for (const auto& [unit, ids] : members_) out.push_back(unit);
        return out;
    }
    std::vector<std::int64_t> expand(const std::vector<std::int64_t>& units) const {
        std::vector<std::int64_t> out;
        for (const std::int64_t u : units)
            out.insert(out.end(), members_.at(u).begin(), members_.at(u).end());
        return out;
    }

private:
    const std::map<std::int64_t, const auth::Host*>& derived_;
    std::set<std::int64_t> changed_;
    std::map<std::int64_t, std::vector<std::int64_t>> members_;
};

// The hosts of a message as it writes them: the loaded copies (perhaps answered from the
// principal cache, up to cache.max_lag_ms old) with the settings read under their row locks
// (auth::HostSettings: TTL, offline action, derivation, zone), the derived ones among them that
// still derive, and the zone as read with the locks. Not copyable: `hosts` points into `copies`.
class LockedHosts {
public:
    LockedHosts(const std::map<std::int64_t, const auth::Host*>& loaded,
                const std::map<std::int64_t, const auth::Host*>& loaded_derived,
                const std::map<std::int64_t, auth::StoredAddresses>& current)
        : hosts(loaded), zone(loaded.begin()->second->zone) {
        for (const auto& [id, stored] : current) {
            // Copied only where they differ (an admin change the cache has not seen yet); not
            // read by the store at all: the test fakes.
            if (!stored.settings || stored.settings->same_as(*loaded.at(id))) continue;
            auth::Host& copy = copies_.emplace(id, *loaded.at(id)).first->second;
            stored.settings->apply_to(copy);
            hosts[id] = &copy;
            zone = copy.zone;  // one zone per message
        }
        for (const auto& [id, d] : loaded_derived)
            if (const auth::Host* h = hosts.at(id); h->derive_from) derived.emplace(id, h);
    }
    LockedHosts(const LockedHosts&) = delete;
    LockedHosts& operator=(const LockedHosts&) = delete;

    std::map<std::int64_t, const auth::Host*> hosts;
    std::map<std::int64_t, const auth::Host*> derived;  // following a parent, as locked
    std::shared_ptr<const auth::Zone> zone;

private:
    std::map<std::int64_t, auth::Host> copies_;
};

}  // namespace

// One request's changes to one zone, waiting for the message that carries them.
struct UpdateService::Batch {
    std::vector<const HostIntent*> intents;
    std::vector<HostApplyResult*> results;   // parallel to intents
    std::vector<const auth::Host*> derived;  // hosts following the prefix of one of intents
    auth::TimePoint now;
    bool taken = false;  // a sender carries it in the message it is working on
    bool done = false;
    bool sending = false;  // its request is sending a message (perhaps without this batch)
    // Its request waits on this alone (under the queue's mutex), so that a message's end wakes
    // the requests it carried and the one that sends next, not every request of the zone. Shared:
    // a waker notifies after releasing the mutex (a thread woken under it would sleep again at
    // once on the mutex: two context switches instead of one, issue #13), by which time the
    // batch itself may be gone.
    std::shared_ptr<std::condition_variable> cv = std::make_shared<std::condition_variable>();
};

namespace {

// Condition variables to notify once the queue's mutex is released.
using Wakes = std::vector<std::shared_ptr<std::condition_variable>>;

void notify(const Wakes& wakes) {
    for (const auto& cv : wakes) cv->notify_one();
}

}  // namespace

struct UpdateService::ZoneQueue {
    using Steady = std::chrono::steady_clock;
    std::mutex mutex;
    std::deque<Batch*> pending;  // not taken yet, in arrival order
    std::size_t sending = 0;     // messages of this zone being worked on
    // When each of them that BIND has not answered yet started (in no particular order): only
    // these count against max_messages_per_zone.
    std::vector<Steady::time_point> started;
    // A sender is taking the row locks of its message: the next sender waits until it holds
    // them, so messages lock (and hence reach BIND and the database) in the order they were
    // taken from the queue.
    bool locking = false;
    // The hosts of each message BIND has answered that is still committing (or compensating
    // after a failed commit), sorted. Such a message no longer counts in `started`: the next one
    // takes its locks and goes to BIND meanwhile, unless it shares a host with one of these;
    // then it waits until that one has settled (`settled` is notified), so that BIND sees every
    // host's changes, and their compensations, in order.
    std::vector<const std::vector<std::int64_t>*> settling;
    std::condition_variable settled;

    bool shares_with_settling(const std::vector<std::int64_t>& hosts) const {
        return std::any_of(settling.begin(), settling.end(), [&](const auto* other) {
            auto a = hosts.begin();
            auto b = other->begin();
            while (a != hosts.end() && b != other->end()) {
                if (*a == *b) return true;
                *a < *b ? ++a : ++b;
            }
            return false;
        });
    }

    // Messages in flight for less than `stall_after`; the others count as stalled.
    std::size_t moving(std::chrono::milliseconds stall_after, Steady::time_point now) const {
        return static_cast<std::size_t>(std::count_if(
            started.begin(), started.end(), [&](auto t) { return now - t < stall_after; }));
    }
    // When the next message still moving counts as stalled (max() when none is moving).
    Steady::time_point next_stall(std::chrono::milliseconds stall_after,
                                  Steady::time_point now) const {
        auto next = Steady::time_point::max();
        for (const auto t : started)
            if (now - t < stall_after) next = std::min(next, t + stall_after);
        return next;
    }
    // At most this many messages at once, stalled ones included.
    static std::size_t hard_limit(const UpdateServiceOptions& o) {
        return std::max({std::size_t{1}, o.max_messages_per_zone, o.max_messages_when_stalled});
    }
    // Whether a request may start a message now; its own batch must still be pending. Up to
    // max_messages_per_zone messages at once, not counting those stalled (up to hard_limit).
    bool may_send(const UpdateServiceOptions& o, Steady::time_point now) const {
        return !locking && sending < hard_limit(o) &&
               moving(o.stall_after, now) < std::max<std::size_t>(1, o.max_messages_per_zone);
    }
    // Whether `batch` is the request woken when a message may start (see wake_next).
    bool first_waiting(const Batch* batch) const {
        for (const Batch* b : pending)
            if (!b->sending) return b == batch;
        return false;
    }
    // Under the mutex, after locking went down or a message was answered or ended: every
    // waiting request waits for the same thing, and whichever starts takes the front of the
    // queue, so the first waiting one alone is woken (64 requests woken for each message cost
    // more CPU than the message: issue #13). A request busy sending its own message is not
    // waiting. Added to `wakes`, notified after the mutex is released; if that request was
    // taken meanwhile, whoever took it wakes the next one in turn when its locks are held.
    void wake_next(Wakes& wakes) const {
        for (Batch* b : pending)
            if (!b->sending) return wakes.push_back(b->cv);
    }
};

// Caps the UPDATEs in flight per BIND server.
class UpdateService::ServerSlots {
public:
    explicit ServerSlots(std::size_t limit) : limit_(limit) {}

    // Holds one slot of `server` for its lifetime.
    class Slot {
    public:
        Slot(ServerSlots& slots, const ServerEndpoint& server)
            : slots_(slots), key_(server.to_string()) {
            std::unique_lock lock(slots_.mutex_);
            slots_.cv_.wait(lock, [&] { return slots_.in_flight_[key_] < slots_.limit_; });
            ++slots_.in_flight_[key_];
        }
        ~Slot() {
            {
                std::lock_guard lock(slots_.mutex_);
                --slots_.in_flight_[key_];
            }
            slots_.cv_.notify_all();
        }
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;

    private:
        ServerSlots& slots_;
        std::string key_;
    };

private:
    std::size_t limit_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::map<std::string, std::size_t> in_flight_;
};

UpdateService::UpdateService(UpdateSender& sender, auth::HostStore& store, const Logger& log,
                             UpdateServiceOptions options)
    : sender_(sender),
      store_(store),
      log_(log),
      options_(options),
      slots_(std::make_unique<ServerSlots>(
          std::max<std::size_t>(1, options.max_in_flight_per_server))) {}

UpdateService::~UpdateService() = default;

UpdateService::ZoneQueue& UpdateService::queue_for(std::int64_t zone_id) {
    std::lock_guard lock(queues_mutex_);
    auto& slot = queues_[zone_id];
    if (!slot) slot = std::make_unique<ZoneQueue>();
    return *slot;
}

std::size_t UpdateService::queued(std::int64_t zone_id) {
    ZoneQueue& queue = queue_for(zone_id);
    std::lock_guard lock(queue.mutex);
    return queue.pending.size();
}

std::vector<HostApplyResult> UpdateService::apply(const std::vector<HostIntent>& intents,
                                                  auth::TimePoint now) {
    // On the connection loop: decided before anything is written, or the request goes to a
    // worker (auth/would_block.hpp).
    if (auth::must_not_block() && !answerable_in_memory(intents, now)) auth::blocking_point();
    std::vector<HostApplyResult> results(intents.size());
    std::map<std::int64_t, Batch> by_zone;
    for (std::size_t i = 0; i < intents.size(); ++i) {
        const auth::Host& host = *intents[i].host;
        HostApplyResult& r = results[i];
        if (refused(host, now, r)) continue;
        // The protocol's heartbeat default, recorded once (before any DNS traffic).
        if (const auto& p = intents[i].protocol_heartbeat; p && host.protocol_heartbeat != p)
            store_.set_protocol_heartbeat(host.id, *p);
        if (!intents[i].take_offline && !host.offline) {
            const auth::StoredAddresses stored{
                host.id, host.ipv4,       host.ipv6,        false,
                false,   host.extra_ipv4, host.ipv6_prefix, host.wildcard};
            const auto next = next_state(intents[i], stored, auth::OfflineAction::Delete);
            r.ipv4 = next.ipv4;
            r.ipv6 = next.ipv6;
            if (same(next, stored) && !stale(next, intents[i].derived)) {
                const ApplyStatus seen = record_unchanged(host, now, r.retry_after);
                if (seen != ApplyStatus::Changed) {
                    r.status = seen;
                    continue;
                }
            }
        }
        // Changes, offline hosts, offline=YES, and unchanged hosts whose row moved on since the
        // credentials were checked: decided under the row lock.
        Batch& batch = by_zone[host.zone->id];
        batch.intents.push_back(&intents[i]);
        batch.results.push_back(&r);
        batch.now = now;
        // Derived hosts travel in their parent's message: one UPDATE covers one zone.
        for (const auth::Host* d : intents[i].derived)
            if (d->zone->id == host.zone->id) batch.derived.push_back(d);
    }
    for (auto& [zone_id, batch] : by_zone) submit(queue_for(zone_id), batch);
    for (const auto& r : results)
        if (r.status == ApplyStatus::Abuse)
            budget_refusals_.fetch_add(1, std::memory_order_relaxed);
    return results;
}

// True when apply() would answer every intent without waiting: each host is refused (blocked,
// over its budget as loaded) or unchanged with at most a last_seen note in memory, as
// record_unchanged() decides it. Anything else (a change, offline, a heartbeat default to
// store, a statement that counts a budget or a heartbeat near due) waits for the database or
// BIND.
bool UpdateService::answerable_in_memory(const std::vector<HostIntent>& intents,
                                         auth::TimePoint now) const {
    for (const HostIntent& intent : intents) {
        const auth::Host& host = *intent.host;
        HostApplyResult ignored;
        if (refused(host, now, ignored)) continue;
        if (intent.protocol_heartbeat && host.protocol_heartbeat != intent.protocol_heartbeat)
            return false;
        if (intent.take_offline || host.offline) return false;
        const auth::StoredAddresses stored{
            host.id, host.ipv4,       host.ipv6,        false,
            false,   host.extra_ipv4, host.ipv6_prefix, host.wildcard};
        const auto next = next_state(intent, stored, auth::OfflineAction::Delete);
        if (!same(next, stored) || stale(next, intent.derived)) return false;
        const SeenWrite write = seen_write(host, now);
        if (write == SeenWrite::Statement ||
            (write == SeenWrite::Note && !store_.notes_in_memory()))
            return false;
    }
    return true;
}

// How an unchanged host's last_seen is refreshed (see record_unchanged below).
UpdateService::SeenWrite UpdateService::seen_write(const auth::Host& host,
                                                   auth::TimePoint now) const {
    if (auth::nochg_policy_for(host, options_.nochg).active()) return SeenWrite::Statement;
    const bool fresh = host.last_seen && now - *host.last_seen < options_.seen_refresh;
    if (!host.heartbeat_timeout && fresh) return SeenWrite::None;
    const bool far_from_due = !host.heartbeat_timeout ||
                              (host.last_seen && *host.last_seen + *host.heartbeat_timeout - now >
                                                     options_.seen_note_margin);
    return far_from_due ? SeenWrite::Note : SeenWrite::Statement;
}

// The no-change path, decided from the state loaded with the credentials (no lock). The
// last_seen write is conditional on the row still holding that state and the host being
// online; when it does not (a concurrent change, the sweeper took the host offline), false
// sends the host down the locked path. A host without a heartbeat timeout whose last_seen is
// fresh needs no write at all: nothing is decided from its last_seen.
//
// Without a budget the write is a note the store may batch (HostStore::note_seen_if_unchanged):
// for a host without a heartbeat, and for a heartbeat host whose loaded last_seen keeps it far
// enough from due (seen_note_margin) that the sweeper cannot take it offline before the note is
// written. Nearer to due, and with a no-change budget, the statement runs now: the budget is
// counted by the database, so instances sharing it count together, and the update that goes
// over the budget is refused (its last_seen is refreshed all the same: the host is alive).
ApplyStatus UpdateService::record_unchanged(const auth::Host& host, auth::TimePoint now,
                                            std::chrono::seconds& retry_after) {
    const auth::NochgPolicy policy = auth::nochg_policy_for(host, options_.nochg);
    const auth::StoredAddresses expected{host.id, host.ipv4, host.ipv6,        false,
                                         false,   {},        host.ipv6_prefix, host.wildcard};
    switch (seen_write(host, now)) {
        case SeenWrite::None:
            return ApplyStatus::Unchanged;
        case SeenWrite::Note:
            return store_.note_seen_if_unchanged(expected, now) ? ApplyStatus::Unchanged
                                                                : ApplyStatus::Changed;
        case SeenWrite::Statement:
            break;
    }
    const auto window = store_.count_seen_if_unchanged(expected, now, policy.interval);
    if (!window) return ApplyStatus::Changed;
    retry_after = auth::nochg_retry_after(*window, policy, now);
    return retry_after > std::chrono::seconds::zero() ? ApplyStatus::Abuse : ApplyStatus::Unchanged;
}

// A blocked host, or one whose no-change window (as loaded with the credentials) is over its
// budget, is refused before anything is decided: whatever it asks for, nothing changes.
bool UpdateService::refused(const auth::Host& host, auth::TimePoint now, HostApplyResult& r) const {
    r.ipv4 = host.ipv4;
    r.ipv6 = host.ipv6;
    if (host.blocked) {
        r.status = ApplyStatus::Blocked;
        return true;
    }
    r.retry_after =
        auth::nochg_retry_after(host.nochg, auth::nochg_policy_for(host, options_.nochg), now);
    if (r.retry_after == std::chrono::seconds::zero()) return false;
    r.status = ApplyStatus::Abuse;
    return true;
}

void UpdateService::submit(ZoneQueue& queue, Batch& batch) {
    std::unique_lock lock(queue.mutex);
    queue.pending.push_back(&batch);
    for (;;) {
        for (;;) {
            const auto now = ZoneQueue::Steady::now();
            if (batch.done || (!batch.taken && queue.may_send(options_, now))) break;
            // The first waiting request also wakes when a message in flight comes to count as
            // stalled; every other one waits to be woken (a message's end, a sender holding its
            // locks, its own batch done).
            const bool may_overtake = !batch.taken && !queue.locking &&
                                      queue.sending < ZoneQueue::hard_limit(options_) &&
                                      queue.first_waiting(&batch);
            const auto stall = may_overtake ? queue.next_stall(options_.stall_after, now)
                                            : ZoneQueue::Steady::time_point::max();
            if (stall != ZoneQueue::Steady::time_point::max())
                batch.cv->wait_until(lock, stall);
            else
                batch.cv->wait(lock);
        }
        if (batch.done) return;
        // This request sends everything queued so far (its own batch is among it, unless more
        // than a message's worth waits before it), then hands over, so no request serves others
        // indefinitely.
        const auto started = ZoneQueue::Steady::now();
        ++queue.sending;
        queue.started.push_back(started);
        queue.locking = true;
        batch.sending = true;
        const std::size_t take = std::min(queue.pending.size(), options_.max_requests_per_message);
        std::vector<Batch*> batches(queue.pending.begin(),
                                    queue.pending.begin() + static_cast<std::ptrdiff_t>(take));
        queue.pending.erase(queue.pending.begin(),
                            queue.pending.begin() + static_cast<std::ptrdiff_t>(take));
        for (Batch* b : batches) b->taken = true;
        lock.unlock();
        // The message's stages, each reported once (process() may end before reaching one).
        bool locked = false, answered = false, settled = false;
        const auto wake_next = [&](const std::function<void()>& under_mutex) {
            Wakes wakes;
            {
                const std::lock_guard guard(queue.mutex);
                under_mutex();
                queue.wake_next(wakes);
            }
            notify(wakes);
        };
        MessageStages stages;
        stages.locked = [&] {
            if (std::exchange(locked, true)) return;
            wake_next([&] { queue.locking = false; });
        };
        std::vector<std::int64_t> hosts;  // of the message, sorted, once it has them
        stages.answered = [&] {
            if (std::exchange(answered, true)) return;
            wake_next([&] {
                queue.started.erase(std::find(queue.started.begin(), queue.started.end(), started));
                queue.settling.push_back(&hosts);
            });
        };
        stages.before_send = [&](const std::vector<std::int64_t>& ids) {
            std::unique_lock wait(queue.mutex);
            hosts = ids;
            queue.settled.wait(wait, [&] { return !queue.shares_with_settling(hosts); });
        };
        stages.settled = [&] {
            if (!answered || std::exchange(settled, true)) return;
            {
                const std::lock_guard guard(queue.mutex);
                queue.settling.erase(
                    std::find(queue.settling.begin(), queue.settling.end(), &hosts));
            }
            queue.settled.notify_all();
        };
        {
            // Every stage reported, also when process() ended early (or threw): the queue must
            // never keep a pointer to this message's hosts.
            const struct Reached {
                const MessageStages& stages;
                ~Reached() {
                    stages.locked();
                    stages.answered();
                    stages.settled();
                }
            } reached{stages};
            process(batches, stages);
        }
        Wakes wakes;
        wakes.reserve(batches.size() + 1);
        lock.lock();
        for (Batch* b : batches) {
            b->done = true;
            if (b != &batch) wakes.push_back(b->cv);
        }
        --queue.sending;
        batch.sending = false;
        queue.wake_next(wakes);
        const bool own_done = batch.done;  // its own batch was in the message (the usual case)
        lock.unlock();
        notify(wakes);
        if (own_done) return;
        lock.lock();
    }
}

void UpdateService::process(const std::vector<Batch*>& batches, const MessageStages& stages) {
    // Every host touched by these batches, in one zone.
    std::map<std::int64_t, const auth::Host*> hosts;
    std::map<std::int64_t, const auth::Host*> derived;  // following a parent of these batches
    for (const Batch* b : batches) {
        for (const HostIntent* intent : b->intents) hosts.emplace(intent->host->id, intent->host);
        for (const auth::Host* d : b->derived) derived.emplace(d->id, d);
    }
    for (const auto& [id, d] : derived) hosts.emplace(id, d);
    const auth::TimePoint now = batches.back()->now;

    auto finish_all = [&](ApplyStatus status, UpdateStatus dns) {
        for (Batch* b : batches)
            for (std::size_t i = 0; i < b->intents.size(); ++i) {
                const auth::Host& h = *b->intents[i]->host;
                *b->results[i] = HostApplyResult{status, h.ipv4, h.ipv6, dns};
            }
    };

    // Lock the rows and read the stored state again: another request or another gateway
    // instance may have changed these hosts since the credentials were checked.
    std::unique_ptr<auth::HostChange> change;
    std::map<std::int64_t, auth::StoredAddresses> current;
    std::vector<std::int64_t> all_ids;  // sorted
    all_ids.reserve(hosts.size());
    for (const auto& [id, host] : hosts) all_ids.push_back(id);
    try {
        change = store_.begin_change(all_ids);
        stages.locked();
        for (const auto& stored : change->locked()) current[stored.host_id] = stored;
    } catch (const auth::StoreError& e) {
        stages.locked();
        log_.error(std::string("database failure before update: ") + e.what());
        finish_all(ApplyStatus::StoreFailed, UpdateStatus::Success);
        return;
    }
    // From here on, what the message writes comes from the locked rows, not from the principal.
    const LockedHosts locked(hosts, derived, current);
    const auth::Zone& zone = *locked.zone;

    // Apply the intents in arrival order: a later request for the same host wins.
    std::map<std::int64_t, auth::StoredAddresses> target = current;
    for (const Batch* b : batches)
        for (const HostIntent* intent : b->intents) {
            auto it = target.find(intent->host->id);
            if (it == target.end()) continue;  // removed meanwhile
            it->second =
                next_state(*intent, it->second,
                           auth::effective_offline_action(
                               locked.hosts.at(it->first)->offline_action, zone.offline_action));
        }

    // Then the derived hosts follow their parents' new state.
    follow_parents(locked.derived, zone, target);

    // Send what differs from the stored state (and the whole state of a host in doubt, so that
    // BIND surely holds it); split, record, compensate or mark in doubt by the shared sequence,
    // which sees units (a changed derived host travels with its changed parent).
    std::vector<std::int64_t> changed;
    for (const auto& [id, t] : target)
        if (!same(t, current.at(id)) || current.at(id).in_doubt) changed.push_back(id);
    const Units units(changed, locked.derived);
    auto unit_of = [&](std::int64_t id) { return units.of(id); };
    auto expand = [&](const std::vector<std::int64_t>& ids) { return units.expand(ids); };
    changed = units.ids();
    auto hosts_of = [&](const std::vector<std::int64_t>& ids) {
        std::vector<const auth::Host*> hs;
        for (const std::int64_t id : expand(ids)) hs.push_back(locked.hosts.at(id));
        return hs;
    };
    bool first_send = true;
    const ZoneBatchSteps steps{
        [&](const std::vector<std::int64_t>& ids) {
            if (std::exchange(first_send, false)) stages.before_send(all_ids);
            return send(zone, request_for(zone, hosts_of(ids), current, target));
        },
        [&](const BatchSendResult& sent) {
            stages.answered();
            // What BIND acknowledged, and last_seen of every host that did not fail.
            for (const auto& [id, t] : target)
                if (sent.failed.count(unit_of(id)) == 0) record(*change, current.at(id), t, now);
            change->commit();
        },
        [&] { change.reset(); },  // the connection goes back before anything below needs one
        [&](const std::vector<std::int64_t>& ids) {
            return send(zone, compensation(zone, hosts_of(ids), current, target));
        },
        [&](const std::vector<std::int64_t>& ids) {
            // After any compensation, before a row lock the next message may already hold.
            stages.settled();
            store_.mark_in_doubt(expand(ids), now);
        },
    };
    const ZoneBatchResult outcome = run_zone_batch(
        changed, steps, log_,
        "dns update for zone " + zone.name.str() + " via " + zone.server.to_string());
    const auto& failed = outcome.sent.failed;
    if (!failed.empty())
        log_.warning("dns update for zone " + zone.name.str() + " via " + zone.server.to_string() +
                     " failed for " + std::to_string(failed.size()) +
                     " host(s): " + std::string(to_string(failed.begin()->second.status)));
    const bool stored_ok = outcome.outcome == CommitOutcome::Committed;
    std::set<std::int64_t> in_doubt;
    if (outcome.outcome == CommitOutcome::Unknown)
        for (const std::int64_t id : expand(outcome.sent.applied)) in_doubt.insert(id);

    // The derived hosts recorded as changed, each reported on the last result for its parent.
    std::map<std::int64_t, HostApplyResult*> last_result_of;
    for (Batch* b : batches)
        for (std::size_t i = 0; i < b->intents.size(); ++i)
            last_result_of[b->intents[i]->host->id] = b->results[i];
    const auto report_derived = [&] {
        if (!stored_ok) return;
        for (const auto& [id, d] : locked.derived) {
            const auto parent = last_result_of.find(*d->derive_from);
            const auto cur = current.find(id);
            if (parent == last_result_of.end() || cur == current.end()) continue;
            const auto& t = target.at(id);
            if (failed.count(unit_of(id)) != 0 || in_doubt.count(id) != 0 ||
                (same(t, cur->second) && t.offline == cur->second.offline))
                continue;
            // The caller's own Host object (the locked copy ends with this call).
            parent->second->derived.push_back(DerivedApplied{derived.at(id), t.ipv6, t.offline});
        }
    };

    for (Batch* b : batches)
        for (std::size_t i = 0; i < b->intents.size(); ++i) {
            const std::int64_t id = b->intents[i]->host->id;
            HostApplyResult& r = *b->results[i];
            auto cur = current.find(id);
            if (cur == current.end()) {
                r = HostApplyResult{ApplyStatus::Gone, std::nullopt, std::nullopt, {}};
                continue;
            }
            if (auto f = failed.find(unit_of(id)); f != failed.end()) {
                r = HostApplyResult{ApplyStatus::DnsFailed, cur->second.ipv4, cur->second.ipv6,
                                    f->second.status};
            } else if (in_doubt.count(id) != 0) {
                r = HostApplyResult{ApplyStatus::InDoubt, cur->second.ipv4, cur->second.ipv6,
                                    UpdateStatus::Success};
            } else if (!stored_ok) {
                r = HostApplyResult{ApplyStatus::StoreFailed, cur->second.ipv4, cur->second.ipv6,
                                    UpdateStatus::Success};
            } else if (const auto& t = target.at(id); !same(t, cur->second) ||
                                                      (t.offline && !cur->second.offline) ||
                                                      cur->second.in_doubt) {
                // Changed (or taken offline) and not failed: BIND applied it and the commit
                // succeeded. A host that only came back online without a new address is nochg.
                r = HostApplyResult{ApplyStatus::Changed, t.ipv4, t.ipv6, UpdateStatus::Success};
                r.extra_ipv4 = t.extra_ipv4;
            } else {
                r = HostApplyResult{ApplyStatus::Unchanged, cur->second.ipv4, cur->second.ipv6,
                                    UpdateStatus::Success};
            }
        }
    report_derived();
}

void UpdateService::record(auth::HostChange& change, const auth::StoredAddresses& from,
                           const auth::StoredAddresses& to, auth::TimePoint now) {
    const std::int64_t id = from.host_id;
    if (to.offline && !from.offline) {
        change.record_offline(id, to.ipv4, to.ipv6, auth::OfflineReason::Request, now);
        change.record_seen(id, now);  // offline=YES is an authenticated update too
    } else if (!same(to, from) || to.offline != from.offline || (from.in_doubt && !to.offline)) {
        change.record_applied(id, to.ipv4, to.ipv6, now);  // also back online
        if (!to.extra_ipv4.empty()) change.record_extra_ipv4(id, to.extra_ipv4);
        if (to.ipv6_prefix != from.ipv6_prefix) change.record_prefix(id, to.ipv6_prefix);
        if (to.wildcard != from.wildcard) change.record_wildcard(id, to.wildcard);
    } else {
        change.record_seen(id, now);
    }
}

UpdateResult UpdateService::send(const auth::Zone& zone, const UpdateRequest& request) {
    const ServerSlots::Slot slot(*slots_, zone.server);
    return sender_.send(request, zone.key, zone.server);
}

}  // namespace ddns::gateway
