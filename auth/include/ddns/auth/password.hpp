// Password hashing with argon2id (libsodium's crypto_pwhash_str encoding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ddns/auth/argon2_gate.hpp"
#include "ddns/nsupdate/secret.hpp"

namespace ddns::auth {

struct Argon2Params {
    std::uint64_t opslimit = 2;                  // crypto_pwhash_OPSLIMIT_INTERACTIVE
    std::size_t memlimit = 64ull * 1024 * 1024;  // crypto_pwhash_MEMLIMIT_INTERACTIVE (bytes)
};

// verify() is virtual so tests can count argon2 runs (the authenticator's cache is observable
// without timing); production code uses this class as is. Every argon2 run of the process goes
// through hash() or verify(), so the gate given here bounds them all (see argon2_gate.hpp).
class PasswordHasher {
public:
    // Throws std::invalid_argument when the parameters are below libsodium's argon2id minimum
    // (opslimit 1, memlimit 8 KiB): a misconfiguration, caught at startup. Without a gate the
    // runs are unbounded (command-line tools, tests).
    explicit PasswordHasher(Argon2Params params = {}, std::shared_ptr<Argon2Gate> gate = nullptr);
    virtual ~PasswordHasher() = default;
    PasswordHasher(const PasswordHasher&) = default;
    PasswordHasher& operator=(const PasswordHasher&) = default;

    // "$argon2id$v=19$m=...". Throws std::runtime_error only when libsodium runs out of memory,
    // Argon2Busy when the gate had no slot in time.
    virtual std::string hash(const Secret& password) const;
    // Constant-time verification; false for any malformed or non-argon2id hash (without taking
    // a slot). Throws Argon2Busy when the gate had no slot in time.
    virtual bool verify(std::string_view encoded_hash, const Secret& password) const;
    // True when `encoded_hash` looks like an argon2id string this class can verify.
    static bool is_argon2id(std::string_view encoded_hash) noexcept;

    const Argon2Params& params() const noexcept { return params_; }
    const Argon2Gate* gate() const noexcept { return gate_.get(); }

protected:
    // The argon2 runs themselves, called while holding a slot (tests instrument these).
    virtual std::string hash_now(const Secret& password) const;
    virtual bool verify_now(std::string_view encoded_hash, const Secret& password) const;

private:
    Argon2Gate::Slot enter() const;

    Argon2Params params_;
    std::shared_ptr<Argon2Gate> gate_;
};

}  // namespace ddns::auth
