// Fuzzes the DynamIP request parameters (parse_dynamip_request) from a raw query string. Beyond not
// crashing: an accepted request has the SiteID as sent (not empty) and a non-empty password; a
// SiteID that is a DNS name is made of name bytes only (no control byte or space reaches the
// database or DNS); IPAddr means the client's address exactly when it is absent, empty or AUTO, and
// otherwise a parsed address prints back to itself.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ddns/gateway/dialects/dynamip_dialect.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace ddns::gateway;

std::string_view trimmed(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool name_bytes_only(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '*' || c == '.';
    });
}

bool is_auto(std::string_view s) {
    if (s.empty()) return true;
    if (s.size() != 4) return false;
    for (std::size_t i = 0; i < 4; ++i)
        if ((s[i] | 0x20) != "auto"[i]) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view query(reinterpret_cast<const char*>(data), size);
    const auto params = QueryParams::parse(query);
    const auto request = parse_dynamip_request(params);
    if (!request) {
        DDNS_FUZZ_CHECK(request.error() == DynamipCode::MissingParameters);
        const auto site = params.get_nocase("siteid");
        const auto password = params.get_nocase("PASSWORD");
        DDNS_FUZZ_CHECK(!site || site->empty() || !password || password->empty());
        return 0;
    }
    // The SiteID is taken as sent: outer whitespace makes it no name, not another spelling.
    DDNS_FUZZ_CHECK(!request->site_text.empty() &&
                    request->site_text == params.get_nocase("SiteID").value_or(""));
    DDNS_FUZZ_CHECK(!request->password.expose_view().empty());
    if (request->site) {
        DDNS_FUZZ_CHECK(name_bytes_only(request->site->str()));
        DDNS_FUZZ_CHECK(ddns::DnsName::parse(request->site_text) == request->site);
    }
    const std::string ipaddr = params.get_nocase("ipaddr").value_or("");
    const auto wanted = trimmed(ipaddr);
    DDNS_FUZZ_CHECK(request->auto_address == is_auto(wanted));
    if (request->auto_address) DDNS_FUZZ_CHECK(!request->address);
    if (request->address) {
        const auto again = ddns::IpAddress::parse(request->address->to_string());
        DDNS_FUZZ_CHECK(again && *again == *request->address);
    }
    return 0;
}
