#include "ddns/auth/password.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>
#include <string>
#include <utility>

#include "ddns/auth/would_block.hpp"
#include "sodium_init.hpp"

namespace ddns::auth {

namespace {

constexpr std::string_view kArgon2idPrefix = "$argon2id$";

}  // namespace

PasswordHasher::PasswordHasher(Argon2Params params, std::shared_ptr<Argon2Gate> gate)
    : params_(params), gate_(std::move(gate)) {
    detail::ensure_sodium();
    if (params_.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
        params_.opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX) {
        throw std::invalid_argument("argon2id opslimit out of range");
    }
    if (params_.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
        params_.memlimit > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
        throw std::invalid_argument("argon2id memlimit out of range");
    }
}

Argon2Gate::Slot PasswordHasher::enter() const {
    return gate_ ? gate_->acquire() : Argon2Gate::Slot();
}

std::string PasswordHasher::hash(const Secret& password) const {
    blocking_point();  // an argon2 run is never made on the connection loop
    const Argon2Gate::Slot slot = enter();
    return hash_now(password);
}

std::string PasswordHasher::hash_now(const Secret& password) const {
    std::array<char, crypto_pwhash_STRBYTES> out{};
    const std::string_view pw = password.expose_view();
    if (::crypto_pwhash_str_alg(out.data(), pw.data(), pw.size(),
                                static_cast<unsigned long long>(params_.opslimit), params_.memlimit,
                                crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw std::runtime_error("argon2id hashing failed (out of memory)");
    }
    return std::string(out.data());
}

bool PasswordHasher::verify(std::string_view encoded_hash, const Secret& password) const {
    // Refuse anything that is not argon2id: libsodium would also accept argon2i, and an empty or
    // truncated hash must never match.
    if (!is_argon2id(encoded_hash)) return false;
    blocking_point();
    const Argon2Gate::Slot slot = enter();
    return verify_now(encoded_hash, password);
}

bool PasswordHasher::verify_now(std::string_view encoded_hash, const Secret& password) const {
    const std::string nul_terminated(encoded_hash);
    const std::string_view pw = password.expose_view();
    return ::crypto_pwhash_str_verify(nul_terminated.c_str(), pw.data(), pw.size()) == 0;
}

bool PasswordHasher::is_argon2id(std::string_view encoded_hash) noexcept {
    return encoded_hash.size() < crypto_pwhash_STRBYTES &&
           encoded_hash.starts_with(kArgon2idPrefix) &&
           encoded_hash.find('\0') == std::string_view::npos;
}

}  // namespace ddns::auth
