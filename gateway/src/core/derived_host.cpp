#include "ddns/gateway/core/derived_host.hpp"

#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/core/ipv6_prefix.hpp"

namespace ddns::gateway {

std::optional<IpAddress> derived_aaaa_now(const auth::Host& router, const auth::Derivation& d) {
    if (router.offline) return std::nullopt;
    const auto source = prefix_source(router.ipv6_prefix, without_sentinel(router.ipv6));
    if (!source) return std::nullopt;
    return derived_address(*source, d.interface_id, d.prefix_length);
}

ApplyStatus write_derived_aaaa(UpdateService& updates, const auth::Host& self,
                               const auth::Host& router, const auth::Derivation& d,
                               auth::TimePoint now) {
    const auto aaaa = derived_aaaa_now(router, d);
    if (!aaaa) return ApplyStatus::Unchanged;
    const auto results =
        updates.apply({HostIntent{&self, FamilyIntent::keep(), FamilyIntent::set(*aaaa)}}, now);
    return results.at(0).status;
}

}  // namespace ddns::gateway
