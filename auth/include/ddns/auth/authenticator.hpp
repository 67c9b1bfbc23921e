// Who is calling: checks a username and secret (account password or update token) against the
// account store, in one store round trip, remembering recent successful password checks so
// routers that send their password every few minutes do not cost an argon2 run each time.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ddns/auth/model.hpp"
#include "ddns/auth/password.hpp"
#include "ddns/auth/store.hpp"
#include "ddns/nsupdate/secret.hpp"

namespace ddns::auth {

enum class CredentialPolicy { PasswordOrToken, TokenOnly };

enum class AuthStatus {
    Ok,
    BadCredentials,  // unknown user, wrong password/token (deliberately indistinguishable)
    Disabled,        // account disabled by the operator
    Expired,         // account past its expiry date
};

struct AuthOutcome {
    AuthStatus status = AuthStatus::BadCredentials;
    std::optional<Principal> principal;  // set when status is Ok, Disabled or Expired
};

struct AuthenticatorOptions {
    std::chrono::seconds cache_ttl{600};
    std::size_t cache_capacity = 10000;
};

class Authenticator {
public:
    Authenticator(AccountStore& store, const PasswordHasher& hasher,
                  std::function<TimePoint()> clock, AuthenticatorOptions options = {});

    // May throw StoreError (backend failure).
    AuthOutcome authenticate(std::string_view username, const Secret& secret,
                             CredentialPolicy policy);

private:
    bool verify_password_cached(const Principal& principal, const Secret& secret);

    AccountStore& store_;
    const PasswordHasher& hasher_;
    std::function<TimePoint()> clock_;
    AuthenticatorOptions options_;
    Secret cache_key_;  // random per process; cache entries are keyed hashes, never passwords
    std::mutex mutex_;
    std::unordered_map<std::string, TimePoint> verified_;  // keyed hash -> expiry
};

}  // namespace ddns::auth
