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

std::optional<Secret> decode_base64_secret(std::string_view text) {
    std::string compact;
    compact.reserve(text.size());
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        compact += c;
    }
    if (compact.empty() || compact.size() % 4 != 0) return std::nullopt;
    std::vector<std::uint8_t> out;
    out.reserve(compact.size() / 4 * 3);
    for (std::size_t i = 0; i < compact.size(); i += 4) {
        const bool last = i + 4 == compact.size();
        std::array<int, 4> v{};
        int padding = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char c = compact[i + j];
            if (c == '=') {
                // Padding only at the end of the last quantum, at most two.
                if (!last || j < 2) return std::nullopt;
                ++padding;
                v[j] = 0;
                continue;
            }
            if (padding > 0) return std::nullopt;
            v[j] = value_of(c);
            if (v[j] < 0) return std::nullopt;
        }
        const unsigned n = (static_cast<unsigned>(v[0]) << 18) |
                           (static_cast<unsigned>(v[1]) << 12) |
                           (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
        out.push_back(static_cast<std::uint8_t>(n >> 16));
        if (padding < 2) out.push_back(static_cast<std::uint8_t>(n >> 8));
        if (padding < 1) out.push_back(static_cast<std::uint8_t>(n));
    }
    Secret secret{std::span<const std::uint8_t>(out)};
    ::explicit_bzero(out.data(), out.size());
    ::explicit_bzero(compact.data(), compact.size());
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
