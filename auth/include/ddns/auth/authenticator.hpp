// Who is calling: checks a username and secret (account password or update token) against the
// account store, in one store round trip, remembering recent successful password checks so
// routers that send their password every few minutes do not cost an argon2 run each time.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ddns/auth/failure_throttle.hpp"
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
    Blocked,         // account blocked by the operator (admin account block)
    Throttled,       // too many failures from this address or for this account: not checked
    Busy,            // every argon2 slot busy (see argon2_gate.hpp): not checked, the server's
                     // problem, never the client's (dialects answer their server error)
};

struct AuthOutcome {
    AuthStatus status = AuthStatus::BadCredentials;
    std::optional<Principal> principal;   // set when status is Ok, Disabled, Blocked or Expired
    std::chrono::seconds retry_after{0};  // set when Throttled or Busy (at least 1 s)
};

// Remembered password checks: an entry lives cache_ttl after its last use (a router that asks
// more often than that pays argon2 once), and a full cache evicts the entries used longest ago,
// an eighth of it at a time. About 60 bytes per entry.
struct AuthenticatorOptions {
    std::chrono::seconds cache_ttl{600};
    std::size_t cache_capacity = 100000;
};

class Authenticator {
public:
    // With a throttle (not owned, must outlive this object), calls that name the client address
    // are subject to its brute-force locks.
    Authenticator(AccountStore& store, const PasswordHasher& hasher,
                  std::function<TimePoint()> clock, AuthenticatorOptions options = {},
                  FailureThrottle* throttle = nullptr);

    // Constructing runs one argon2 hash (the dummy hash used to keep failures uniform in time).
    ~Authenticator();
    Authenticator(const Authenticator&) = delete;
    Authenticator& operator=(const Authenticator&) = delete;

    // Exactly one store call per request with a non-empty username and secret (empty ones are
    // BadCredentials without a lookup). A wrong or missing password costs one argon2 run whether
    // or not the account exists, so usernames cannot be enumerated by timing. Disabled/Blocked/
    // Expired are only reported after the credential itself was accepted. May throw StoreError.
    //
    // With `client` (the address the request came from, after the trusted-proxy rules) and a
    // throttle, a locked-out request is Throttled before anything is looked up. Wrong
    // credentials and unknown users count as failures; a correct credential counts as a success
    // even for a disabled or expired account; a StoreError counts as nothing, so an outage never
    // locks anyone out. Without `client` nothing is throttled.
    //
    // A token is a credential only while TokenMatch::usable holds for `client` (its source
    // networks, max_age, max_unused); otherwise the answer is BadCredentials, counted like a
    // wrong secret. A usable token's use (time and `client`) is recorded in the store.
    AuthOutcome authenticate(std::string_view username, const Secret& secret,
                             CredentialPolicy policy,
                             const std::optional<IpAddress>& client = std::nullopt);

    // The same check for a caller identified by a host name instead of a username: the owner
    // of `host` is looked up first (a second store call), then checked as above. An unknown
    // host costs the same argon2 run as a wrong password. The credential must be the owner's
    // password or a token valid for this host (a token limited to another host is
    // BadCredentials). When a principal is returned, its hosts include `host`. With `client`,
    // throttled like authenticate(), counting failures per client address and host name.
    AuthOutcome authenticate_host(const DnsName& host, const Secret& secret,
                                  CredentialPolicy policy,
                                  const std::optional<IpAddress>& client = std::nullopt);

    // Number of remembered password verifications (for tests and metrics).
    std::size_t cached_entries() const;

private:
    // Runs `check` unless `client` is locked out for `name`, and reports its result.
    AuthOutcome throttled(const std::optional<IpAddress>& client, std::string_view name,
                          const std::function<AuthOutcome()>& check);
    AuthOutcome check_host_credential(const DnsName& host, const Secret& secret,
                                      CredentialPolicy policy,
                                      const std::optional<IpAddress>& client);
    AuthOutcome check_credential(std::string_view username, const Secret& secret,
                                 CredentialPolicy policy, const std::optional<IpAddress>& client);
    bool verify_password_cached(const Principal& principal, const Secret& secret);
    using CacheKey = std::array<unsigned char, 16>;
    struct CacheKeyHash {
        std::size_t operator()(const CacheKey& key) const noexcept;
    };
    CacheKey cache_entry_key(const Account& account, const Secret& password) const;
    void remember(const CacheKey& key, TimePoint now);
    void evict_least_recently_used(TimePoint now);
    // Spends one argon2 verification on a hash that never matches.
    void burn_password_check(const Secret& secret) const;

    AccountStore& store_;
    const PasswordHasher& hasher_;
    std::function<TimePoint()> clock_;
    AuthenticatorOptions options_;
    FailureThrottle* throttle_;
    Secret cache_key_;  // random per process; cache entries are keyed hashes, never passwords
    std::unique_ptr<const detail::KeyedState> cache_keyed_;  // after absorbing cache_key_
    std::string dummy_hash_;  // argon2id of a random secret, verified when there is no real hash
    mutable std::mutex mutex_;
    std::unordered_map<CacheKey, TimePoint, CacheKeyHash> verified_;  // keyed hash -> expiry
};

}  // namespace ddns::auth
