#include "ddns/auth/session.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>

#include "ddns/auth/token.hpp"
#include "sodium_init.hpp"

namespace ddns::auth {
namespace {

constexpr std::size_t kIdBytes = 32;  // 256 bits
constexpr std::size_t kIdChars = 43;  // unpadded base64url of 32 bytes

bool base64url_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

}  // namespace

NewSessionId generate_session_id() {
    detail::ensure_sodium();
    std::array<unsigned char, kIdBytes> raw{};
    ::randombytes_buf(raw.data(), raw.size());
    std::array<char, kIdChars + 1> text{};
    ::sodium_bin2base64(text.data(), text.size(), raw.data(), raw.size(),
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    ::sodium_memzero(raw.data(), raw.size());
    NewSessionId out{Secret(std::string_view(text.data(), kIdChars)), {}};
    ::sodium_memzero(text.data(), text.size());
    out.digest = token_digest(out.id);
    return out;
}

bool looks_like_session_id(std::string_view text) noexcept {
    if (text.size() != kIdChars) return false;
    for (const char c : text)
        if (!base64url_char(c)) return false;
    return true;
}

}  // namespace ddns::auth
