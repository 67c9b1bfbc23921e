// The writes of one batched host change (auth::HostChange, the sweeper's batch), gathered and
// sent as one statement: every host of an UPDATE message is recorded by one round trip, whatever
// their number, instead of one statement per host. Private to sql/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "connection.hpp"
#include "ddns/auth/lifecycle.hpp"
#include "ddns/auth/model.hpp"

namespace ddns::sql {

class HostWrites {
public:
    // The same rules as auth::HostChange's methods of the same names (see store.hpp).
    void applied(std::int64_t host_id, const std::optional<IpAddress>& ipv4,
                 const std::optional<IpAddress>& ipv6, auth::TimePoint now);
    void offline(std::int64_t host_id, const std::optional<IpAddress>& ipv4,
                 const std::optional<IpAddress>& ipv6, auth::OfflineReason reason,
                 auth::TimePoint now);
    void extra_ipv4(std::int64_t host_id, const std::vector<IpAddress>& extra);
    void seen(std::int64_t host_id, auth::TimePoint now);

    bool empty() const noexcept { return rows_.empty(); }
    // Writes everything gathered in one statement (nothing when empty) and forgets it. Throws
    // auth::StoreError.
    void flush(Connection& conn);
    // The same statement and `tx`'s COMMIT in one round trip (just the COMMIT when empty).
    // Throws as Transaction::commit_after.
    void flush_and_commit(Transaction& tx);

private:
    // The statement writing everything gathered (which it forgets); nullopt when empty.
    std::optional<Statement> take();

    enum class Kind : char { Seen = 's', Applied = 'a', Offline = 'o' };
    struct Row {
        Kind kind = Kind::Seen;
        std::optional<IpAddress> ipv4;
        std::optional<IpAddress> ipv6;
        std::optional<std::vector<IpAddress>> extra;  // nullopt: none after Applied/Offline
        std::optional<auth::OfflineReason> reason;
        std::optional<auth::TimePoint> changed_at;  // Applied and Offline
        std::optional<auth::TimePoint> seen_at;     // last_seen written (clears the doubt mark)
    };
    Row& row(std::int64_t host_id) { return rows_[host_id]; }

    std::map<std::int64_t, Row> rows_;  // by host id
};

}  // namespace ddns::sql
