// Fuzzes IpAddress::parse and IpNetwork::parse: no crash, and whatever parses prints canonical
// text that parses back to the same value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ddns/nsupdate/ip_address.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (const auto address = ddns::IpAddress::parse(text)) {
        DDNS_FUZZ_CHECK(address->bytes().size() == (address->is_v4() ? 4u : 16u));
        const auto again = ddns::IpAddress::parse(address->to_string());
        DDNS_FUZZ_CHECK(again && *again == *address);
    }
    if (const auto network = ddns::IpNetwork::parse(text)) {
        DDNS_FUZZ_CHECK(network->prefix_length() <= (network->base().is_v4() ? 32u : 128u));
        DDNS_FUZZ_CHECK(network->contains(network->base()));
        const auto again = ddns::IpNetwork::parse(network->to_string());
        DDNS_FUZZ_CHECK(again && *again == *network);
    }
    return 0;
}
