// Fuzzes the MyServer parameters (parse_myserver_params), record types (parse_myserver_type) and
// owner names (resolve_myserver_owner) from a raw query string. Beyond not crashing: parameters
// come back trimmed; a parsed type is one a domain account may manage and parses again from its
// canonical spelling; a resolved owner is a valid name at or below the zone, made of letters,
// digits, '-', '_', '*' and dots only (no control byte or space ever reaches DNS).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ddns/gateway/dialects/myserver_dialect.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace ddns::gateway;

bool trimmed(const std::string& s) {
    return s.empty() ||
           (s.front() != ' ' && s.front() != '\t' && s.back() != ' ' && s.back() != '\t');
}

bool name_bytes_only(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '*' || c == '.';
    });
}

std::string spelled(const MyServerType& type) {
    switch (type.type) {
        case ddns::RecordType::A:
            return "a";
        case ddns::RecordType::CNAME:
            return "Cname";
        case ddns::RecordType::NS:
            return "ns";
        default:
            return "MX+" + std::to_string(type.mx_preference.value_or(0));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view query(reinterpret_cast<const char*>(data), size);
    const auto params = parse_myserver_params(QueryParams::parse(query));
    for (const auto* s : {&params.user, &params.host, &params.type, &params.value, &params.domain})
        DDNS_FUZZ_CHECK(trimmed(*s));
    if (params.command) {
        const auto fxn = QueryParams::parse(query).get_nocase("FXN").value_or("");
        const auto first = fxn.find_first_not_of(" \t");
        DDNS_FUZZ_CHECK(first != std::string::npos);
        const auto word = fxn.substr(first, fxn.find_last_not_of(" \t") - first + 1);
        DDNS_FUZZ_CHECK(parse_myserver_command(word) == params.command);
    }

    if (const auto type = parse_myserver_type(params.type)) {
        const auto allowed = myserver_allowed_types(ddns::auth::Plan::Domain);
        DDNS_FUZZ_CHECK(std::find(allowed.begin(), allowed.end(), *type) != allowed.end());
        DDNS_FUZZ_CHECK(parse_myserver_type(spelled(*type)) == type);
    }

    const auto zone =
        ddns::DnsName::parse(params.domain).value_or(*ddns::DnsName::parse("dyn.example.org"));
    const auto owner = resolve_myserver_owner(params.host, zone);
    if (owner) {
        DDNS_FUZZ_CHECK(owner->is_at_or_below(zone));
        DDNS_FUZZ_CHECK(name_bytes_only(owner->str()));
        DDNS_FUZZ_CHECK(ddns::DnsName::parse(owner->str()) == *owner);
    }
    return 0;
}
