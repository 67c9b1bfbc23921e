// Fuzzes the dyndns2 address lists (myip, myipv4, myipv6, ip, ipv6; parse_dyndns2_addresses) from a
// raw query string. The first byte picks the client address's family. Beyond not crashing: each
// family's intent holds an address of that family exactly when it sets one; an address the
// request sets is one it named (or the client's when it named none); a request that names no
// address sets the client's; the answer does not depend on the order of the parameters (unless
// one repeats: the first of a name counts).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/gateway/dialects/dyndns2_dialect.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace ddns::gateway;

bool well_formed(const FamilyIntent& intent, bool v4) {
    if (intent.action != FamilyAction::Set) return !intent.address.has_value();
    if (!intent.address || intent.address->is_v4() != v4) return false;
    for (const char c : intent.address->to_string()) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '.' || c == ':';
        if (!ok) return false;
    }
    return true;
}

constexpr std::string_view kNames[] = {"myip", "myipv4", "myipv6", "ip", "ipv6"};

// Every address the address parameters name (the first of each name counts), each token parsed
// on its own.
std::vector<ddns::IpAddress> named_addresses(const QueryParams& params, bool& any_token) {
    std::vector<ddns::IpAddress> out;
    for (const auto name : kNames) {
        const auto value = params.get(name);
        if (!value) continue;
        std::string_view rest = *value;
        while (true) {
            const auto comma = rest.find(',');
            // Items of a list may be padded with blanks ("192.0.2.1, 2001:db8::1").
            auto token = rest.substr(0, comma);
            const auto first = token.find_first_not_of(" \t");
            token = first == std::string_view::npos
                        ? std::string_view{}
                        : token.substr(first, token.find_last_not_of(" \t") - first + 1);
            token = token.substr(0, token.find('/'));
            if (const auto a = ddns::IpAddress::parse(token)) out.push_back(*a);
            if (!token.empty()) any_token = true;
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return out;
}

bool repeats_a_name(const QueryParams& params) {
    // ip6lanprefix too: a repeated prefix is read first-wins like the addresses.
    std::vector<std::string_view> names(std::begin(kNames), std::end(kNames));
    names.push_back("ip6lanprefix");
    for (const auto name : names) {
        const auto& items = params.items();
        if (std::count_if(items.begin(), items.end(),
                          [&](const auto& item) { return item.first == name; }) > 1)
            return true;
    }
    return false;
}

// The same parameters, the last one first.
std::string rotate(std::string_view query) {
    const auto amp = query.rfind('&');
    if (amp == std::string_view::npos) return std::string(query);
    return std::string(query.substr(amp + 1)) + "&" + std::string(query.substr(0, amp));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto client = *ddns::IpAddress::parse(data[0] % 2 == 0 ? "198.51.100.7" : "2001:db8::7");
    const std::string query(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto params = QueryParams::parse(query);
    const auto addresses = parse_dyndns2_addresses(params, client);

    // Only the first of a repeated name counts, so the order matters only then.
    const auto rotated = parse_dyndns2_addresses(QueryParams::parse(rotate(query)), client);
    if (!repeats_a_name(params)) {
        DDNS_FUZZ_CHECK(addresses.has_value() == rotated.has_value());
        if (addresses) {
            DDNS_FUZZ_CHECK(rotated->ipv4.action == addresses->ipv4.action &&
                            rotated->ipv4.address == addresses->ipv4.address);
            DDNS_FUZZ_CHECK(rotated->ipv6.action == addresses->ipv6.action &&
                            rotated->ipv6.address == addresses->ipv6.address);
        }
    }
    if (!addresses) return 0;

    DDNS_FUZZ_CHECK(well_formed(addresses->ipv4, true));
    DDNS_FUZZ_CHECK(well_formed(addresses->ipv6, false));
    DDNS_FUZZ_CHECK(addresses->ipv4.action != FamilyAction::Keep ||
                    addresses->ipv6.action != FamilyAction::Keep);
    bool any_token = false;
    const auto named = named_addresses(params, any_token);
    for (const FamilyIntent* f : {&addresses->ipv4, &addresses->ipv6}) {
        if (!f->address) continue;
        const bool from_request = std::find(named.begin(), named.end(), *f->address) != named.end();
        DDNS_FUZZ_CHECK(from_request || (!any_token && *f->address == client));
    }
    if (named.empty() && !any_token) {
        const FamilyIntent& mine = client.is_v4() ? addresses->ipv4 : addresses->ipv6;
        DDNS_FUZZ_CHECK(mine.action == FamilyAction::Set && mine.address == client);
    }
    return 0;
}
