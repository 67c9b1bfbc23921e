// Brute-force throttling of failed logins, per client address and account name, per account name
// and per client address across all names, in memory (per process). The policy, in full:
//
// - A *streak* counts failed credential checks. `threshold` failures lock the streak for
//   `initial`; once a streak has been locked, every further failure locks it again, each lock
//   twice as long as the one before, up to `max`. A streak ends (and is forgotten) `window`
//   after its last failure or the end of its last lock, whichever is later.
// - Address streak: one per (client address, account name). IPv6 clients count per /64, the
//   smallest network a site is given, so one host cannot step through its own addresses.
//   A correct credential from that address ends the streak and makes the address *trusted* for
//   the account for `trusted_for`.
// - Account streak: one per account name, across all addresses (distributed guessing). Its lock
//   always lasts `account_lock` (initial = max: no doubling), so no account lock keeps a client
//   waiting longer; an attack that goes on can lock the account again when a lock ends.
//   Trusted addresses are exempt: a router at its usual address keeps working while its account
//   is attacked. A success does not end this streak (the failures came from elsewhere).
// - Network streak: one per client address (IPv6: /64) across all account names, against one
//   password tried on many names ("password spraying"), which no other streak ever sees twice.
//   Its threshold is generous, so a NAT with many routers behind it is not locked by a few
//   typos; its lock doubles like the address lock but up to its own, shorter cap. Trusted
//   (address, name) pairs are exempt, so the routers behind a spraying NAT keep working. A
//   success does not end it either (the other names' failures may be the sprayer's).
// - While any applies, admit() refuses at once: the credential is not looked at, so a
//   locked-out guess costs no store lookup, no argon2 run, and reveals nothing. Checks still in
//   flight count against the threshold, so parallel requests cannot squeeze in extra guesses.
// - Unknown account names are counted like real ones: the answer never reveals which exist.
//
// - Every failure counts in all three streaks, also from a trusted address (the account and
//   network locks guard the others); only the locks' admission spares trusted addresses.
//
// Memory: each table holds at most `max_entries`. When a table is full, forgotten entries are
// dropped first, then the least significant eighth (plain failures before trusted addresses
// before locked streaks, oldest first), so a spray of addresses or names cannot grow memory and
// cannot easily flush a live lock. All time comes from the injected steady clock.
//
// Shared (options.shared set): every failure is also counted, by the same policy, in a store
// all instances share, with one statement per failure; a lock that begins there applies here at
// once, and sync() (run at construction and then periodically by the caller) brings in the locks
// other instances started, so neither more instances nor a restart multiply an attacker's
// budget. Keys are keyed hashes under one key the store keeps for all instances. Admission and
// success never touch the store. If the store fails, the throttle goes on from memory.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ddns/auth/throttle_store.hpp"
#include "ddns/nsupdate/ip_address.hpp"
#include "ddns/nsupdate/secret.hpp"

namespace ddns::auth {

using SteadyClock = std::chrono::steady_clock;

// A lock that just began; reported so the operator can see attacks (never carries a secret).
struct LockEvent {
    enum class Scope { Address, Account, Network };  // Network: the address, for all names
    Scope scope = Scope::Address;
    IpAddress client;      // the address whose failure started the lock
    std::string username;  // as presented
    std::chrono::seconds duration{0};
};

struct FailureThrottleOptions {
    unsigned address_failures = 5;                  // 0: no address locks
    std::chrono::seconds address_initial{1};        // first address lock
    std::chrono::seconds address_max{900};          // longest address lock
    unsigned account_failures = 20;                 // 0: no account locks
    std::chrono::seconds account_lock{60};          // every account lock
    std::chrono::seconds window{900};               // quiet time that ends a streak
    unsigned network_failures = 50;                 // per address, all names; 0: no network locks
    std::chrono::seconds network_initial{1};        // first network lock
    std::chrono::seconds network_max{300};          // longest network lock
    std::chrono::seconds trusted_for{86400};        // exemption from account and network locks
    std::size_t max_entries = 100000;               // per table (addresses, accounts, networks)
    std::function<void(const LockEvent&)> on_lock;  // called outside the lock; may be empty
    ThrottleStore* shared = nullptr;                // state of all instances; null: this one only
    // Called (outside the lock) when the shared store fails after it last worked; may be empty.
    std::function<void(const std::string&)> on_shared_error;
};

namespace detail {

struct KeyedState;  // keyed_state.hpp

struct StreakPolicy {
    unsigned threshold = 0;  // 0: never locks
    std::chrono::seconds initial{0};
    std::chrono::seconds max{0};
};

struct Streak {
    unsigned failures = 0;  // since the streak began, or since its last lock
    unsigned locks = 0;     // locks so far; the next one lasts initial * 2^locks, at most max
    unsigned pending = 0;   // admitted checks that have not reported yet
    SteadyClock::time_point last_failure{};
    SteadyClock::time_point locked_until{};
};

struct AddressEntry {
    Streak streak;
    SteadyClock::time_point trusted_until{};
};

}  // namespace detail

class FailureThrottle {
public:
    FailureThrottle(FailureThrottleOptions options, std::function<SteadyClock::time_point()> clock);
    ~FailureThrottle();
    FailureThrottle(const FailureThrottle&) = delete;
    FailureThrottle& operator=(const FailureThrottle&) = delete;

    // The answer of admit(). When admitted, the caller checks the credential and reports the
    // result exactly once; a ticket destroyed without a report (the check threw, e.g. the
    // database is down) counts as nothing, so an outage never turns clients into suspects.
    class Ticket {
    public:
        Ticket(Ticket&& other) noexcept;
        Ticket& operator=(Ticket&&) = delete;
        Ticket(const Ticket&) = delete;
        Ticket& operator=(const Ticket&) = delete;
        ~Ticket();

        bool admitted() const noexcept { return owner_ != nullptr; }
        // When refused: how long until a new attempt can be admitted (at least 1 s).
        std::chrono::seconds retry_after() const noexcept { return retry_after_; }
        // The credential was wrong (or the name unknown).
        void failed();
        // The credential was right (even if the account turns out disabled or expired).
        void succeeded();

    private:
        friend class FailureThrottle;
        struct Keys {
            std::uint64_t address = 0;  // (address, name)
            std::uint64_t account = 0;  // name
            std::uint64_t network = 0;  // address, all names
            // A trusted address ignores the account and network streaks unless it fails: their
            // keys are then computed only when needed (FailureThrottle::complete_keys).
            bool complete = false;
        };
        Ticket(FailureThrottle* owner, Keys keys, bool reserved, const IpAddress& client,
               std::string_view username, std::chrono::seconds retry_after);
        FailureThrottle* owner_;  // null when refused or already reported
        Keys keys_;
        // Counted as in flight for the account and the network (the address was not trusted).
        bool reserved_;
        IpAddress client_;
        std::string username_;
        std::chrono::seconds retry_after_;
    };

    Ticket admit(const IpAddress& client, std::string_view username);

    // Applies the locks the shared store holds (other instances', or this one's before a
    // restart). Returns how many; 0 without a store or when it fails (reported, not thrown).
    std::size_t sync();

    // Entries held (for tests and metrics).
    std::size_t address_entries() const;
    std::size_t account_entries() const;
    std::size_t network_entries() const;

private:
    enum class Result { Failure, Success, Abandoned };
    using StreakTable = std::unordered_map<std::uint64_t, detail::Streak>;

    // Counts a failure in the shared store and applies the locks it reports.
    void share_failure(const Ticket& ticket, const Ticket::Keys& keys);
    Ticket::Keys complete_keys(const Ticket& ticket) const;
    // Makes the streak locked for at least `remaining`; reports a lock that begins.
    void apply_shared_lock(const SharedStreakKey& streak, std::chrono::milliseconds remaining,
                           SteadyClock::time_point now, const Ticket* ticket,
                           std::vector<LockEvent>& events);
    void shared_failed(const std::exception& e);

    void finish(const Ticket& ticket, Result result);
    std::uint64_t address_key(const IpAddress& client, std::string_view username) const;
    std::uint64_t account_key(std::string_view username) const;
    std::uint64_t network_key(const IpAddress& client) const;
    std::uint64_t keyed_hash(std::span<const unsigned char> prefix,
                             std::string_view username) const;
    // Inserts (or finds) the entry for `key`, making room first when the table is full.
    detail::AddressEntry& address_entry(std::uint64_t key, SteadyClock::time_point now);
    detail::Streak& account_entry(std::uint64_t key, SteadyClock::time_point now);
    detail::Streak& network_entry(std::uint64_t key, SteadyClock::time_point now);
    // Releases a reservation and counts the result in a shared streak (account or network).
    void finish_shared(std::unordered_map<std::uint64_t, detail::Streak>& table,
                       const detail::StreakPolicy& policy, std::uint64_t key, const Ticket& ticket,
                       Result result, LockEvent::Scope scope, SteadyClock::time_point now,
                       std::vector<LockEvent>& events);

    FailureThrottleOptions options_;
    detail::StreakPolicy address_policy_;
    detail::StreakPolicy account_policy_;
    detail::StreakPolicy network_policy_;
    std::function<SteadyClock::time_point()> clock_;
    Secret hash_key_;  // random per process: keys are keyed hashes, so collisions cannot be aimed
    // BLAKE2b's state after absorbing hash_key_: copied for each key instead of absorbing the
    // key block again (the same digests, in half the compressions).
    std::unique_ptr<const detail::KeyedState> keyed_;
    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, detail::AddressEntry> addresses_;
    std::unordered_map<std::uint64_t, detail::Streak> accounts_;
    std::unordered_map<std::uint64_t, detail::Streak> networks_;
    std::atomic<bool> shared_ok_{true};  // the store worked last time (errors reported once)
};

}  // namespace ddns::auth
