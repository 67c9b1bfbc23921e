// Storage seams used by the core. The PostgreSQL implementation lives in sql/; tests use fakes.
// Backend failures (database down, unexpected SQL error) throw StoreError; the one per-request
// catch site turns it into the dialect's server-error answer.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/model.hpp"

namespace ddns::auth {

class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The connection was lost while COMMIT was on its way: the transaction may or may not have been
// committed. Not a failure a caller may compensate for (see docs/design.md, "In doubt").
class CommitUnknown : public StoreError {
public:
    using StoreError::StoreError;
};

class AccountStore {
public:
    virtual ~AccountStore() = default;
    // One round trip: the account named `username` (case-insensitive), its hosts with their
    // zones, and the token of that account whose SHA-256 hex digest is `token_digest`, if any.
    virtual std::optional<Principal> load_principal(std::string_view username,
                                                    std::string_view token_digest) = 0;
    // The username of the account that owns the host `name`, if any (one round trip). Lets
    // dialects that name a host instead of an account (DynamIP's SiteID) find the principal.
    virtual std::optional<std::string> find_host_owner(const DnsName& name) = 0;
    // Records that the token was used at `now` from `client` (unknown: the address is kept).
    // Called by the authenticator only for a usable token, and only when
    // TokenMatch::use_worth_recording says so.
    virtual void record_token_use(std::int64_t token_id, const std::optional<IpAddress>& client,
                                  TimePoint now) = 0;
};

// What shapes a host's UPDATE besides its addresses: its TTL, its own offline action, what it
// derives its AAAA from, and its zone (name, server, TSIG key, offline action), read with its
// row lock. The change path writes these, never what a cached principal remembers of them: a
// copy up to cache.max_lag_ms old would otherwise put an old TTL or offline action into BIND
// for as long as the host does not change again (docs/design.md, "Database work per message and
// the principal cache").
struct HostSettings {
    std::uint32_t ttl = 60;
    std::optional<OfflineAction> offline_action{};
    std::optional<std::int64_t> derive_from{};
    std::optional<IpAddress> interface_id{};
    unsigned prefix_length = 0;
    std::shared_ptr<const Zone> zone;  // never null

    // Whether `host` (a loaded or cached copy) already has these settings.
    bool same_as(const Host& host) const;
    // Gives `host` these settings.
    void apply_to(Host& host) const;
};

// The stored addresses of one host, read while its row is locked.
struct StoredAddresses {
    std::int64_t host_id = 0;
    std::optional<IpAddress> ipv4;
    std::optional<IpAddress> ipv6;
    bool offline = false;  // taken offline; the addresses may be the sentinel 0.0.0.0 / ::
    // Marked in doubt (hosts.dns_in_doubt_since): BIND may hold something else than this state.
    // Only read under the row lock; never part of a comparison of states.
    bool in_doubt = false;
    // The A records beyond ipv4 (Host::extra_ipv4), in order; part of the state.
    std::vector<IpAddress> extra_ipv4{};
    // The last prefix the host's router sent (Host::ipv6_prefix); part of the state: the AAAA
    // of the hosts derived from it follow it.
    std::optional<IpNetwork> ipv6_prefix{};
    // The addresses are mirrored at *.<name> (Host::wildcard): the same A and AAAA there.
    bool wildcard = false;
    // The host's settings as read under the row lock (HostChange::locked()); nullopt from a
    // store that does not read them (the test fakes: the loaded host's settings apply). Never
    // part of a comparison of states.
    std::optional<HostSettings> settings{};
};

// A change in progress: the rows of some hosts are locked (other requests and other gateway
// instances changing them wait), and their stored addresses were read under the lock. The DNS
// UPDATE is sent while the lock is held, so the order in which the database records changes is
// the order in which BIND applied them. Destroyed without commit(): rolled back.
class HostChange {
public:
    virtual ~HostChange() = default;
    // One entry per locked host, in ascending host id order.
    virtual const std::vector<StoredAddresses>& locked() const = 0;
    // Records the state BIND acknowledged (call only after a NOERROR, TSIG-verified reply).
    // `ipv4`/`ipv6` are the complete new state of the host (nullopt = no record of that family).
    // Refreshes last_seen and brings an offline host back online.
    virtual void record_applied(std::int64_t host_id, const std::optional<IpAddress>& ipv4,
                                const std::optional<IpAddress>& ipv6, TimePoint now) = 0;
    // Records a host taken offline: BIND acknowledged that it now holds `ipv4`/`ipv6` (nullopt
    // or the sentinel), or nothing had to change in DNS. last_seen is left alone.
    virtual void record_offline(std::int64_t host_id, const std::optional<IpAddress>& ipv4,
                                const std::optional<IpAddress>& ipv6, OfflineReason reason,
                                TimePoint now) = 0;
    // Sets the A records beyond ipv4 of a host whose record_applied() was called in this change
    // (record_applied() alone leaves none: every update but a round-robin Add replaces the set).
    virtual void record_extra_ipv4(std::int64_t host_id, const std::vector<IpAddress>& extra) = 0;
    // Sets the IPv6 prefix (Host::ipv6_prefix) of a locked host; not a DNS record, but the
    // source of its derived hosts' AAAA, recorded with the change that carried them.
    virtual void record_prefix(std::int64_t host_id, const std::optional<IpNetwork>& prefix) = 0;
    // Sets whether BIND now mirrors the host's addresses at *.<name> (Host::wildcard).
    virtual void record_wildcard(std::int64_t host_id, bool mirrored) = 0;
    // Refreshes last_seen of a locked host whose addresses did not change.
    virtual void record_seen(std::int64_t host_id, TimePoint now) = 0;
    virtual void commit() = 0;
    // The database's id of this change's transaction, when the store has one (PostgreSQL's
    // txid, which its notifications carry: an instance's principal cache tells its own changes
    // apart by it); nullopt otherwise.
    virtual std::optional<std::int64_t> transaction_id() const { return std::nullopt; }
};

class HostStore {
public:
    virtual ~HostStore() = default;
    // Locks the rows of `host_ids` (in id order, so concurrent changes cannot deadlock) and reads
    // their stored addresses. Hosts that no longer exist are missing from locked().
    virtual std::unique_ptr<HostChange> begin_change(const std::vector<std::int64_t>& host_ids) = 0;
    // The no-change path: refreshes last_seen of a host whose stored addresses still equal
    // `expected` and which is online, in one statement. False when the host changed, went
    // offline or was removed since `expected` was read; the caller then takes the locked path.
    // A change or a sweep holding the row makes it wait and then see their result.
    virtual bool record_seen_if_unchanged(const StoredAddresses& expected, TimePoint now) = 0;
    // The same statement, counting the update in the host's no-change window of `interval`
    // (zero: no budget, the window is cleared): a window older than `interval` starts anew at
    // `now` with a count of one, else its count grows by one. Returns the window after counting;
    // nullopt where record_seen_if_unchanged returns false.
    virtual std::optional<NochgWindow> count_seen_if_unchanged(const StoredAddresses& expected,
                                                               TimePoint now,
                                                               std::chrono::seconds interval) = 0;
    // The no-change path without waiting: notes that a host whose stored state was `expected`
    // was seen at `now`. A store may write it later, with the notes of other hosts in one
    // statement, under the condition of record_seen_if_unchanged (a host that changed meanwhile
    // keeps the last_seen its change wrote), and then returns true. False only when it is known
    // now that the row moved on (the caller takes the locked path). This one writes at once.
    virtual bool note_seen_if_unchanged(const StoredAddresses& expected, TimePoint now) {
        return record_seen_if_unchanged(expected, now);
    }
    // True when note_seen_if_unchanged() only notes in memory (never waits): the connection
    // loop may then answer such a no-change update itself (auth/would_block.hpp).
    virtual bool notes_in_memory() const { return false; }
    // Marks hosts in doubt (the commit recording their DNS change has an unknown outcome), in a
    // short transaction of its own. Call only after the HostChange that failed was destroyed:
    // it takes a connection of its own. A host in doubt never takes the no-change path (both
    // methods above return false for it), and record_applied() clears the mark.
    virtual void mark_in_doubt(const std::vector<std::int64_t>& host_ids, TimePoint now) = 0;
    // Records the heartbeat timeout of the protocol that updates the host
    // (Host::protocol_heartbeat), in a statement of its own.
    virtual void set_protocol_heartbeat(std::int64_t host_id, std::chrono::seconds timeout) = 0;
};

}  // namespace ddns::auth
