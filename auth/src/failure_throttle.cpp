#include "ddns/auth/failure_throttle.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "keyed_state.hpp"
#include "sodium_init.hpp"

namespace ddns::auth {

namespace {

using detail::AddressEntry;
using detail::Streak;
using detail::StreakPolicy;
using std::chrono::seconds;
using TimePoint = SteadyClock::time_point;

// Retry-After is whole seconds; round up so a client that obeys it is never refused again.
seconds whole_seconds_up(SteadyClock::duration d) {
    return std::max(seconds(1), std::chrono::ceil<seconds>(d));
}

seconds lock_duration(const StreakPolicy& policy, unsigned locks_before) {
    seconds d = policy.initial;
    for (unsigned i = 0; i < locks_before && d < policy.max; ++i) d *= 2;
    return std::min(d, policy.max);
}

// Failures the streak may still take before it locks: `threshold` at first, then one.
unsigned allowance(const Streak& s, const StreakPolicy& policy) {
    const unsigned limit = s.locks == 0 ? policy.threshold : 1;
    return s.failures >= limit ? 0 : limit - s.failures;
}

// Nothing worth remembering: no failures, or none for `window` after the last lock ended.
bool idle(const Streak& s, TimePoint now, seconds window) {
    if (s.pending != 0) return false;
    if (s.failures == 0 && s.locks == 0) return true;
    return now >= std::max(s.last_failure, s.locked_until) + window;
}

bool idle(const AddressEntry& e, TimePoint now, seconds window) {
    return idle(e.streak, now, window) && now >= e.trusted_until;
}

void restart_if_over(Streak& s, TimePoint now, seconds window) {
    if (idle(s, now, window)) s = Streak{};
}

// How long a new attempt must wait; zero when it may go ahead.
SteadyClock::duration wait_for(const Streak& s, const StreakPolicy& policy, TimePoint now) {
    if (policy.threshold == 0) return SteadyClock::duration::zero();
    if (now < s.locked_until) return s.locked_until - now;
    // The remaining attempts before the next lock are all in flight: their results decide.
    if (s.pending >= allowance(s, policy)) return seconds(1);
    return SteadyClock::duration::zero();
}

// Counts one failure; returns the length of the lock it starts (zero if none).
seconds record_failure(Streak& s, const StreakPolicy& policy, TimePoint now) {
    s.last_failure = now;
    if (policy.threshold == 0) return seconds::zero();
    ++s.failures;
    if (allowance(s, policy) > 0) return seconds::zero();
    const seconds d = lock_duration(policy, s.locks);
    s.locked_until = std::max(s.locked_until, now + d);
    ++s.locks;
    s.failures = 0;
    return d;
}

void release(unsigned& pending) {
    if (pending > 0) --pending;
}

// Eviction order: plain failures, then trusted addresses, then streaks that have been locked;
// within a class the entry touched longest ago goes first.
std::tuple<int, TimePoint> significance(const Streak& s) {
    return {s.locks > 0 ? 2 : 0, std::max(s.last_failure, s.locked_until)};
}
std::tuple<int, TimePoint> significance(const AddressEntry& e) {
    if (e.streak.locks == 0 && e.trusted_until != TimePoint{}) return {1, e.trusted_until};
    return significance(e.streak);
}
unsigned pending_of(const Streak& s) {
    return s.pending;
}
unsigned pending_of(const AddressEntry& e) {
    return e.streak.pending;
}

// Makes room for one more entry in a full table: forget what is idle, and if that is not
// enough, drop the least significant eighth at once so the next inserts stay cheap. Entries
// with checks in flight are never dropped (their tickets still refer to them).
template <typename Map>
void make_room(Map& map, std::size_t max_entries, TimePoint now, seconds window) {
    if (map.size() < max_entries) return;
    std::erase_if(map, [&](const auto& item) { return idle(item.second, now, window); });
    if (map.size() < max_entries) return;
    using Rank = std::tuple<int, TimePoint, std::uint64_t>;
    std::vector<Rank> candidates;
    candidates.reserve(map.size());
    for (const auto& [key, entry] : map) {
        if (pending_of(entry) != 0) continue;
        const auto [cls, when] = significance(entry);
        candidates.emplace_back(cls, when, key);
    }
    const std::size_t victims =
        std::min(candidates.size(), std::max<std::size_t>(1, max_entries / 8));
    std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(victims),
                     candidates.end());
    for (std::size_t i = 0; i < victims; ++i) map.erase(std::get<2>(candidates[i]));
}

template <typename Map>
typename Map::mapped_type* find_entry(Map& map, std::uint64_t key) {
    const auto it = map.find(key);
    return it == map.end() ? nullptr : &it->second;
}

}  // namespace

FailureThrottle::FailureThrottle(FailureThrottleOptions options,
                                 std::function<SteadyClock::time_point()> clock)
    : options_(std::move(options)),
      address_policy_{options_.address_failures, options_.address_initial, options_.address_max},
      account_policy_{options_.account_failures, options_.account_lock, options_.account_lock},
      network_policy_{options_.network_failures, options_.network_initial, options_.network_max},
      clock_(std::move(clock)),
      hash_key_(detail::random_secret(crypto_generichash_KEYBYTES)) {
    options_.max_entries = std::max<std::size_t>(1, options_.max_entries);
    address_policy_.max = std::max(address_policy_.max, address_policy_.initial);
    network_policy_.max = std::max(network_policy_.max, network_policy_.initial);
    if (options_.shared) {
        // Every instance hashes with the stored key (the first one's proposal), so their keys
        // name the same streaks; then the locks already held apply from the start.
        hash_key_ = options_.shared->hash_key(hash_key_);
        if (hash_key_.size() < crypto_generichash_KEYBYTES_MIN ||
            hash_key_.size() > crypto_generichash_KEYBYTES_MAX)
            throw std::runtime_error("the shared throttle key has an invalid length");
    }
    const auto key = hash_key_.expose_bytes();
    keyed_ = std::make_unique<const detail::KeyedState>(key, crypto_generichash_BYTES_MIN);
    if (options_.shared) sync();
}

FailureThrottle::~FailureThrottle() = default;

namespace {

// A table tag, the family and the significant bytes of the client address. IPv6 counts per
// /64: a site is given at least that much and can use any of it.
struct ClientPrefix {
    std::array<unsigned char, 10> bytes{};
    std::size_t size = 0;
    std::span<const unsigned char> view() const { return std::span(bytes).first(size); }
};

ClientPrefix client_prefix(unsigned char tag, const IpAddress& client) {
    ClientPrefix prefix;
    prefix.bytes[0] = tag;
    prefix.bytes[1] = static_cast<unsigned char>(client.family());
    const std::size_t significant = client.is_v4() ? 4 : 8;
    std::copy_n(client.bytes().begin(), significant, prefix.bytes.begin() + 2);
    prefix.size = 2 + significant;
    return prefix;
}

}  // namespace

std::uint64_t FailureThrottle::address_key(const IpAddress& client,
                                           std::string_view username) const {
    return keyed_hash(client_prefix('A', client).view(), username);
}

std::uint64_t FailureThrottle::network_key(const IpAddress& client) const {
    return keyed_hash(client_prefix('N', client).view(), std::string_view());
}

std::uint64_t FailureThrottle::account_key(std::string_view username) const {
    const std::array<unsigned char, 1> prefix{'U'};
    return keyed_hash(prefix, username);
}

std::uint64_t FailureThrottle::keyed_hash(std::span<const unsigned char> prefix,
                                          std::string_view username) const {
    crypto_generichash_state state = keyed_->state;
    ::crypto_generichash_update(&state, prefix.data(), prefix.size());
    // ASCII case folding, like the store's lower(username) lookup: "Alice" and "alice" are one
    // account and must share one streak.
    std::array<unsigned char, 64> chunk{};
    while (!username.empty()) {
        const std::size_t n = std::min(chunk.size(), username.size());
        for (std::size_t i = 0; i < n; ++i) {
            const auto c = static_cast<unsigned char>(username[i]);
            chunk[i] = (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c - 'A' + 'a') : c;
        }
        ::crypto_generichash_update(&state, chunk.data(), n);
        username.remove_prefix(n);
    }
    std::array<unsigned char, crypto_generichash_BYTES_MIN> out{};
    ::crypto_generichash_final(&state, out.data(), out.size());
    // Keyed and uniformly distributed: 64 bits of it are a fine table key.
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < sizeof value; ++i) value = (value << 8) | out[i];
    return value;
}

AddressEntry& FailureThrottle::address_entry(std::uint64_t key, TimePoint now) {
    if (auto it = addresses_.find(key); it != addresses_.end()) return it->second;
    make_room(addresses_, options_.max_entries, now, options_.window);
    return addresses_[key];
}

namespace {

Streak& streak_entry(std::unordered_map<std::uint64_t, Streak>& table, std::uint64_t key,
                     std::size_t max_entries, TimePoint now, seconds window) {
    if (auto it = table.find(key); it != table.end()) return it->second;
    make_room(table, max_entries, now, window);
    return table[key];
}

}  // namespace

Streak& FailureThrottle::account_entry(std::uint64_t key, TimePoint now) {
    return streak_entry(accounts_, key, options_.max_entries, now, options_.window);
}

Streak& FailureThrottle::network_entry(std::uint64_t key, TimePoint now) {
    return streak_entry(networks_, key, options_.max_entries, now, options_.window);
}

FailureThrottle::Ticket FailureThrottle::admit(const IpAddress& client, std::string_view username) {
    Ticket::Keys keys;
    keys.address = address_key(client, username);
    const TimePoint now = clock_();
    std::unique_lock lock(mutex_);
    // Look only: most logins (routers polling with the right password) leave no trace here
    // beyond their trusted address, and need neither the account's nor the network's key.
    AddressEntry* address = find_entry(addresses_, keys.address);
    if (address) restart_if_over(address->streak, now, options_.window);
    const bool trusted = address && now < address->trusted_until;
    Streak* account = nullptr;
    Streak* network = nullptr;
    if (!trusted) {
        lock.unlock();  // the keys are pure functions of the input: hashed outside the lock
        keys.account = account_key(username);
        keys.network = network_key(client);
        keys.complete = true;
        lock.lock();
        // The address entry may have gone meanwhile: looked up again like the others.
        address = find_entry(addresses_, keys.address);
        if (address) restart_if_over(address->streak, now, options_.window);
        account = find_entry(accounts_, keys.account);
        network = find_entry(networks_, keys.network);
        if (account) restart_if_over(*account, now, options_.window);
        if (network) restart_if_over(*network, now, options_.window);
    }

    SteadyClock::duration wait = SteadyClock::duration::zero();
    if (address) wait = wait_for(address->streak, address_policy_, now);
    if (account && !trusted) wait = std::max(wait, wait_for(*account, account_policy_, now));
    if (network && !trusted) wait = std::max(wait, wait_for(*network, network_policy_, now));
    // Refusals are not failures: a locked-out client polling does not extend its lock.
    if (wait > SteadyClock::duration::zero())
        return Ticket(nullptr, keys, false, client, username, whole_seconds_up(wait));

    ++address_entry(keys.address, now).streak.pending;
    if (!trusted) {
        ++account_entry(keys.account, now).pending;
        ++network_entry(keys.network, now).pending;
    }
    return Ticket(this, keys, !trusted, client, username, seconds::zero());
}

FailureThrottle::Ticket::Keys FailureThrottle::complete_keys(const Ticket& ticket) const {
    Ticket::Keys keys = ticket.keys_;
    if (!keys.complete) {
        keys.account = account_key(ticket.username_);
        keys.network = network_key(ticket.client_);
        keys.complete = true;
    }
    return keys;
}

void FailureThrottle::finish(const Ticket& ticket, Result result) {
    const TimePoint now = clock_();
    std::vector<LockEvent> events;
    // A failure counts in every streak, a trusted address's too; a reserved ticket has its keys.
    const Ticket::Keys keys =
        result == Result::Failure || ticket.reserved_ ? complete_keys(ticket) : ticket.keys_;
    {
        std::lock_guard lock(mutex_);
        // Both entries exist while they count this ticket as in flight (nothing evicts them),
        // so abandoning a ticket never allocates.
        AddressEntry& address = address_entry(ticket.keys_.address, now);
        release(address.streak.pending);
        if (result == Result::Failure) {
            if (const seconds d = record_failure(address.streak, address_policy_, now);
                d > d.zero())
                events.push_back(
                    LockEvent{LockEvent::Scope::Address, ticket.client_, ticket.username_, d});
        } else if (result == Result::Success) {
            // The address proved the credential: its streak ends, and it is exempt from account
            // and network locks for a while. The account and network streaks go on: their
            // failures came from elsewhere (or from other names).
            const unsigned pending = address.streak.pending;
            address.streak = Streak{};
            address.streak.pending = pending;
            address.trusted_until = now + options_.trusted_for;
        }
        if (idle(address, now, options_.window)) addresses_.erase(ticket.keys_.address);

        if (keys.complete) {
            finish_shared(accounts_, account_policy_, keys.account, ticket, result,
                          LockEvent::Scope::Account, now, events);
            finish_shared(networks_, network_policy_, keys.network, ticket, result,
                          LockEvent::Scope::Network, now, events);
        }
    }
    if (options_.on_lock)
        for (const auto& event : events) options_.on_lock(event);
    if (result == Result::Failure && options_.shared) share_failure(ticket, keys);
}

void FailureThrottle::share_failure(const Ticket& ticket, const Ticket::Keys& keys) {
    std::vector<SharedFailure> failures;
    const auto add = [&](char scope, std::uint64_t key, const StreakPolicy& policy) {
        if (policy.threshold > 0)
            failures.push_back(SharedFailure{
                {scope, key}, policy.threshold, policy.initial, policy.max, options_.window});
    };
    add('A', keys.address, address_policy_);
    add('U', keys.account, account_policy_);
    add('N', keys.network, network_policy_);
    if (failures.empty()) return;
    std::vector<std::chrono::milliseconds> locked;
    try {
        locked = options_.shared->record_failures(failures);
        shared_ok_ = true;
    } catch (const std::exception& e) {
        shared_failed(e);  // counted in memory already: the throttle goes on from there
        return;
    }
    const TimePoint now = clock_();
    std::vector<LockEvent> events;
    {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < failures.size() && i < locked.size(); ++i)
            if (locked[i] > locked[i].zero())
                apply_shared_lock(failures[i].streak, locked[i], now, &ticket, events);
    }
    if (options_.on_lock)
        for (const auto& event : events) options_.on_lock(event);
}

std::size_t FailureThrottle::sync() {
    if (!options_.shared) return 0;
    std::vector<SharedLock> locks;
    try {
        locks = options_.shared->active_locks();
        shared_ok_ = true;
    } catch (const std::exception& e) {
        shared_failed(e);
        return 0;
    }
    const TimePoint now = clock_();
    std::vector<LockEvent> events;  // locks other instances started: they reported them
    std::lock_guard lock(mutex_);
    for (const auto& l : locks) apply_shared_lock(l.streak, l.remaining, now, nullptr, events);
    return locks.size();
}

void FailureThrottle::apply_shared_lock(const SharedStreakKey& streak,
                                        std::chrono::milliseconds remaining, TimePoint now,
                                        const Ticket* ticket, std::vector<LockEvent>& events) {
    Streak* s = nullptr;
    LockEvent::Scope scope = LockEvent::Scope::Address;
    switch (streak.scope) {
        case 'A':
            s = &address_entry(streak.key, now).streak;
            break;
        case 'U':
            s = &account_entry(streak.key, now);
            scope = LockEvent::Scope::Account;
            break;
        case 'N':
            s = &network_entry(streak.key, now);
            scope = LockEvent::Scope::Network;
            break;
        default:
            return;
    }
    const TimePoint until = now + std::chrono::duration_cast<SteadyClock::duration>(remaining);
    if (until <= s->locked_until) return;
    const bool began = s->locked_until <= now;
    // Locked once at least: like a local lock, each further failure locks again.
    s->locked_until = until;
    s->locks = std::max(s->locks, 1U);
    s->failures = 0;
    if (began && ticket)
        events.push_back(
            LockEvent{scope, ticket->client_, ticket->username_, whole_seconds_up(remaining)});
}

void FailureThrottle::shared_failed(const std::exception& e) {
    // Reported when the store stops working, not once per request.
    if (shared_ok_.exchange(false) && options_.on_shared_error)
        options_.on_shared_error(std::string("shared throttle: ") + e.what());
}

void FailureThrottle::finish_shared(std::unordered_map<std::uint64_t, Streak>& table,
                                    const StreakPolicy& policy, std::uint64_t key,
                                    const Ticket& ticket, Result result, LockEvent::Scope scope,
                                    TimePoint now, std::vector<LockEvent>& events) {
    if (!ticket.reserved_ && result != Result::Failure) return;
    Streak& streak = streak_entry(table, key, options_.max_entries, now, options_.window);
    if (ticket.reserved_) release(streak.pending);
    // Failures from trusted addresses count too: these locks guard the others.
    if (result == Result::Failure) {
        if (const seconds d = record_failure(streak, policy, now); d > d.zero())
            events.push_back(LockEvent{scope, ticket.client_, ticket.username_, d});
    }
    if (idle(streak, now, options_.window)) table.erase(key);
}

std::size_t FailureThrottle::address_entries() const {
    std::lock_guard lock(mutex_);
    return addresses_.size();
}

std::size_t FailureThrottle::account_entries() const {
    std::lock_guard lock(mutex_);
    return accounts_.size();
}

std::size_t FailureThrottle::network_entries() const {
    std::lock_guard lock(mutex_);
    return networks_.size();
}

FailureThrottle::Ticket::Ticket(FailureThrottle* owner, Keys keys, bool reserved,
                                const IpAddress& client, std::string_view username,
                                seconds retry_after)
    : owner_(owner),
      keys_(keys),
      reserved_(reserved),
      client_(client),
      username_(username),
      retry_after_(retry_after) {}

FailureThrottle::Ticket::Ticket(Ticket&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      keys_(other.keys_),
      reserved_(other.reserved_),
      client_(other.client_),
      username_(std::move(other.username_)),
      retry_after_(other.retry_after_) {}

FailureThrottle::Ticket::~Ticket() {
    if (!owner_) return;
    try {
        owner_->finish(*this, Result::Abandoned);
    } catch (...) {
        // Unreachable in practice (no allocation on this path, see finish()); a destructor
        // must not throw either way.
    }
}

void FailureThrottle::Ticket::failed() {
    if (auto* owner = std::exchange(owner_, nullptr)) owner->finish(*this, Result::Failure);
}

void FailureThrottle::Ticket::succeeded() {
    if (auto* owner = std::exchange(owner_, nullptr)) owner->finish(*this, Result::Success);
}

}  // namespace ddns::auth
