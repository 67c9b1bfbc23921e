// Fuzzes the configuration file parser (parse_config). The input follows a database.url line that
// holds a password. Beyond not crashing: no error message ever repeats that password, and an
// accepted Basic realm (sent in every WWW-Authenticate header) holds no control byte, quote or
// backslash, which would break or split the header.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ddns/gateway/config/config.hpp"
#include "fuzz_check.hpp"

namespace {

constexpr std::string_view kPassword = "Pw-7f3a9c-secret";

bool header_safe(const std::string& s) {
    return std::none_of(s.begin(), s.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b < 0x20 || b == 0x7f || c == '"' || c == '\\';
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string text = "database.url = postgresql://ddns:" + std::string(kPassword) +
                             "@db/ddns\n" + std::string(input);
    const auto config = ddns::gateway::parse_config(text);
    if (!config) {
        if (input.find(kPassword) == std::string_view::npos)
            DDNS_FUZZ_CHECK(config.error().find(kPassword) == std::string::npos);
        return 0;
    }
    DDNS_FUZZ_CHECK(header_safe(config->http.realm));
    // Parsing is a function of the text.
    const auto again = ddns::gateway::parse_config(text);
    DDNS_FUZZ_CHECK(again && again->http.realm == config->http.realm &&
                    again->database.url == config->database.url);
    return 0;
}
