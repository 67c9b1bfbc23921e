// Pure rules of taking hosts offline and bringing them back, shared by the update service
// (dyndns2 offline=YES, a host's next update) and the offline sweeper; and the durations the
// admin command line accepts for heartbeat timeouts.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/auth/store.hpp"
#include "ddns/nsupdate/update_message.hpp"

namespace ddns::gateway {

// The sentinel of a family: 0.0.0.0 or ::. Never a client's address: dyndns2 reads it as
// "delete this family", and the address policy refuses it.
IpAddress sentinel_address(IpFamily family);
bool is_sentinel(const std::optional<IpAddress>& address);

// The host's whole A set: ipv4, then the round robin's extra_ipv4 (empty without ipv4).
std::vector<IpAddress> a_set(const auth::Host& host);

// What BIND holds for a host once it is offline: nothing (Delete), or the sentinel for each
// family the host had (Sentinel). A host already offline keeps what it has.
auth::StoredAddresses offline_addresses(const auth::StoredAddresses& current,
                                        auth::OfflineAction action);

// A host coming back online loses any family still at the sentinel: an online name must not
// point at 0.0.0.0 / ::.
std::optional<IpAddress> without_sentinel(const std::optional<IpAddress>& address);

// The sweeper's UPDATE for hosts of `zone` going offline. For every family a host has, a
// prerequisite that BIND still holds exactly that address (the whole A set of a round robin) (so a
// record changed behind the gateway's back is left alone: the message fails with NXRRSET), then the
// RRset's deletion and, with the Sentinel action (the host's own, else the zone's), the sentinel's
// addition. Hosts without addresses contribute nothing.
UpdateRequest offline_update(const auth::Zone& zone, const std::vector<const auth::Host*>& hosts);

// The names that carry a host's addresses in BIND: its own name, and its mirror *.<name> while
// it mirrors (dyndns2 wildcard=ON). Taking offline and the sweeper's restore both write them.
std::vector<DnsName> address_owners(const auth::Host& host);

// A heartbeat timeout as parse_duration() reads it ("90s", "20m", "2h", "1d" or plain
// seconds), at least one second and at most 365 days.
std::optional<std::chrono::seconds> parse_heartbeat(std::string_view text);

}  // namespace ddns::gateway
