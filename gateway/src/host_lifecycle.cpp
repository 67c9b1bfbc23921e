#include "ddns/gateway/host_lifecycle.hpp"

#include <charconv>

namespace ddns::gateway {
namespace {

// Removes one family of a host that is going offline; `address` is what BIND should still hold.
void take_family_offline(UpdateRequest& request, const auth::Host& host, const IpAddress& address,
                         auth::OfflineAction action) {
    const RecordType type = address_record_type(address.family());
    // Value-dependent "RRset exists" (RFC 2136 §2.4.2): the RRset is exactly this one record.
    request.prerequisites.emplace_back(
        RRsetExistsValue{ResourceRecord::address(host.name, host.ttl, address)});
    request.operations.emplace_back(DeleteRRset{host.name, type});
    if (action == auth::OfflineAction::Sentinel)
        request.operations.emplace_back(AddRecord{
            ResourceRecord::address(host.name, host.ttl, sentinel_address(address.family()))});
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

UpdateRequest offline_update(const auth::Zone& zone, const std::vector<const auth::Host*>& hosts) {
    UpdateRequest request{zone.name, {}, {}};
    for (const auth::Host* h : hosts) {
        if (h->ipv4) take_family_offline(request, *h, *h->ipv4, zone.offline_action);
        if (h->ipv6) take_family_offline(request, *h, *h->ipv6, zone.offline_action);
    }
    return request;
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t unit = 1;
    switch (text.back()) {
        case 's':
            text.remove_suffix(1);
            break;
        case 'm':
            unit = 60;
            text.remove_suffix(1);
            break;
        case 'h':
            unit = 3600;
            text.remove_suffix(1);
            break;
        case 'd':
            unit = 86400;
            text.remove_suffix(1);
            break;
        default:
            break;
    }
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    constexpr std::int64_t kMax = std::int64_t{365} * 86400;
    if (value < 1 || value > kMax / unit) return std::nullopt;
    return std::chrono::seconds(value * unit);
}

std::string format_duration(std::chrono::seconds duration) {
    const std::int64_t s = duration.count();
    if (s > 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
    if (s > 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
    if (s > 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
    return std::to_string(s) + "s";
}

}  // namespace ddns::gateway
