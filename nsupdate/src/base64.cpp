// Standard base64 (RFC 4648) for key material: strict padding, whitespace tolerated on decode.
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "ddns/nsupdate/tsig_key.hpp"

namespace ddns {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int value_of(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

std::optional<std::size_t> decode_base64_into(std::string_view text, std::span<std::uint8_t> out) {
    std::array<unsigned, 4> v{};
    std::size_t have = 0;  // characters of the current quantum
    std::size_t n = 0;     // bytes written
    int padding = 0;
    bool ended = false;  // a padded quantum was the last one
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        if (ended) return std::nullopt;
        if (c == '=') {
            // Padding only at the end of the last quantum, at most two.
            if (have < 2) return std::nullopt;
            ++padding;
            v[have++] = 0;
        } else {
            const int value = value_of(c);
            if (padding > 0 || value < 0) return std::nullopt;
            v[have++] = static_cast<unsigned>(value);
        }
        if (have < 4) continue;
        if (out.size() - n < 3) return std::nullopt;
        const unsigned q = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
        out[n++] = static_cast<std::uint8_t>(q >> 16);
        if (padding < 2) out[n++] = static_cast<std::uint8_t>(q >> 8);
        if (padding < 1) out[n++] = static_cast<std::uint8_t>(q);
        have = 0;
        ended = padding > 0;
    }
    if (have != 0 || n == 0) return std::nullopt;
    return n;
}

std::optional<Secret> decode_base64_secret(std::string_view text) {
    std::vector<std::uint8_t> out(text.size() / 4 * 3);
    const auto n = decode_base64_into(text, out);
    std::optional<Secret> secret;
    if (n) secret.emplace(std::span<const std::uint8_t>(out.data(), *n));
    // An input shorter than a quantum leaves `out` empty, and its data() may be null.
    if (!out.empty()) ::explicit_bzero(out.data(), out.size());
    return secret;
}

std::string encode_base64(const Secret& secret) {
    const auto in = secret.expose_bytes();
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < in.size(); i += 3) {
        const std::size_t left = in.size() - i;
        unsigned n = static_cast<unsigned>(in[i]) << 16;
        if (left > 1) n |= static_cast<unsigned>(in[i + 1]) << 8;
        if (left > 2) n |= static_cast<unsigned>(in[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += left > 1 ? kAlphabet[(n >> 6) & 63] : '=';
        out += left > 2 ? kAlphabet[n & 63] : '=';
    }
    return out;
}

}  // namespace ddns
