// Fuzzes the Forwarded / X-Forwarded-For resolver. Input layout: "PEER\nFORWARDED\nXFF\nTRUSTED"
// (missing parts are absent headers). Beyond not crashing: an untrusted peer always wins, and the
// result is always the peer or an address that one of the headers named; the scheme of an
// untrusted peer's request is its connection's.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/gateway/http/client_address.hpp"
#include "fuzz_check.hpp"

namespace {

std::optional<std::string_view> next_line(std::string_view& rest, bool& more) {
    if (!more) return std::nullopt;
    const auto nl = rest.find('\n');
    const auto line = rest.substr(0, nl);
    if (nl == std::string_view::npos) {
        more = false;
    } else {
        rest.remove_prefix(nl + 1);
    }
    return line;
}

bool named_in(const std::vector<std::optional<ddns::IpAddress>>& hops, const ddns::IpAddress& a) {
    return std::any_of(hops.begin(), hops.end(), [&](const auto& hop) { return hop && *hop == a; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    bool more = true;
    const auto peer_text = next_line(rest, more);
    const auto forwarded_text = next_line(rest, more);
    const auto xff_text = next_line(rest, more);
    const auto trusted_text = next_line(rest, more);

    const auto peer = ddns::IpAddress::parse(peer_text.value_or(""));
    if (!peer) {
        // Still exercise the header parsers on whatever came in.
        (void)ddns::gateway::parse_forwarded_for(rest);
        (void)ddns::gateway::parse_x_forwarded_for(rest);
        (void)ddns::gateway::forwarded_proto_tls(rest);
        (void)ddns::gateway::x_forwarded_proto_tls(rest);
        return 0;
    }
    const std::optional<std::string> forwarded =
        forwarded_text ? std::optional<std::string>(*forwarded_text) : std::nullopt;
    const std::optional<std::string> xff =
        xff_text ? std::optional<std::string>(*xff_text) : std::nullopt;
    const auto trusted =
        ddns::gateway::TrustedProxies::parse(trusted_text.value_or("0.0.0.0/0,::/0"))
            .value_or(ddns::gateway::TrustedProxies{});

    const auto client = ddns::gateway::resolve_client_address(*peer, forwarded, xff, trusted);
    if (!trusted.contains(*peer)) DDNS_FUZZ_CHECK(client == *peer);
    if (client != *peer) {
        const bool from_forwarded =
            forwarded && named_in(ddns::gateway::parse_forwarded_for(*forwarded), client);
        const bool from_xff = xff && named_in(ddns::gateway::parse_x_forwarded_for(*xff), client);
        DDNS_FUZZ_CHECK(from_forwarded || from_xff);
    }
    // The scheme: the XFF line doubles as X-Forwarded-Proto. An untrusted peer never changes
    // the connection's own scheme.
    for (const bool connection_tls : {false, true}) {
        const bool tls =
            ddns::gateway::resolve_client_tls(connection_tls, *peer, forwarded, xff, trusted);
        if (!trusted.contains(*peer)) DDNS_FUZZ_CHECK(tls == connection_tls);
    }
    return 0;
}
