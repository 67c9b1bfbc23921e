// Update tokens: random 160-bit values shown to the user once; only their SHA-256 is stored.
#pragma once

#include <string>
#include <string_view>

#include "ddns/nsupdate/secret.hpp"

namespace ddns::auth {

struct NewToken {
    Secret token;        // 32 characters of lower-case base32, printable once
    std::string digest;  // lower-case hex SHA-256 of the token text, what the database keeps
};

NewToken generate_token();
// True when `secret` has the shape of a generated token (32 characters of [a-z2-7]). Only such
// secrets are digested and looked up as tokens, so a password's unsalted SHA-256 never travels
// to the database.
bool looks_like_token(const Secret& secret) noexcept;
// Lower-case hex SHA-256 of the secret's bytes.
std::string token_digest(const Secret& secret);
std::string token_digest(std::string_view text);

}  // namespace ddns::auth
