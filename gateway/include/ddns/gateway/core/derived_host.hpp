// Making a host derived (protocols.md §9, docs/design.md "IPv6 prefixes and derived hosts"):
// the one write path of `admin host derive`, the JSON API and the pages. BIND comes first: the
// AAAA the derivation gives is written through the update service (BIND, then the stored
// address) before the caller records the derivation itself.
#pragma once

#include <optional>

#include "ddns/auth/model.hpp"
#include "ddns/auth/self_service_store.hpp"  // Derivation
#include "ddns/gateway/core/update_service.hpp"

namespace ddns::gateway {

// The AAAA the router host's state gives `d` now; nullopt when the router has neither a prefix
// nor an IPv6 address, or is offline (its next update brings the derived host along).
std::optional<IpAddress> derived_aaaa_now(const auth::Host& router, const auth::Derivation& d);

// Writes that AAAA for `self` (its A set is its own and stays). Unchanged when there is nothing
// to write yet, or BIND and the database hold it already; any other status but Changed means
// the caller must not record the derivation.
ApplyStatus write_derived_aaaa(UpdateService& updates, const auth::Host& self,
                               const auth::Host& router, const auth::Derivation& d,
                               auth::TimePoint now);

}  // namespace ddns::gateway
