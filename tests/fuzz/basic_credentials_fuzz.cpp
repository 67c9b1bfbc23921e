// Fuzzes parse_basic_authorization (the value of an "Authorization: Basic ..." header). Beyond
// not crashing: only a "Basic" value is accepted, the user name never holds the colon that
// separates it from the password, and encoding the parsed credentials again parses to the same
// credentials.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ddns/gateway/http/request.hpp"
#include "fuzz_check.hpp"

namespace {

unsigned byte(std::string_view in, std::size_t i) {
    return i < in.size() ? static_cast<unsigned char>(in[i]) : 0U;
}

std::string base64(std::string_view in) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        const unsigned v = byte(in, i) << 16U | byte(in, i + 1) << 8U | byte(in, i + 2);
        const std::size_t left = in.size() - i;
        out += kAlphabet[(v >> 18U) & 63U];
        out += kAlphabet[(v >> 12U) & 63U];
        out += left > 1 ? kAlphabet[(v >> 6U) & 63U] : '=';
        out += left > 2 ? kAlphabet[v & 63U] : '=';
    }
    return out;
}

bool starts_with_basic(std::string_view value) {
    const auto first = value.find_first_not_of(' ');
    if (first == std::string_view::npos) return false;
    value.remove_prefix(first);
    if (value.size() < 6) return false;
    for (std::size_t i = 0; i < 5; ++i) {
        if ((value[i] | 0x20) != "basic"[i]) return false;
    }
    return value[5] == ' ';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ddns::gateway;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto credentials = parse_basic_authorization(text);

    // Also the way a client would send the bytes: "Basic base64(bytes)".
    const auto wrapped = parse_basic_authorization("Basic " + base64(text));
    DDNS_FUZZ_CHECK(wrapped.has_value() == (text.find(':') != std::string_view::npos));
    if (wrapped) {
        const auto colon = text.find(':');
        DDNS_FUZZ_CHECK(wrapped->username == text.substr(0, colon));
        DDNS_FUZZ_CHECK(wrapped->password.expose_view() == text.substr(colon + 1));
    }

    if (!credentials) return 0;
    DDNS_FUZZ_CHECK(starts_with_basic(text));
    DDNS_FUZZ_CHECK(credentials->username.find(':') == std::string::npos);
    const std::string joined =
        credentials->username + ":" + std::string(credentials->password.expose_view());
    const auto again = parse_basic_authorization("basic   " + base64(joined) + " ");
    DDNS_FUZZ_CHECK(again && again->username == credentials->username &&
                    again->password.expose_view() == credentials->password.expose_view());
    return 0;
}
