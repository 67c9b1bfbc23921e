#include "ddns/auth/authenticator.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <utility>
#include <vector>

#include "ddns/auth/token.hpp"
#include "ddns/auth/would_block.hpp"
#include "keyed_state.hpp"
#include "sodium_init.hpp"

namespace ddns::auth {

namespace {

// Feeds a length-prefixed field, so no choice of bytes in one field can imitate another field.
void absorb(crypto_generichash_state& state, std::string_view field) {
    std::array<unsigned char, 8> length{};
    auto n = static_cast<std::uint64_t>(field.size());
    for (auto& byte : length) {
        byte = static_cast<unsigned char>(n & 0xff);
        n >>= 8;
    }
    ::crypto_generichash_update(&state, length.data(), length.size());
    ::crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(field.data()),
                                field.size());
}

bool is_control(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
}

bool has_control(std::string_view text) {
    return std::any_of(text.begin(), text.end(), is_control);
}

// The account a username with control bytes would reach: libpq parameters are C strings, so
// the store would look up the text before a NUL. Failures count against that account, so
// "alice\0N" is no fresh throttle key for each N.
std::string_view canonical_account(std::string_view username) {
    const auto end = std::find_if(username.begin(), username.end(), is_control);
    return username.substr(0, static_cast<std::size_t>(end - username.begin()));
}

}  // namespace

Authenticator::Authenticator(AccountStore& store, const PasswordHasher& hasher,
                             std::function<TimePoint()> clock, AuthenticatorOptions options,
                             FailureThrottle* throttle)
    : store_(store),
      hasher_(hasher),
      clock_(std::move(clock)),
      options_(options),
      throttle_(throttle),
      cache_key_(detail::random_secret(crypto_generichash_KEYBYTES)),
      dummy_hash_(hasher_.hash(detail::random_secret(32))) {
    const auto key = cache_key_.expose_bytes();
    cache_keyed_ = std::make_unique<const detail::KeyedState>(key, std::tuple_size_v<CacheKey>);
}

Authenticator::~Authenticator() = default;

AuthOutcome Authenticator::authenticate(std::string_view username, const Secret& secret,
                                        CredentialPolicy policy,
                                        const std::optional<IpAddress>& client) {
    // Nothing to look up; the answer does not depend on the username, so it reveals nothing.
    if (username.empty() || secret.empty()) return {};
    // No account name or credential holds a control byte: refused unchecked (as slowly as a
    // wrong password), and counted against the account the name would have reached.
    if (has_control(username) || has_control(secret.expose_view())) {
        return throttled(client, canonical_account(username), [&] {
            if (policy == CredentialPolicy::PasswordOrToken) burn_password_check(secret);
            return AuthOutcome{};
        });
    }
    return throttled(client, username,
                     [&] { return check_credential(username, secret, policy, client); });
}

AuthOutcome Authenticator::throttled(const std::optional<IpAddress>& client, std::string_view name,
                                     const std::function<AuthOutcome()>& check) {
    try {
        if (!throttle_ || !client) return check();
        FailureThrottle::Ticket ticket = throttle_->admit(*client, name);
        if (!ticket.admitted())
            return AuthOutcome{AuthStatus::Throttled, std::nullopt, ticket.retry_after()};
        // A StoreError or Argon2Busy leaves the ticket unreported: the attempt counts as nothing.
        AuthOutcome outcome = check();
        if (outcome.status == AuthStatus::BadCredentials)
            ticket.failed();
        else
            ticket.succeeded();
        return outcome;
    } catch (const Argon2Busy& busy) {
        // No argon2 slot in time: nothing was checked, so the caller hears "try again", never
        // "bad credentials" nor "too many failed logins", and no failure is counted against the
        // client or the account.
        return AuthOutcome{AuthStatus::Busy, std::nullopt, busy.retry_after()};
    }
}

AuthOutcome Authenticator::check_credential(std::string_view username, const Secret& secret,
                                            CredentialPolicy policy,
                                            const std::optional<IpAddress>& client) {
    // Only token-shaped secrets are digested; for a password an empty digest matches no token.
    const std::string digest = looks_like_token(secret) ? token_digest(secret) : std::string();
    std::optional<Principal> principal = store_.load_principal(username, digest);
    if (!principal) {
        if (policy == CredentialPolicy::PasswordOrToken) burn_password_check(secret);
        return {};
    }

    bool accepted = false;
    if (principal->token) {
        // The store matched the token's digest for this account; its limits decide whether it
        // is a credential here and now. An unusable token is never recorded as used, so trying
        // an idle one cannot revive it.
        const TimePoint now = clock_();
        accepted = principal->token->usable(client, now);
        if (accepted && principal->token->use_worth_recording(client, now)) {
            blocking_point();  // a write: the connection loop hands the request to a worker
            store_.record_token_use(principal->token->token_id, client, now);
        }
    } else if (policy == CredentialPolicy::PasswordOrToken) {
        accepted = verify_password_cached(*principal, secret);
    }
    if (!accepted) return {};

    // Account state is reported only to someone who proved the credential.
    AuthStatus status = AuthStatus::Ok;
    if (principal->account.disabled) {
        status = AuthStatus::Disabled;
    } else if (principal->account.blocked) {
        status = AuthStatus::Blocked;
    } else if (principal->account.expires_at && *principal->account.expires_at <= clock_()) {
        status = AuthStatus::Expired;
    }
    return AuthOutcome{status, std::move(principal), std::chrono::seconds::zero()};
}

AuthOutcome Authenticator::authenticate_host(const DnsName& host, const Secret& secret,
                                             CredentialPolicy policy,
                                             const std::optional<IpAddress>& client) {
    if (secret.empty()) return {};
    if (has_control(secret.expose_view())) {
        return throttled(client, host.str(), [&] {
            if (policy == CredentialPolicy::PasswordOrToken) burn_password_check(secret);
            return AuthOutcome{};
        });
    }
    // Throttled by host name: the account is not known before the lookup, and an unknown host
    // must count like a known one.
    return throttled(client, host.str(),
                     [&] { return check_host_credential(host, secret, policy, client); });
}

AuthOutcome Authenticator::check_host_credential(const DnsName& host, const Secret& secret,
                                                 CredentialPolicy policy,
                                                 const std::optional<IpAddress>& client) {
    const std::optional<std::string> owner = store_.find_host_owner(host);
    if (!owner) {
        // The same argon2 cost as a wrong password. What still differs is the second store
        // round trip (well under a millisecond against the argon2 run); host names are
        // published in DNS anyway.
        if (policy == CredentialPolicy::PasswordOrToken) burn_password_check(secret);
        return {};
    }
    AuthOutcome outcome = check_credential(*owner, secret, policy, client);
    if (!outcome.principal) return outcome;

    // The host may have been removed or given to another account between the two lookups, and
    // a token limited to one host (or to ACME challenges) is no credential for the others.
    if (!outcome.principal->updatable_host(host)) return {};
    return outcome;
}

bool Authenticator::verify_password_cached(const Principal& principal, const Secret& secret) {
    const std::string& hash = principal.account.password_hash;
    if (!PasswordHasher::is_argon2id(hash)) {
        // Token-only accounts have no usable hash; answer as slowly as a wrong password would.
        burn_password_check(secret);
        return false;
    }

    const CacheKey key = cache_entry_key(principal.account, secret);
    const TimePoint now = clock_();
    {
        std::lock_guard lock(mutex_);
        if (auto it = verified_.find(key); it != verified_.end()) {
            if (now < it->second) {
                it->second = now + options_.cache_ttl;  // kept while in use
                return true;
            }
            verified_.erase(it);
        }
    }

    // The argon2 run happens outside the lock so concurrent logins do not queue behind it.
    if (!hasher_.verify(hash, secret)) return false;
    remember(key, now);
    return true;
}

std::size_t Authenticator::CacheKeyHash::operator()(const CacheKey& key) const noexcept {
    // The key is already a keyed BLAKE2b digest: its first bytes are as good as any hash.
    std::size_t h = 0;
    std::memcpy(&h, key.data(), sizeof h);
    return h;
}

Authenticator::CacheKey Authenticator::cache_entry_key(const Account& account,
                                                       const Secret& password) const {
    // The password hash is part of the input, so a changed password (new hash) misses the cache
    // without any explicit invalidation. 128 bits of a keyed hash with a per-process random key:
    // no collision can be found or precomputed.
    crypto_generichash_state state = cache_keyed_->state;
    CacheKey digest{};
    absorb(state, account.username);
    absorb(state, password.expose_view());
    absorb(state, account.password_hash);
    ::crypto_generichash_final(&state, digest.data(), digest.size());
    ::sodium_memzero(&state, sizeof state);
    return digest;
}

void Authenticator::remember(const CacheKey& key, TimePoint now) {
    if (options_.cache_capacity == 0 || options_.cache_ttl <= std::chrono::seconds::zero()) return;
    std::lock_guard lock(mutex_);
    if (verified_.size() >= options_.cache_capacity && !verified_.contains(key))
        evict_least_recently_used(now);
    verified_[key] = now + options_.cache_ttl;
}

// Under mutex_. Expired entries go first; when that frees nothing, the eighth of the entries
// with the earliest expiry (used longest ago, as every use renews the expiry) goes, so the
// O(n) pass runs once per capacity/8 new entries, not once per entry.
void Authenticator::evict_least_recently_used(TimePoint now) {
    std::erase_if(verified_, [now](const auto& entry) { return entry.second <= now; });
    if (verified_.size() < options_.cache_capacity) return;
    std::vector<TimePoint> expiries;
    expiries.reserve(verified_.size());
    for (const auto& entry : verified_) expiries.push_back(entry.second);
    const std::size_t evict = std::max<std::size_t>(1, options_.cache_capacity / 8);
    const auto cut = expiries.begin() + static_cast<std::ptrdiff_t>(evict - 1);
    std::nth_element(expiries.begin(), cut, expiries.end());
    const TimePoint oldest_kept_after = *cut;
    std::size_t removed = 0;
    std::erase_if(verified_, [&](const auto& entry) {
        if (removed == evict || entry.second > oldest_kept_after) return false;
        ++removed;
        return true;
    });
}

void Authenticator::burn_password_check(const Secret& secret) const {
    (void)hasher_.verify(dummy_hash_, secret);
}

std::size_t Authenticator::cached_entries() const {
    std::lock_guard lock(mutex_);
    return verified_.size();
}

}  // namespace ddns::auth
