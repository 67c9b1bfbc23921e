// Fuzzes parse_tsig_key_file (key files are operator input, but a parser that crashes on a
// typo is still a bug) and make_tsig_key / decode_base64_secret on the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ddns/nsupdate/tsig_key.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const auto key = ddns::parse_tsig_key_file(text);
    if (key) {
        // What was read must survive a base64 round trip and rebuild the same key.
        const std::string b64 = ddns::encode_base64(key->secret);
        const auto decoded = ddns::decode_base64_secret(b64);
        DDNS_FUZZ_CHECK(decoded && decoded->equals(key->secret));
        const auto rebuilt =
            ddns::make_tsig_key(key->name.str(), ddns::to_string(key->algorithm), b64);
        DDNS_FUZZ_CHECK(rebuilt && rebuilt->name == key->name &&
                        rebuilt->algorithm == key->algorithm &&
                        rebuilt->secret.equals(key->secret));
    } else {
        DDNS_FUZZ_CHECK(!key.error().empty());
    }

    // The same bytes as "name\nalgorithm\nbase64" for the database path.
    const auto first = text.find('\n');
    const auto second = first == std::string_view::npos ? first : text.find('\n', first + 1);
    if (second != std::string_view::npos) {
        (void)ddns::make_tsig_key(text.substr(0, first), text.substr(first + 1, second - first - 1),
                                  text.substr(second + 1));
    }
    if (const auto secret = ddns::decode_base64_secret(text)) {
        const auto again = ddns::decode_base64_secret(ddns::encode_base64(*secret));
        DDNS_FUZZ_CHECK(again && again->equals(*secret));
    }
    return 0;
}
