// Fuzzes DnsName::parse: no crash, and every accepted name keeps the documented invariant
// (labels of 1..63 octets, at most 253 characters, lower case) and reparses to itself.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ddns/nsupdate/dns_name.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto name = ddns::DnsName::parse(text);
    if (!name) return 0;

    const std::string& s = name->str();
    DDNS_FUZZ_CHECK(!s.empty() && s.size() <= 253);
    DDNS_FUZZ_CHECK(s.back() != '.');
    for (const char c : s) DDNS_FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
    const auto labels = name->labels();
    DDNS_FUZZ_CHECK(labels.size() == name->label_count() && !labels.empty());
    for (const auto label : labels) DDNS_FUZZ_CHECK(!label.empty() && label.size() <= 63);

    const auto again = ddns::DnsName::parse(s);
    DDNS_FUZZ_CHECK(again && *again == *name);
    const auto absolute = ddns::DnsName::parse(name->fqdn());
    DDNS_FUZZ_CHECK(absolute && *absolute == *name);
    DDNS_FUZZ_CHECK(name->is_at_or_below(*name));
    const auto relative = name->relative_to(*name);
    DDNS_FUZZ_CHECK(relative && *relative == "@");
    return 0;
}
