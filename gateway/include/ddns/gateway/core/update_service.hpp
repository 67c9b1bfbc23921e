// The core of every dialect: given hosts and what the caller wants for each address family,
// decide what changes, send TSIG-signed UPDATEs, and record the new state only after BIND
// acknowledged it. Nothing here knows HTTP or any dialect's words.
//
// Changes to one zone are group-committed: while an UPDATE to a zone is in flight, further
// changes queue; the next message carries all of them. The request whose batch goes out first
// sends it (no extra thread); every request waits for the message that carries its change and
// gets that message's result.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/auth/nochg_budget.hpp"
#include "ddns/auth/store.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/core/zone_batch.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::gateway {

// Set and Remove replace the family's whole RRset (every dialect's update). Join and Leave are
// for the A set only (a MyServer free account's round robin, auth::Host::extra_ipv4): Join adds
// the address unless it is there or the set holds auth::kMaxIpv4 already, Leave removes that
// one address if it is there.
enum class FamilyAction { Keep, Set, Remove, Join, Leave };

struct FamilyIntent {
    FamilyAction action = FamilyAction::Keep;
    std::optional<IpAddress> address;  // set for Set, Join and Leave

    static FamilyIntent keep() { return {}; }
    static FamilyIntent set(IpAddress a) { return {FamilyAction::Set, a}; }
    static FamilyIntent remove() { return {FamilyAction::Remove, std::nullopt}; }
    static FamilyIntent join(IpAddress a) { return {FamilyAction::Join, a}; }
    static FamilyIntent leave(IpAddress a) { return {FamilyAction::Leave, a}; }
};

struct HostIntent {
    const auth::Host* host = nullptr;  // owned by the caller's Principal
    FamilyIntent ipv4;
    FamilyIntent ipv6;
    // Take the host offline now with its zone's offline action (dyndns2 offline=YES); ipv4 and
    // ipv6 are then ignored. Any other intent brings an offline host back online.
    bool take_offline = false;
    // The IPv6 prefix the host's router sent (nullopt: keep the stored one).
    std::optional<IpNetwork> ipv6_prefix{};
    // The hosts derived from this one (derived_from() over the caller's Principal): their AAAA
    // follow its prefix in the same UPDATE message, and they go offline and come back with it.
    std::vector<const auth::Host*> derived{};
    // Mirror the addresses at *.<name> (true) or stop (false); nullopt: as stored. Only where
    // the zone allows it (Zone::wildcard_allowed); elsewhere the caller leaves it nullopt.
    std::optional<bool> wildcard{};
    // The heartbeat timeout of the calling protocol (DynamIP), recorded for the host when it
    // differs from Host::protocol_heartbeat.
    std::optional<std::chrono::seconds> protocol_heartbeat{};
};

enum class ApplyStatus {
    Changed,      // BIND acknowledged and the new state is recorded (or the host went offline)
    Unchanged,    // stored state already equal; nothing sent to BIND
    DnsFailed,    // BIND refused / timed out / TSIG failed: nothing changed anywhere
    StoreFailed,  // the database failed; nothing changed (a DNS change was rolled back)
    // BIND applied the change but the commit recording it has an unknown outcome: DNS is kept,
    // the host is marked in doubt for the reconciler; answered as a server error.
    InDoubt,
    Gone,     // the host was removed while the request was on its way
    Blocked,  // the operator blocked the host: nothing sent, nothing recorded
    // Over its no-change budget: nothing sent, nothing recorded, until retry_after passed.
    // Only ever the client's own doing; DNS failures never lead here.
    Abuse,
};

// A host derived from an intent's host (HostIntent::derived) whose state this call changed: BIND
// acknowledged it and it is recorded. Its state after the call.
struct DerivedApplied {
    const auth::Host* host = nullptr;  // one of HostIntent::derived
    std::optional<IpAddress> ipv6;
    bool offline = false;  // taken offline with its router
};

struct HostApplyResult {
    ApplyStatus status = ApplyStatus::DnsFailed;
    std::optional<IpAddress> ipv4;  // the host's state after the call
    std::optional<IpAddress> ipv6;
    UpdateStatus dns_status = UpdateStatus::Success;
    std::chrono::seconds retry_after{0};  // set when status is Abuse (at least 1 s)
    std::vector<IpAddress> extra_ipv4{};  // the round robin's further A records, when Changed
    // The derived hosts this call changed along with the host (each gets an update-log line of
    // its own); on the last intent for the host when several in one message name it.
    std::vector<DerivedApplied> derived{};
};

struct UpdateServiceOptions {
    // An unchanged update of a host without a heartbeat timeout refreshes last_seen only when
    // the stored value is older than this, so the no-change path normally costs a single
    // database round trip. Heartbeat hosts refresh it on every update.
    std::chrono::seconds seen_refresh{60};
    // A heartbeat host's unchanged update is only noted (written later in a batch, see
    // HostStore::note_seen_if_unchanged) while its loaded last_seen keeps it at least this far
    // from due; nearer, last_seen is written before the answer. Longer than a batch takes to be
    // written (sql::CacheOptions::seen_flush), so the sweeper never sees a host due whose update
    // was answered.
    std::chrono::seconds seen_note_margin{15};
    // Requests coalesced into one UPDATE message at most (keeps messages far below 64 KiB).
    std::size_t max_requests_per_message = 64;
    // UPDATE messages in flight per BIND server at most (BIND drops beyond 100).
    std::size_t max_in_flight_per_server = 32;
    // Messages of one zone BIND has not answered yet, at most (each its own transaction
    // holding the row locks of its hosts; dns.messages_per_zone). They take their locks one
    // after the other, in queue order, so a later message touching a host of an earlier one
    // waits for its commit; messages over disjoint hosts overlap their database round trips
    // with each other's BIND round trip. A message BIND has answered no longer counts: the next
    // one starts while it commits, and goes to BIND unless it shares a host with it (then it
    // waits until that one has committed, or compensated after a failed commit). One by
    // default: with one message at a time the queue gathers more changes per message, and each
    // message costs BIND, the database and the gateway a fixed amount that several small
    // messages pay several times (docs/design.md, "Several messages of one zone at once").
    std::size_t max_messages_per_zone = 1;
    // While the oldest message of a zone has been in flight this long (a lost datagram waiting
    // for its retry, a BIND slow to answer), the next message of the zone may start beside it,
    // up to max_messages_when_stalled at once: the zone's other changes do not wait a whole
    // dns.timeout_ms behind one message.
    std::chrono::milliseconds stall_after{100};
    std::size_t max_messages_when_stalled = 4;
    // The default no-change budget (abuse.nochg_interval / abuse.nochg_budget); a host may set
    // its own interval. While it is active for a host, every no-change update is counted, so
    // the last_seen refresh is no longer skipped for that host.
    auth::NochgPolicy nochg{};
};

class UpdateService {
public:
    UpdateService(UpdateSender& sender, auth::HostStore& store, const Logger& log,
                  UpdateServiceOptions options = {});
    ~UpdateService();

    // Results are in the order of `intents`. May throw auth::StoreError only before any DNS
    // traffic (from the last_seen refresh of an unchanged host). Every host of `intents` gets
    // its last_seen refreshed (heartbeat hosts always, others at most every seen_refresh).
    std::vector<HostApplyResult> apply(const std::vector<HostIntent>& intents, auth::TimePoint now);

    // Requests waiting for the next UPDATE message of a zone (for metrics and tests).
    std::size_t queued(std::int64_t zone_id);
    // Host updates refused for being over their no-change budget, since start (for metrics).
    std::uint64_t budget_refusals() const noexcept { return budget_refusals_.load(); }

private:
    struct Batch;
    struct ZoneQueue;
    class ServerSlots;

    ZoneQueue& queue_for(std::int64_t zone_id);
    // Unchanged (recorded), Abuse (over the budget; `retry_after` set), or Changed meaning "the
    // row moved on: take the locked path".
    ApplyStatus record_unchanged(const auth::Host& host, auth::TimePoint now,
                                 std::chrono::seconds& retry_after);
    bool refused(const auth::Host& host, auth::TimePoint now, HostApplyResult& r) const;
    // True when apply() would decide every intent from memory (the connection loop's check).
    bool answerable_in_memory(const std::vector<HostIntent>& intents, auth::TimePoint now) const;
    // How record_unchanged() refreshes a host's last_seen: not at all (fresh, no heartbeat), a
    // note the store may batch, or a statement now (a budget to count, a heartbeat near due).
    enum class SeenWrite { None, Note, Statement };
    SeenWrite seen_write(const auth::Host& host, auth::TimePoint now) const;
    void submit(ZoneQueue& queue, Batch& batch);
    // What process() reports to the zone's queue as a message moves on.
    struct MessageStages {
        std::function<void()> locked;  // its row locks are held (or could not be taken)
        // Waits until the message over these hosts (sorted) may go to BIND.
        std::function<void(const std::vector<std::int64_t>&)> before_send;
        std::function<void()> answered;  // BIND has answered; committing now
        std::function<void()> settled;   // committed, and compensated after a failed commit
    };
    void process(const std::vector<Batch*>& batches, const MessageStages& stages);
    static void record(auth::HostChange& change, const auth::StoredAddresses& from,
                       const auth::StoredAddresses& to, auth::TimePoint now);
    // Sends one message, holding a slot of the zone's server.
    UpdateResult send(const auth::Zone& zone, const UpdateRequest& request);

    UpdateSender& sender_;
    auth::HostStore& store_;
    const Logger& log_;
    UpdateServiceOptions options_;
    std::unique_ptr<ServerSlots> slots_;
    std::mutex queues_mutex_;
    std::map<std::int64_t, std::unique_ptr<ZoneQueue>> queues_;
    std::atomic<std::uint64_t> budget_refusals_{0};
};

}  // namespace ddns::gateway
