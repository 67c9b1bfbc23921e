#include "ddns/gateway/core/host_lifecycle.hpp"

#include <charconv>

#include "ddns/auth/lifecycle.hpp"
#include "ddns/gateway/base/duration.hpp"

namespace ddns::gateway {
namespace {

// Removes one family of a host that is going offline; `held` is what BIND should still hold (one
// address, or the A set of a round robin).
void take_family_offline(UpdateRequest& request, const DnsName& owner, std::uint32_t ttl,
                         const std::vector<IpAddress>& held, auth::OfflineAction action) {
    const IpAddress& address = held.front();
    const RecordType type = address_record_type(address.family());
    // Value-dependent "RRset exists" (RFC 2136 §2.4.2, §3.2.5): the RRset is exactly these.
    for (const IpAddress& a : held)
        request.prerequisites.emplace_back(
            RRsetExistsValue{ResourceRecord::address(owner, ttl, a)});
    request.operations.emplace_back(DeleteRRset{owner, type});
    if (action == auth::OfflineAction::Sentinel)
        request.operations.emplace_back(
            AddRecord{ResourceRecord::address(owner, ttl, sentinel_address(address.family()))});
}

}  // namespace

IpAddress sentinel_address(IpFamily family) {
    return family == IpFamily::V4 ? IpAddress::v4({}) : IpAddress::v6({});
}

bool is_sentinel(const std::optional<IpAddress>& address) {
    return address && address->is_unspecified();
}

auth::StoredAddresses offline_addresses(const auth::StoredAddresses& current,
                                        auth::OfflineAction action) {
    if (current.offline) return current;
    auth::StoredAddresses out = current;
    out.offline = true;
    out.extra_ipv4.clear();  // the round robin goes with the A set
    auto apply = [action](std::optional<IpAddress>& slot) {
        if (!slot) return;
        if (action == auth::OfflineAction::Delete)
            slot.reset();
        else
            slot = sentinel_address(slot->family());
    };
    apply(out.ipv4);
    apply(out.ipv6);
    return out;
}

std::optional<IpAddress> without_sentinel(const std::optional<IpAddress>& address) {
    if (is_sentinel(address)) return std::nullopt;
    return address;
}

std::vector<IpAddress> a_set(const auth::Host& host) {
    std::vector<IpAddress> out;
    if (!host.ipv4) return out;
    out.push_back(*host.ipv4);
    out.insert(out.end(), host.extra_ipv4.begin(), host.extra_ipv4.end());
    return out;
}

std::vector<DnsName> address_owners(const auth::Host& host) {
    std::vector<DnsName> names{host.name};
    if (host.wildcard)
        if (auto star = host.name.prepend("*")) names.push_back(*std::move(star));
    return names;
}

UpdateRequest offline_update(const auth::Zone& zone, const std::vector<const auth::Host*>& hosts) {
    UpdateRequest request{zone.name, {}, {}};
    for (const auth::Host* h : hosts) {
        const auth::OfflineAction action =
            auth::effective_offline_action(h->offline_action, zone.offline_action);
        for (const DnsName& owner : address_owners(*h)) {
            if (h->ipv4) take_family_offline(request, owner, h->ttl, a_set(*h), action);
            if (h->ipv6) take_family_offline(request, owner, h->ttl, {*h->ipv6}, action);
        }
    }
    return request;
}

std::optional<std::chrono::seconds> parse_heartbeat(std::string_view text) {
    const auto d = parse_duration(text);
    if (!d || d->count() < 1 || *d > std::chrono::days(365)) return std::nullopt;
    return d;
}

}  // namespace ddns::gateway
