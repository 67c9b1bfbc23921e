// TSIG keys: algorithm names and parsing of key files in tsig-keygen / named.conf format.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ddns/nsupdate/dns_name.hpp"
#include "ddns/nsupdate/expected.hpp"
#include "ddns/nsupdate/secret.hpp"

namespace ddns {

enum class TsigAlgorithm { HmacSha1, HmacSha224, HmacSha256, HmacSha384, HmacSha512 };

// "hmac-sha256" etc. (the name used in key files and in the TSIG RR, without trailing dot).
std::string_view to_string(TsigAlgorithm algorithm) noexcept;
std::optional<TsigAlgorithm> parse_tsig_algorithm(std::string_view text) noexcept;

struct TsigKey {
    DnsName name;
    TsigAlgorithm algorithm = TsigAlgorithm::HmacSha256;
    Secret secret;  // raw key bytes (decoded from base64)

    TsigKey clone() const { return TsigKey{name, algorithm, secret.clone()}; }
};

// Parses the text of a key file as written by `tsig-keygen -a ALG NAME`:
//   key "NAME" { algorithm hmac-sha256; secret "BASE64"; };
// Comments (#, //, /* */) are allowed. The error string names the problem but never contains
// the secret.
Expected<TsigKey, std::string> parse_tsig_key_file(std::string_view text);
// Builds a key from its parts (as stored in the database); error on a bad name/algorithm/base64.
Expected<TsigKey, std::string> make_tsig_key(std::string_view name, std::string_view algorithm,
                                             std::string_view secret_base64);
// Base64 helpers for key material (standard alphabet, padding required on decode).
std::optional<Secret> decode_base64_secret(std::string_view text);
// The same decoding into `out`, which must hold text.size() / 4 * 3 bytes: the bytes written,
// or nullopt (on failure `out` may hold part of the decoded bytes: wipe it).
std::optional<std::size_t> decode_base64_into(std::string_view text, std::span<std::uint8_t> out);
std::string encode_base64(const Secret& secret);

}  // namespace ddns
