// Shared in-memory fakes of the gateway's seams (the DNS transport and the stores), used by the
// unit tests instead of real named and PostgreSQL, and clocks the tests move by hand. Each fake
// records what it was asked, can be scripted to answer otherwise and can be made to fail, as the
// tests need; public members are the knobs and the observations.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "ddns/auth/failure_throttle.hpp"
#include "ddns/auth/model.hpp"
#include "ddns/auth/password.hpp"
#include "ddns/auth/record_store.hpp"
#include "ddns/auth/store.hpp"
#include "ddns/auth/throttle_store.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::fakes {

// Records every UPDATE it is handed and answers from `scripted` (one status per message, in
// order), then `status`. With `gate` set, each message waits "in flight" (in_flight = true, cv
// notified) until the test clears `gate` under `mutex` and notifies `cv`.
class FakeSender final : public UpdateSender {
public:
    UpdateResult send(const UpdateRequest& request, const TsigKey& key,
                      const ServerEndpoint& server) override;

    std::mutex mutex;
    std::condition_variable cv;
    bool gate = false;
    bool in_flight = false;
    std::vector<UpdateRequest> sent;
    std::vector<std::string> keys_used;        // parallel to sent: the TSIG key's name
    std::vector<ServerEndpoint> servers_used;  // parallel to sent
    std::vector<UpdateStatus> scripted;
    UpdateStatus status = UpdateStatus::Success;
};

// Stored addresses per host; a change buffers its writes until commit, as in a transaction.
// The no-change statements behave like the conditional UPDATE (online, not in doubt, same
// addresses) and count no-change windows per host. Thread-safe: the group-commit tests call it
// from several threads.
class FakeHostStore final : public auth::HostStore {
public:
    std::unique_ptr<auth::HostChange> begin_change(const std::vector<std::int64_t>& ids) override;
    bool record_seen_if_unchanged(const auth::StoredAddresses& expected, auth::TimePoint) override;
    std::optional<auth::NochgWindow> count_seen_if_unchanged(
        const auth::StoredAddresses& expected, auth::TimePoint now,
        std::chrono::seconds interval) override;
    void mark_in_doubt(const std::vector<std::int64_t>& ids, auth::TimePoint) override;
    // Claims its notes stay in memory (CachedStore's) when set; they are still written at once.
    bool notes_in_memory() const override { return notes_claimed_in_memory; }
    void set_protocol_heartbeat(std::int64_t id, std::chrono::seconds timeout) override {
        std::lock_guard lock(mutex);
        protocol_heartbeats[id] = timeout;
    }

    std::mutex mutex;
    std::map<std::int64_t, auth::StoredAddresses> rows;
    std::map<std::int64_t, auth::OfflineReason> reasons;  // of the last record_offline
    std::map<std::int64_t, auth::NochgWindow> windows;    // no-change windows with a budget
    std::map<std::int64_t, int> seen;                     // last_seen refreshes committed
    std::map<std::int64_t, int> seen_attempts;            // no-change statements tried
    int changes_begun = 0;
    int commits = 0;
    int marks = 0;                                                     // mark_in_doubt calls
    std::map<std::int64_t, std::chrono::seconds> protocol_heartbeats;  // set_protocol_heartbeat
    bool fail_begin = false;
    bool fail_commit = false;
    bool commit_unknown = false;  // commit applies, then throws CommitUnknown
    // While set, a commit waits (counted in commits_waiting) until it is cleared (and
    // commit_gate_opened notified), then commits or fails as the flags above say by then.
    bool commit_gate = false;
    int commits_waiting = 0;
    std::condition_variable commit_gate_opened;
    bool notes_claimed_in_memory = false;
    // With row_locks, a change holds its rows from begin_change until it is destroyed, and a
    // change over a held row waits for it (as SELECT ... FOR UPDATE); lock_waits counts the
    // changes waiting right now.
    bool row_locks = false;
    std::set<std::int64_t> held;
    int lock_waits = 0;
    std::condition_variable locks_released;
};

// Records per zone by id; a change works on a copy of its zone (it sees its own writes) and
// writes it back at commit, which can be made to fail or to end with an unknown outcome.
class FakeRecordStore final : public auth::RecordStore {
public:
    using Rows = std::map<std::int64_t, ResourceRecord>;

    std::unique_ptr<auth::RecordChange> begin_record_change(std::int64_t zone_id) override;
    std::vector<auth::StoredRecord> list_records(std::int64_t zone_id) override;
    void mark_rrset_in_doubt(std::int64_t zone_id, const DnsName& name, RecordType type) override;
    std::vector<auth::RRsetInDoubt> rrsets_in_doubt(std::int64_t zone_id) override;

    // Seeds a stored record (no change, no commit); returns its id.
    std::int64_t add(std::int64_t zone_id, ResourceRecord record);
    // The records stored in a zone, in id order.
    std::vector<ResourceRecord> stored(std::int64_t zone_id) const;

    std::map<std::int64_t, Rows> zones;
    std::set<DnsName> hosts;  // owner names that are hosts (host_named)
    std::vector<std::int64_t> locked_zones;
    std::int64_t next_id = 1;
    bool fail_begin = false;
    bool fail_commit = false;
    bool commit_unknown = false;  // commit applies, then throws CommitUnknown
    bool fail_list = false;
    using RRset = std::tuple<std::int64_t, DnsName, RecordType>;
    std::set<RRset> in_doubt;
};

// Accounts by username, each returned as a principal with its hosts and owned zones; a token is
// returned with it only for its digest. Counts lookups and can be made to fail (a database
// outage). Like libpq, which passes parameters as C strings, it sees a username only up to a NUL.
class FakeAccountStore final : public auth::AccountStore {
public:
    void add(auth::Account account,
             std::optional<std::pair<std::string, auth::TokenMatch>> token = {});
    // A principal as given (hosts and owned zones included); its token field is ignored.
    void add(auth::Principal principal);
    auth::Account& account(const std::string& username);
    // A host of `username`'s account, returned with its principal and found by name.
    void add_host(const std::string& username, auth::Host host);
    void remove_hosts(const std::string& username);
    void remove_host(const std::string& username, std::int64_t host_id);
    // The host as later lookups return it (false: no such host of that account).
    bool change_host(const std::string& username, std::int64_t host_id,
                     const std::function<void(auth::Host&)>& change);
    void remove_token(const std::string& username, std::int64_t token_id);
    void remove(const std::string& username);  // the account with its hosts and tokens
    // A token of `username`'s account, returned with the principal for `digest` only.
    void add_token(const std::string& username, std::string digest, auth::TokenMatch match);

    std::optional<auth::Principal> load_principal(std::string_view username,
                                                  std::string_view token_digest) override;
    std::optional<std::string> find_host_owner(const DnsName& name) override;
    // Updates the token's last use as returned by later lookups, and remembers the call.
    void record_token_use(std::int64_t token_id, const std::optional<IpAddress>& client,
                          auth::TimePoint now) override;

    int calls = 0;  // load_principal calls
    struct TokenUse {
        std::int64_t token_id;
        std::optional<IpAddress> client;
        auth::TimePoint at;
    };
    std::vector<TokenUse> token_uses;
    int host_lookups = 0;
    std::string last_digest;
    // When set, find_host_owner answers this username instead of the real owner (a host that
    // changed hands between the two lookups).
    std::optional<std::string> owner_override;
    bool fail = false;  // every lookup throws StoreError

private:
    struct Entry {
        auth::Principal principal;
        std::map<std::string, auth::TokenMatch> tokens;  // by digest
    };
    std::map<std::string, Entry> entries_;
};

// libsodium's argon2id minimum: keeps each hash/verify well under a millisecond.
inline auth::Argon2Params fast_params() {
    return auth::Argon2Params{1, 8 * 1024};
}

// A password hasher with cheap parameters that counts its verifications.
class CountingHasher final : public auth::PasswordHasher {
public:
    CountingHasher() : PasswordHasher(fast_params()) {}
    bool verify(std::string_view encoded_hash, const Secret& password) const override {
        ++verifications;
        return PasswordHasher::verify(encoded_hash, password);
    }
    mutable std::atomic<int> verifications{0};
};

struct FakeClock {
    auth::TimePoint now = auth::TimePoint{} + std::chrono::hours(24 * 365 * 50);
    auto function() {
        return [this] { return now; };
    }
};

// The throttle measures durations on a steady clock; this one starts well after its epoch, like
// a machine that has been up for a while.
struct FakeSteadyClock {
    std::chrono::steady_clock::time_point now =
        std::chrono::steady_clock::time_point{} + std::chrono::hours(24 * 100);
    auto function() {
        return [this] { return now; };
    }
};

// The streak policy of the migration's throttle_failure(), in memory, on a clock the test moves.
// `down` makes recording and listing throw (a database outage).
class FakeThrottleStore final : public auth::ThrottleStore {
public:
    explicit FakeThrottleStore(FakeSteadyClock& clock) : clock_(clock) {}

    Secret hash_key(const Secret& proposal) override {
        ++calls;
        if (key_.empty()) key_ = proposal.clone();
        return key_.clone();
    }
    std::vector<std::chrono::milliseconds> record_failures(
        std::span<const auth::SharedFailure> failures) override {
        ++calls;
        if (down) throw std::runtime_error("database down");
        std::vector<std::chrono::milliseconds> out;
        for (const auto& f : failures) {
            Row& r = rows_[{f.streak.scope, f.streak.key}];
            const auto now = clock_.now;
            if (now >= r.forget_at) r = Row{};
            ++r.failures;
            if (r.failures >= (r.locks == 0 ? f.threshold : 1U)) {
                std::chrono::seconds d = f.initial;
                for (unsigned i = 0; i < r.locks && d < f.max; ++i) d *= 2;
                r.locked_until = std::max(r.locked_until, now + std::min(d, f.max));
                ++r.locks;
                r.failures = 0;
            }
            r.forget_at = std::max(now, r.locked_until) + f.window;
            out.push_back(remaining(r));
        }
        return out;
    }
    std::vector<auth::SharedLock> active_locks() override {
        ++calls;
        if (down) throw std::runtime_error("database down");
        std::vector<auth::SharedLock> out;
        for (const auto& [k, r] : rows_)
            if (remaining(r) > std::chrono::milliseconds(0))
                out.push_back({{k.first, k.second}, remaining(r)});
        return out;
    }
    std::size_t prune() override { return 0; }

    int calls = 0;
    bool down = false;

private:
    struct Row {
        unsigned failures = 0;
        unsigned locks = 0;
        auth::SteadyClock::time_point locked_until{};
        auth::SteadyClock::time_point forget_at{};
    };
    std::chrono::milliseconds remaining(const Row& r) const {
        return std::max(
            std::chrono::milliseconds(0),
            std::chrono::duration_cast<std::chrono::milliseconds>(r.locked_until - clock_.now));
    }
    FakeSteadyClock& clock_;
    Secret key_;
    std::map<std::pair<char, std::uint64_t>, Row> rows_;
};

}  // namespace ddns::fakes
