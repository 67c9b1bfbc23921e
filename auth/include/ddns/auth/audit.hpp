// The update log: what a dialect reports about one request (AuditNote), what the gateway adds
// to it (AuditRecord), and the storage seam that writes records in batches and prunes old ones.
// Host fault counters are derived from the same records, so the log and the counters agree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/nsupdate/ip_address.hpp"

namespace ddns::auth {

// Whose fault a refused request was. Server faults (BIND refused or unreachable, database down)
// are never the client's: a zone whose BIND is down must not make every router look abusive.
enum class FaultClass {
    None,    // accepted (or only the HTTP Basic challenge)
    Client,  // bad parameters, unknown host, refused address, rate limit
    Server,  // DNS or database failure
    Auth,    // wrong credentials, disabled or expired account
};
std::string_view to_string(FaultClass fault) noexcept;

// One result of a request: one per host line of the answer, or one for a request-level answer.
struct AuditHost {
    // Set when the request authenticated as the host's owner. Unset for an auth fault: the
    // writer then charges the host `name` of the account named by the presented username (or
    // the account's only host when `name` is empty), so a router with a stale password shows up
    // on its host; nothing else is charged to a host the request could not prove it owns.
    std::optional<std::int64_t> host_id;
    std::string name;     // as presented (normalised when it parsed); empty: none named
    std::string outcome;  // the dialect's word: "good", "nochg", "dnserr", "badauth", ...
    FaultClass fault = FaultClass::None;
    std::string detail;         // why, for a fault (never a secret); empty: AuditNote::detail
    bool ipv4_changed = false;  // BIND acknowledged a change of this family
    bool ipv6_changed = false;
};

struct AuditNote {
    std::string dialect;                     // "dyndns2", ...
    std::optional<std::int64_t> account_id;  // set once the request authenticated
    std::string username;                    // as presented; empty when none
    std::string detail;                      // why a request-level answer was given
    std::vector<AuditHost> hosts;            // at least one entry
};

// A note with what the listener knows: when, from where, with which client, over TLS or not.
struct AuditRecord {
    TimePoint time;  // of the last request it stands for
    IpAddress client;
    std::string user_agent;
    bool tls = false;
    AuditNote note;
    // Identical answers that changed nothing and were no fault, merged while they waited for
    // the writer (AuditLog): how many requests this record stands for, and the first one's time.
    std::uint32_t repeats = 1;
    TimePoint first_time{};  // meaningful when repeats > 1
};

// The key under which identical unchanged answers are merged into one record; empty when the
// record must stay a row of its own (a fault, a change, several hosts).
std::string repeat_key(const AuditRecord& record);

class AuditStore {
public:
    virtual ~AuditStore() = default;
    // Appends one update_log row per AuditHost of every record and updates the fault counters
    // and last-update columns of the hosts concerned, in one transaction. Throws StoreError.
    virtual void write(const std::vector<AuditRecord>& records) = 0;
    // Deletes at most `limit` rows logged before `cutoff`; returns how many. Safe to run from
    // several processes at once. Throws StoreError.
    virtual std::size_t prune(TimePoint cutoff, std::size_t limit) = 0;
};

}  // namespace ddns::auth
