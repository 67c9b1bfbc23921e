// The rule "may this name become a host", used by `admin host add`.
#include "ddns/gateway/core/host_name_rule.hpp"

namespace ddns::gateway {

UpdateRequest name_unused_probe(const DnsName& zone, const DnsName& name) {
    return UpdateRequest{zone, {NameAbsent{name}}, {}};
}

bool host_name_needs_probe(const DnsName& zone, const DnsName& name, bool allow_existing) {
    return !allow_existing && !(name == zone);
}

HostNameVerdict host_name_verdict(const DnsName& zone, const DnsName& name,
                                  const std::optional<UpdateResult>& probe, bool allow_existing) {
    if (name == zone) return HostNameVerdict::ZoneApex;
    if (allow_existing) return HostNameVerdict::Allowed;
    if (!probe) return HostNameVerdict::Unverified;
    if (probe->status == UpdateStatus::YxDomain) return HostNameVerdict::InUse;
    return probe->ok() ? HostNameVerdict::Allowed : HostNameVerdict::Unverified;
}

}  // namespace ddns::gateway
