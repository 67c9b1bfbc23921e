// Password hashing with argon2id (libsodium's crypto_pwhash_str encoding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ddns/nsupdate/secret.hpp"

namespace ddns::auth {

struct Argon2Params {
    std::uint64_t opslimit = 2;                  // crypto_pwhash_OPSLIMIT_INTERACTIVE
    std::size_t memlimit = 64ull * 1024 * 1024;  // crypto_pwhash_MEMLIMIT_INTERACTIVE (bytes)
};

class PasswordHasher {
public:
    explicit PasswordHasher(Argon2Params params = {});
    // "$argon2id$v=19$m=...". Throws std::runtime_error only when libsodium runs out of memory.
    std::string hash(const Secret& password) const;
    // Constant-time verification; false for any malformed or non-argon2id hash.
    bool verify(std::string_view encoded_hash, const Secret& password) const;

private:
    Argon2Params params_;
};

}  // namespace ddns::auth
