// Fuzzes the request target and query-string parsers: parse_request_target, QueryParams::parse
// and percent_decode. Beyond not crashing: the path always starts with one '/' and holds no '?'
// or '#'; decoding never grows the text; percent-encoding any bytes and decoding them gives the
// bytes back; re-encoding the parsed parameters and parsing again gives the same parameters.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ddns/gateway/http/request.hpp"
#include "fuzz_check.hpp"

namespace {

std::string percent_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        out += '%';
        out += kHex[b >> 4];
        out += kHex[b & 0xf];
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ddns::gateway;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const auto target = parse_request_target(text);
    DDNS_FUZZ_CHECK(!target.path.empty() && target.path[0] == '/');
    DDNS_FUZZ_CHECK(target.path.size() == 1 || target.path[1] != '/');
    DDNS_FUZZ_CHECK(target.path.find_first_of("?#") == std::string::npos);
    DDNS_FUZZ_CHECK(target.query.find('#') == std::string::npos);
    DDNS_FUZZ_CHECK(target.query.size() < text.size() || target.query.empty());

    const auto decoded = percent_decode(text);
    DDNS_FUZZ_CHECK(decoded.size() <= text.size());
    DDNS_FUZZ_CHECK(percent_decode(percent_encode(text)) == text);

    const auto params = QueryParams::parse(target.query);
    std::string again;
    for (const auto& [name, value] : params.items()) {
        DDNS_FUZZ_CHECK(!name.empty() || !value.empty() ||
                        target.query.find('=') != std::string::npos);
        const auto first = params.get(name);
        DDNS_FUZZ_CHECK(first.has_value());
        DDNS_FUZZ_CHECK(params.get_nocase(name).has_value());
        if (!again.empty()) again += '&';
        again += percent_encode(name) + "=" + percent_encode(value);
    }
    const auto reparsed = QueryParams::parse(again);
    DDNS_FUZZ_CHECK(reparsed.items() == params.items());
    return 0;
}
