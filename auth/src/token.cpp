#include "ddns/auth/token.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <span>

#include "sodium_init.hpp"

namespace ddns::auth {

namespace {

constexpr std::size_t kTokenBytes = 20;  // 160 bits -> exactly 32 base32 characters
constexpr std::string_view kBase32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
    detail::ensure_sodium();
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    ::crypto_hash_sha256(digest.data(), bytes.data(), bytes.size());
    std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
    ::sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());  // lower case
    return std::string(hex.data(), hex.size() - 1);
}

}  // namespace

NewToken generate_token() {
    detail::ensure_sodium();
    std::array<std::uint8_t, kTokenBytes> raw{};
    ::randombytes_buf(raw.data(), raw.size());

    // RFC 4648 base32, lower case; 20 bytes are a whole number of 5-byte groups, so no padding.
    std::array<char, kTokenBytes * 8 / 5> text{};
    std::size_t out = 0;
    for (std::size_t i = 0; i < raw.size(); i += 5) {
        std::uint64_t group = 0;
        for (std::size_t j = 0; j < 5; ++j) group = (group << 8) | raw[i + j];
        for (int shift = 35; shift >= 0; shift -= 5) {
            text[out++] = kBase32Alphabet[static_cast<std::size_t>((group >> shift) & 0x1f)];
        }
    }
    ::sodium_memzero(raw.data(), raw.size());

    NewToken token{Secret(std::string_view(text.data(), text.size())), {}};
    ::sodium_memzero(text.data(), text.size());
    token.digest = token_digest(token.token);
    return token;
}

bool looks_like_token(const Secret& secret) noexcept {
    if (secret.size() != kTokenBytes * 8 / 5) return false;
    for (char c : secret.expose_view())
        if (kBase32Alphabet.find(c) == std::string_view::npos) return false;
    return true;
}

std::string token_digest(const Secret& secret) {
    return sha256_hex(secret.expose_bytes());
}

std::string token_digest(std::string_view text) {
    return sha256_hex(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace ddns::auth
