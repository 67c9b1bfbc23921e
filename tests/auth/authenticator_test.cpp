// Authenticator: outcome table (tokens, passwords, policies, disabled/expired accounts), one
// store round trip per request, uniform argon2 cost, and the verified-password cache.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "ddns/auth/authenticator.hpp"
#include "ddns/auth/token.hpp"
#include "fakes.hpp"

namespace ddns::auth {
namespace {

using fakes::CountingHasher;
using fakes::FakeAccountStore;
using fakes::FakeClock;
using std::chrono::hours;
using std::chrono::seconds;

constexpr const char* kPassword = "router-password";
constexpr const char* kToken = "abcdefghijklmnopqrstuvwxyz234567";

enum class Stored { CorrectHash, NoHash, Argon2iHash };

struct OutcomeCase {
    const char* name;
    const char* username;  // "alice" exists; anything else is unknown
    const char* secret;
    CredentialPolicy policy;
    Stored stored = Stored::CorrectHash;
    bool disabled = false;
    std::optional<hours> expires_in;  // relative to the fake clock; negative = in the past
    AuthStatus expected = AuthStatus::BadCredentials;
    int expected_argon2_runs = 0;
};

class AuthenticatorOutcome : public ::testing::TestWithParam<OutcomeCase> {};

TEST_P(AuthenticatorOutcome, Row) {
    const OutcomeCase& c = GetParam();
    FakeClock clock;
    CountingHasher hasher;
    FakeAccountStore store;

    Account alice;
    alice.id = 7;
    alice.username = "alice";
    alice.disabled = c.disabled;
    if (c.expires_in) alice.expires_at = clock.now + *c.expires_in;
    switch (c.stored) {
        case Stored::CorrectHash:
            alice.password_hash = hasher.hash(Secret(kPassword));
            break;
        case Stored::NoHash:
            break;
        case Stored::Argon2iHash:
            alice.password_hash = "$argon2i$v=19$m=8,t=3,p=1$c29tZXNhbHQ$aGFzaA";
            break;
    }
    store.add(alice, std::pair{token_digest(std::string_view(kToken)), TokenMatch{42, 3}});

    Authenticator auth(store, hasher, clock.function());
    const AuthOutcome out = auth.authenticate(c.username, Secret(c.secret), c.policy);

    EXPECT_EQ(out.status, c.expected);
    EXPECT_EQ(store.calls, 1) << "exactly one store round trip";
    // Token-shaped secrets are looked up by digest; a password's digest never reaches the store.
    const bool token_shaped = looks_like_token(Secret(c.secret));
    EXPECT_EQ(store.last_digest, token_shaped ? token_digest(std::string_view(c.secret)) : "");
    EXPECT_EQ(hasher.verifications, c.expected_argon2_runs);
    if (c.expected == AuthStatus::BadCredentials) {
        EXPECT_FALSE(out.principal.has_value()) << "a failure must not reveal the account";
    } else {
        ASSERT_TRUE(out.principal.has_value());
        EXPECT_EQ(out.principal->account.id, 7);
    }
    const bool by_token = std::string_view(c.secret) == kToken;
    if (out.principal && by_token) {
        ASSERT_TRUE(out.principal->token.has_value());
        EXPECT_EQ(out.principal->token->token_id, 42);
        EXPECT_EQ(out.principal->token->host_id, 3);
    }
}

using CP = CredentialPolicy;
using AS = AuthStatus;

INSTANTIATE_TEST_SUITE_P(
    Rows, AuthenticatorOutcome,
    ::testing::Values(
        // name, user, secret, policy, stored, disabled, expires_in, expected, argon2 runs
        OutcomeCase{"password_ok", "alice", kPassword, CP::PasswordOrToken, Stored::CorrectHash,
                    false, std::nullopt, AS::Ok, 1},
        OutcomeCase{"token_ok", "alice", kToken, CP::PasswordOrToken, Stored::CorrectHash, false,
                    std::nullopt, AS::Ok, 0},
        OutcomeCase{"token_ok_under_token_only", "alice", kToken, CP::TokenOnly,
                    Stored::CorrectHash, false, std::nullopt, AS::Ok, 0},
        OutcomeCase{"token_ok_without_password_hash", "alice", kToken, CP::PasswordOrToken,
                    Stored::NoHash, false, std::nullopt, AS::Ok, 0},
        OutcomeCase{"password_refused_under_token_only", "alice", kPassword, CP::TokenOnly,
                    Stored::CorrectHash, false, std::nullopt, AS::BadCredentials, 0},
        OutcomeCase{"wrong_password", "alice", "guess", CP::PasswordOrToken, Stored::CorrectHash,
                    false, std::nullopt, AS::BadCredentials, 1},
        OutcomeCase{"wrong_token_under_token_only", "alice", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                    CP::TokenOnly, Stored::CorrectHash, false, std::nullopt, AS::BadCredentials, 0},
        // Same argon2 cost as a wrong password: unknown users cannot be told apart by timing.
        OutcomeCase{"unknown_user", "mallory", kPassword, CP::PasswordOrToken, Stored::CorrectHash,
                    false, std::nullopt, AS::BadCredentials, 1},
        OutcomeCase{"unknown_user_token_only", "mallory", kToken, CP::TokenOnly,
                    Stored::CorrectHash, false, std::nullopt, AS::BadCredentials, 0},
        OutcomeCase{"account_without_password_hash", "alice", kPassword, CP::PasswordOrToken,
                    Stored::NoHash, false, std::nullopt, AS::BadCredentials, 1},
        OutcomeCase{"argon2i_hash_refused", "alice", kPassword, CP::PasswordOrToken,
                    Stored::Argon2iHash, false, std::nullopt, AS::BadCredentials, 1},
        OutcomeCase{"disabled_password", "alice", kPassword, CP::PasswordOrToken,
                    Stored::CorrectHash, true, std::nullopt, AS::Disabled, 1},
        OutcomeCase{"disabled_token", "alice", kToken, CP::TokenOnly, Stored::CorrectHash, true,
                    std::nullopt, AS::Disabled, 0},
        // Account state is not revealed to someone with a wrong password.
        OutcomeCase{"disabled_wrong_password", "alice", "guess", CP::PasswordOrToken,
                    Stored::CorrectHash, true, std::nullopt, AS::BadCredentials, 1},
        OutcomeCase{"expired_password", "alice", kPassword, CP::PasswordOrToken,
                    Stored::CorrectHash, false, hours(-1), AS::Expired, 1},
        OutcomeCase{"expired_token", "alice", kToken, CP::PasswordOrToken, Stored::CorrectHash,
                    false, hours(-1), AS::Expired, 0},
        OutcomeCase{"expires_now", "alice", kToken, CP::PasswordOrToken, Stored::CorrectHash, false,
                    hours(0), AS::Expired, 0},
        OutcomeCase{"expired_wrong_password", "alice", "guess", CP::PasswordOrToken,
                    Stored::CorrectHash, false, hours(-1), AS::BadCredentials, 1},
        OutcomeCase{"expires_later", "alice", kPassword, CP::PasswordOrToken, Stored::CorrectHash,
                    false, hours(1), AS::Ok, 1},
        OutcomeCase{"disabled_wins_over_expired", "alice", kToken, CP::PasswordOrToken,
                    Stored::CorrectHash, true, hours(-1), AS::Disabled, 0}),
    [](const auto& row) { return std::string(row.param.name); });

// Fixture for the multi-step scenarios: one account "alice" with password kPassword.
class AuthenticatorTest : public ::testing::Test {
protected:
    AuthenticatorTest() {
        Account alice;
        alice.id = 7;
        alice.username = "alice";
        alice.password_hash = hasher.hash(Secret(kPassword));
        store.add(alice);
    }

    AuthStatus login(Authenticator& auth, const char* password, const char* user = "alice") {
        return auth.authenticate(user, Secret(password), CredentialPolicy::PasswordOrToken).status;
    }
    // Accounts user0 .. user<count-1>, all with kPassword.
    void add_users(int count) {
        for (int i = 0; i < count; ++i) {
            Account a;
            a.id = 100 + i;
            a.username = "user" + std::to_string(i);
            a.password_hash = hasher.hash(Secret(kPassword));
            store.add(a);
        }
    }

    FakeClock clock;
    CountingHasher hasher;
    FakeAccountStore store;
};

TEST_F(AuthenticatorTest, CacheHitSkipsArgon2) {
    Authenticator auth(store, hasher, clock.function());
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
    EXPECT_EQ(hasher.verifications, 1);
    EXPECT_EQ(store.calls, 3) << "the cache saves argon2, never the store lookup";
    EXPECT_EQ(auth.cached_entries(), 1u);
}

TEST_F(AuthenticatorTest, WrongPasswordsAreNeverCached) {
    Authenticator auth(store, hasher, clock.function());
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
    EXPECT_EQ(login(auth, "guess"), AuthStatus::BadCredentials);
    EXPECT_EQ(login(auth, "guess"), AuthStatus::BadCredentials);
    EXPECT_EQ(hasher.verifications, 3);
    EXPECT_EQ(auth.cached_entries(), 1u);
}

TEST_F(AuthenticatorTest, CacheEntriesExpireAfterTheTtl) {
    Authenticator auth(store, hasher, clock.function(), AuthenticatorOptions{seconds(600), 100});
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
    clock.now += seconds(599);
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
    EXPECT_EQ(hasher.verifications, 1);
    clock.now += seconds(600);  // 600 s since the last use
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
    EXPECT_EQ(hasher.verifications, 2);
}

TEST_F(AuthenticatorTest, EveryUseKeepsTheEntryForAnotherTtl) {
    // A router that sends its password every 5 minutes must cost one argon2 run in all, not one
    // every cache_ttl: at 10 million hosts that would be thousands of runs a second.
    Authenticator auth(store, hasher, clock.function(), AuthenticatorOptions{seconds(600), 100});
    for (int i = 0; i < 12; ++i) {
        EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
        clock.now += seconds(300);
    }
    EXPECT_EQ(hasher.verifications, 1);
}

TEST_F(AuthenticatorTest, AFullCacheEvictsTheLeastRecentlyUsedNotEverything) {
    // Eight routers, room for four: each newcomer displaces the entries used longest ago, and
    // the ones in use stay. (A cache that empties itself when full makes every router pay
    // argon2 again as soon as there are more clients than entries.)
    add_users(8);
    Authenticator auth(store, hasher, clock.function(), AuthenticatorOptions{seconds(600), 4});
    const auto user = [](int i) { return "user" + std::to_string(i); };
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(login(auth, kPassword, user(i).c_str()), AuthStatus::Ok);
        clock.now += seconds(1);
    }
    // user0 and user1 are used again: user2 and user3 are now the least recently used.
    EXPECT_EQ(login(auth, kPassword, user(0).c_str()), AuthStatus::Ok);
    EXPECT_EQ(login(auth, kPassword, user(1).c_str()), AuthStatus::Ok);
    clock.now += seconds(1);
    EXPECT_EQ(hasher.verifications, 4);
    EXPECT_EQ(login(auth, kPassword, user(4).c_str()), AuthStatus::Ok);
    EXPECT_EQ(hasher.verifications, 5);
    EXPECT_LE(auth.cached_entries(), 4u);
    EXPECT_GE(auth.cached_entries(), 3u) << "one eviction frees a little room, not the whole cache";
    EXPECT_EQ(login(auth, kPassword, user(0).c_str()), AuthStatus::Ok);
    EXPECT_EQ(login(auth, kPassword, user(1).c_str()), AuthStatus::Ok);
    EXPECT_EQ(login(auth, kPassword, user(4).c_str()), AuthStatus::Ok);
    EXPECT_EQ(hasher.verifications, 5) << "recently used entries survived the eviction";
    EXPECT_EQ(login(auth, kPassword, user(2).c_str()), AuthStatus::Ok);
    EXPECT_EQ(hasher.verifications, 6) << "the least recently used entry was the one evicted";
}

TEST_F(AuthenticatorTest, ChangedPasswordHashMissesTheCache) {
    Authenticator auth(store, hasher, clock.function());
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
    // The password is changed: the old one must stop working at once, cached or not.
    store.account("alice").password_hash = hasher.hash(Secret("new-password"));
    EXPECT_EQ(login(auth, kPassword), AuthStatus::BadCredentials);
    EXPECT_EQ(login(auth, "new-password"), AuthStatus::Ok);
    EXPECT_EQ(hasher.verifications, 3);
}

TEST_F(AuthenticatorTest, CachedPasswordStillSeesDisabledAndExpired) {
    Authenticator auth(store, hasher, clock.function(), AuthenticatorOptions{hours(2), 100});
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
    store.account("alice").disabled = true;
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Disabled);
    store.account("alice").disabled = false;
    store.account("alice").expires_at = clock.now + hours(1);
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
    clock.now += hours(1);
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Expired);
    EXPECT_EQ(hasher.verifications, 1);
}

TEST_F(AuthenticatorTest, CacheIsBoundedByCapacity) {
    add_users(5);
    Authenticator auth(store, hasher, clock.function(), AuthenticatorOptions{seconds(600), 3});
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(login(auth, kPassword, ("user" + std::to_string(i)).c_str()), AuthStatus::Ok);
        EXPECT_LE(auth.cached_entries(), 3u);
    }
}

TEST_F(AuthenticatorTest, FullCacheDropsExpiredEntriesFirst) {
    add_users(3);
    Authenticator auth(store, hasher, clock.function(), AuthenticatorOptions{seconds(600), 2});
    EXPECT_EQ(login(auth, kPassword, "user0"), AuthStatus::Ok);
    clock.now += seconds(500);
    EXPECT_EQ(login(auth, kPassword, "user1"), AuthStatus::Ok);
    clock.now += seconds(200);  // user0's entry has expired, user1's has not
    EXPECT_EQ(login(auth, kPassword, "user2"), AuthStatus::Ok);
    EXPECT_EQ(auth.cached_entries(), 2u);
    const int runs = hasher.verifications;
    EXPECT_EQ(login(auth, kPassword, "user1"), AuthStatus::Ok);
    EXPECT_EQ(hasher.verifications, runs) << "the live entry survived the eviction";
}

TEST_F(AuthenticatorTest, ZeroCapacityDisablesTheCache) {
    Authenticator auth(store, hasher, clock.function(), AuthenticatorOptions{seconds(600), 0});
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
    EXPECT_EQ(login(auth, kPassword), AuthStatus::Ok);
    EXPECT_EQ(hasher.verifications, 2);
    EXPECT_EQ(auth.cached_entries(), 0u);
}

TEST_F(AuthenticatorTest, CacheIsPerAuthenticatorInstance) {
    // The cache key is random per instance, so nothing carries over (or could be precomputed).
    Authenticator first(store, hasher, clock.function());
    Authenticator second(store, hasher, clock.function());
    EXPECT_EQ(login(first, kPassword), AuthStatus::Ok);
    EXPECT_EQ(login(second, kPassword), AuthStatus::Ok);
    EXPECT_EQ(hasher.verifications, 2);
}

TEST_F(AuthenticatorTest, EmptyCredentialsAreRefusedWithoutALookup) {
    Authenticator auth(store, hasher, clock.function());
    EXPECT_EQ(login(auth, ""), AuthStatus::BadCredentials);
    EXPECT_EQ(login(auth, kPassword, ""), AuthStatus::BadCredentials);
    EXPECT_EQ(store.calls, 0);
}

TEST_F(AuthenticatorTest, StoreErrorsPropagate) {
    FakeAccountStore failing;
    failing.fail = true;
    Authenticator auth(failing, hasher, clock.function());
    EXPECT_THROW(login(auth, kPassword), StoreError);
    EXPECT_THROW((void)auth.authenticate_host(*DnsName::parse("home.example.org"),
                                              Secret(kPassword), CredentialPolicy::PasswordOrToken),
                 StoreError);
}

// ---- callers identified by a host name (DynamIP's SiteID) ----

constexpr const char* kWideToken = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

Host make_host(std::int64_t id, std::int64_t account_id, const char* name) {
    return Host{id,           account_id,   *DnsName::parse(name), 60,
                std::nullopt, std::nullopt, std::nullopt,          nullptr};
}

struct HostCase {
    const char* name;
    const char* site;  // alice owns home.example.org (3) and work.example.org (4); bob owns bob.
    const char* secret;
    CredentialPolicy policy;
    bool disabled = false;
    std::optional<hours> expires_in;
    AuthStatus expected = AuthStatus::BadCredentials;
    int expected_argon2_runs = 0;
};

class AuthenticatorHostOutcome : public ::testing::TestWithParam<HostCase> {};

TEST_P(AuthenticatorHostOutcome, Row) {
    const HostCase& c = GetParam();
    FakeClock clock;
    CountingHasher hasher;
    FakeAccountStore store;

    Account alice;
    alice.id = 7;
    alice.username = "alice";
    alice.disabled = c.disabled;
    if (c.expires_in) alice.expires_at = clock.now + *c.expires_in;
    alice.password_hash = hasher.hash(Secret(kPassword));
    // kToken is limited to home (host 3); the store matches one digest per account here.
    const bool wide = std::string_view(c.secret) == kWideToken;
    store.add(alice,
              std::pair{token_digest(std::string_view(wide ? kWideToken : kToken)),
                        TokenMatch{42, wide ? std::nullopt : std::optional<std::int64_t>(3)}});
    store.add_host("alice", make_host(3, 7, "home.example.org"));
    store.add_host("alice", make_host(4, 7, "work.example.org"));
    Account bob;
    bob.id = 8;
    bob.username = "bob";
    bob.password_hash = hasher.hash(Secret("bob's password"));
    store.add(bob);
    store.add_host("bob", make_host(5, 8, "bob.example.org"));
    hasher.verifications = 0;

    Authenticator auth(store, hasher, clock.function());
    const AuthOutcome out =
        auth.authenticate_host(*DnsName::parse(c.site), Secret(c.secret), c.policy);

    EXPECT_EQ(out.status, c.expected);
    EXPECT_EQ(store.host_lookups, 1);
    EXPECT_LE(store.calls, 1);
    EXPECT_EQ(hasher.verifications, c.expected_argon2_runs);
    if (c.expected == AuthStatus::BadCredentials) {
        EXPECT_FALSE(out.principal.has_value()) << "a failure must not reveal the account";
    } else {
        ASSERT_TRUE(out.principal.has_value());
        EXPECT_EQ(out.principal->account.id, 7);
        const auto site = *DnsName::parse(c.site);
        EXPECT_TRUE(std::any_of(out.principal->hosts.begin(), out.principal->hosts.end(),
                                [&](const Host& h) { return h.name == site; }));
    }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, AuthenticatorHostOutcome,
    ::testing::Values(
        // name, site, secret, policy, disabled, expires_in, expected, argon2 runs
        HostCase{"password_for_own_host", "home.example.org", kPassword, CP::PasswordOrToken, false,
                 std::nullopt, AS::Ok, 1},
        HostCase{"site_id_in_upper_case", "HOME.Example.ORG", kPassword, CP::PasswordOrToken, false,
                 std::nullopt, AS::Ok, 1},
        HostCase{"scoped_token_for_its_host", "home.example.org", kToken, CP::PasswordOrToken,
                 false, std::nullopt, AS::Ok, 0},
        HostCase{"scoped_token_for_another_host", "work.example.org", kToken, CP::PasswordOrToken,
                 false, std::nullopt, AS::BadCredentials, 0},
        HostCase{"account_wide_token", "work.example.org", kWideToken, CP::PasswordOrToken, false,
                 std::nullopt, AS::Ok, 0},
        HostCase{"wrong_password", "home.example.org", "guess", CP::PasswordOrToken, false,
                 std::nullopt, AS::BadCredentials, 1},
        // Same argon2 cost as a wrong password: unknown host names are not revealed by timing.
        HostCase{"unknown_host", "nothere.example.org", kPassword, CP::PasswordOrToken, false,
                 std::nullopt, AS::BadCredentials, 1},
        HostCase{"unknown_host_token_only", "nothere.example.org", kToken, CP::TokenOnly, false,
                 std::nullopt, AS::BadCredentials, 0},
        HostCase{"another_accounts_host", "bob.example.org", kPassword, CP::PasswordOrToken, false,
                 std::nullopt, AS::BadCredentials, 1},
        HostCase{"another_accounts_host_with_token", "bob.example.org", kWideToken,
                 CP::PasswordOrToken, false, std::nullopt, AS::BadCredentials, 1},
        HostCase{"disabled", "home.example.org", kPassword, CP::PasswordOrToken, true, std::nullopt,
                 AS::Disabled, 1},
        HostCase{"disabled_wrong_password", "home.example.org", "guess", CP::PasswordOrToken, true,
                 std::nullopt, AS::BadCredentials, 1},
        HostCase{"expired_token", "home.example.org", kToken, CP::PasswordOrToken, false, hours(-1),
                 AS::Expired, 0},
        HostCase{"expired_wrong_password", "home.example.org", "guess", CP::PasswordOrToken, false,
                 hours(-1), AS::BadCredentials, 1},
        HostCase{"expired_scoped_token_for_another_host", "work.example.org", kToken,
                 CP::PasswordOrToken, false, hours(-1), AS::BadCredentials, 0}),
    [](const auto& row) { return std::string(row.param.name); });

TEST_F(AuthenticatorTest, HostThatChangedHandsBetweenTheLookupsIsRefused) {
    Account bob;
    bob.id = 8;
    bob.username = "bob";
    bob.password_hash = hasher.hash(Secret("bob's password"));
    store.add(bob);
    store.add_host("bob", make_host(5, 8, "moved.example.org"));
    // The first lookup still names alice, but her hosts (loaded next) no longer include it.
    store.owner_override = "alice";
    Authenticator auth(store, hasher, clock.function());
    const auto out = auth.authenticate_host(*DnsName::parse("moved.example.org"), Secret(kPassword),
                                            CredentialPolicy::PasswordOrToken);
    EXPECT_EQ(out.status, AuthStatus::BadCredentials);
    EXPECT_FALSE(out.principal);
    EXPECT_EQ(store.calls, 1);
}

TEST_F(AuthenticatorTest, HostCheckWithAnEmptySecretLooksNothingUp) {
    store.add_host("alice", make_host(3, 7, "home.example.org"));
    Authenticator auth(store, hasher, clock.function());
    const auto out = auth.authenticate_host(*DnsName::parse("home.example.org"), Secret(""),
                                            CredentialPolicy::PasswordOrToken);
    EXPECT_EQ(out.status, AuthStatus::BadCredentials);
    EXPECT_EQ(store.host_lookups, 0);
    EXPECT_EQ(store.calls, 0);
}

TEST_F(AuthenticatorTest, HostCheckSharesThePasswordCache) {
    store.add_host("alice", make_host(3, 7, "home.example.org"));
    Authenticator auth(store, hasher, clock.function());
    const int before = hasher.verifications;
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(auth.authenticate_host(*DnsName::parse("home.example.org"), Secret(kPassword),
                                         CredentialPolicy::PasswordOrToken)
                      .status,
                  AuthStatus::Ok);
    EXPECT_EQ(hasher.verifications, before + 1)
        << "a heartbeat every 15 minutes costs one argon2 run";
}

}  // namespace
}  // namespace ddns::auth
