// Which zone, host, type and data a MyServer request is about.
#include <algorithm>

#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/dialects/myserver_dialect.hpp"
#include "myserver_detail.hpp"

namespace ddns::gateway::myserver {

bool is_full_name(std::string_view host) {
    return host.find('.') != std::string_view::npos;
}

Expected<const auth::Zone*, MyServerCode> pick_zone(const auth::Principal& principal,
                                                    std::string_view domain,
                                                    std::string_view host) {
    const auto& zones = principal.owned_zones;
    if (!domain.empty()) {
        const auto name = DnsName::parse(domain);
        if (!name) return Unexpected{MyServerCode::InvalidDomain};
        for (const auto& z : zones)
            if (z->name == *name) return z.get();
        return Unexpected{MyServerCode::PermissionDenied};
    }
    if (is_full_name(host)) {
        const auto name = DnsName::parse(host);
        if (!name) return Unexpected{MyServerCode::InvalidHost};
        const auth::Zone* best = nullptr;  // the closest enclosing zone wins
        for (const auto& z : zones)
            if (name->is_at_or_below(z->name) &&
                (!best || z->name.label_count() > best->name.label_count()))
                best = z.get();
        if (!best) return Unexpected{MyServerCode::PermissionDenied};
        return best;
    }
    if (zones.empty()) return Unexpected{MyServerCode::PermissionDenied};
    if (zones.size() > 1) return Unexpected{MyServerCode::InvalidDomain};
    return zones.front().get();
}

Expected<const auth::Host*, MyServerCode> pick_host(const auth::Principal& principal,
                                                    std::string_view host,
                                                    std::string_view domain) {
    std::vector<const auth::Host*> candidates = principal.updatable_hosts();
    if (!domain.empty()) {
        const auto name = DnsName::parse(domain);
        if (!name) return Unexpected{MyServerCode::InvalidDomain};
        std::erase_if(candidates, [&](const auth::Host* h) { return h->zone->name != *name; });
        if (candidates.empty()) return Unexpected{MyServerCode::PermissionDenied};
    }
    if (host.empty()) {
        if (candidates.size() == 1) return candidates.front();
        if (candidates.empty()) return Unexpected{MyServerCode::PermissionDenied};
        return Unexpected{MyServerCode::InvalidHost};
    }
    std::vector<const auth::Host*> matches;
    for (const auth::Host* h : candidates) {
        const auto owner = resolve_myserver_owner(host, h->zone->name);
        if (!owner && owner.error() == MyServerCode::InvalidHost) return Unexpected{owner.error()};
        if (owner && *owner == h->name) matches.push_back(h);
    }
    if (matches.empty()) return Unexpected{MyServerCode::PermissionDenied};
    // The same label in two shared zones: Domain must say which.
    if (matches.size() > 1) return Unexpected{MyServerCode::InvalidDomain};
    return matches.front();
}

std::optional<IpAddress> parse_ipv4(std::string_view text) {
    auto address = IpAddress::parse(text);
    if (!address || !address->is_v4()) return std::nullopt;
    return address;
}

Expected<Rdata, MyServerCode> parse_rdata(const MyServerType& type, std::string_view value) {
    if (type.type == RecordType::A) {
        const auto address = parse_ipv4(value);
        if (!address) return Unexpected{MyServerCode::InvalidIpAddress};
        return Rdata{*address};
    }
    const auto name = DnsName::parse(value);
    if (!name) return Unexpected{MyServerCode::InvalidData};
    if (type.type == RecordType::MX) return Rdata{MxData{type.mx_preference.value_or(0), *name}};
    return Rdata{*name};
}

std::optional<MyServerType> requested_type(const MyServerParams& params, auth::Plan plan) {
    const auto type = params.type.empty() ? std::optional(MyServerType{RecordType::A, {}})
                                          : parse_myserver_type(params.type);
    if (!type) return std::nullopt;
    const auto allowed = myserver_allowed_types(plan);
    if (std::find(allowed.begin(), allowed.end(), *type) == allowed.end()) return std::nullopt;
    return type;
}

void list_host_addresses(const auth::Host& host, const std::optional<DnsName>& zone,
                         std::vector<MyServerListedRecord>& out) {
    std::vector<IpAddress> all = a_set(host);  // a round robin lists every A record
    if (host.ipv6) all.push_back(*host.ipv6);
    for (const auto& address : all)
        out.push_back({ResourceRecord::address(host.name, host.ttl, address), zone});
}

// Sorts records[from..] by owner name, keeping the store's type/data order within a name.
void sort_by_owner(std::vector<MyServerListedRecord>& records, std::size_t from) {
    std::stable_sort(records.begin() + static_cast<std::ptrdiff_t>(from), records.end(),
                     [](const MyServerListedRecord& a, const MyServerListedRecord& b) {
                         return a.record.owner() < b.record.owner();
                     });
}

}  // namespace ddns::gateway::myserver
