// Authenticator with a FailureThrottle: what counts as a failure, that a throttled request costs
// no store lookup and no argon2 run, and that the lock ends for the right password.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "ddns/auth/authenticator.hpp"
#include "fakes.hpp"

namespace ddns::auth {
namespace {

using fakes::CountingHasher;
using fakes::FakeAccountStore;
using fakes::FakeClock;
using fakes::FakeSteadyClock;
using std::chrono::seconds;

constexpr const char* kPassword = "router-password";
const IpAddress kAttacker = *IpAddress::parse("198.51.100.3");
const IpAddress kRouter = *IpAddress::parse("198.51.100.4");

class AuthenticatorThrottle : public ::testing::Test {
protected:
    AuthenticatorThrottle() {
        Account alice;
        alice.id = 7;
        alice.username = "alice";
        alice.password_hash = hasher.hash(Secret(kPassword));
        store.add(alice);
    }

    static FailureThrottleOptions policy() {
        FailureThrottleOptions o;
        o.address_failures = 3;
        o.address_initial = seconds(2);
        o.address_max = seconds(60);
        o.account_failures = 6;
        o.account_lock = seconds(20);
        o.network_failures = 8;
        o.network_initial = seconds(5);
        o.network_max = seconds(10);
        return o;
    }

    AuthOutcome login(const char* password, const IpAddress& from, const char* user = "alice") {
        return auth.authenticate(user, Secret(password), CredentialPolicy::PasswordOrToken, from);
    }

    FakeClock clock;
    FakeSteadyClock steady;
    CountingHasher hasher;
    FakeAccountStore store;
    FailureThrottle throttle{policy(), steady.function()};
    Authenticator auth{store, hasher, clock.function(), AuthenticatorOptions{}, &throttle};
};

TEST_F(AuthenticatorThrottle, AThrottledRequestIsNotCheckedAtAll) {
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(login("guess", kAttacker).status, AuthStatus::BadCredentials);
    const int lookups = store.calls;
    const int argon2_runs = hasher.verifications;

    const AuthOutcome out = login(kPassword, kAttacker);  // even the right password
    EXPECT_EQ(out.status, AuthStatus::Throttled);
    EXPECT_EQ(out.retry_after, seconds(2));
    EXPECT_FALSE(out.principal.has_value());
    EXPECT_EQ(store.calls, lookups) << "no store round trip while locked";
    EXPECT_EQ(hasher.verifications, argon2_runs) << "no argon2 run while locked";
}

TEST_F(AuthenticatorThrottle, NamesWithControlBytesCountAgainstTheAccountTheyName) {
    using namespace std::string_literals;
    for (const std::string& name : {"alice\0"s + "1", "alice\0"s + "2", "alice\x01x"s}) {
        const AuthOutcome out =
            auth.authenticate(name, Secret("guess"), CredentialPolicy::PasswordOrToken, kAttacker);
        ASSERT_EQ(out.status, AuthStatus::BadCredentials);
    }
    EXPECT_EQ(login(kPassword, kAttacker).status, AuthStatus::Throttled)
        << "three failures against alice lock alice from that address";
}

TEST_F(AuthenticatorThrottle, ANameWithANulDoesNotLogInEvenWithTheRightPassword) {
    using namespace std::string_literals;
    const AuthOutcome out = auth.authenticate("alice\0zz"s, Secret(kPassword),
                                              CredentialPolicy::PasswordOrToken, kRouter);
    EXPECT_EQ(out.status, AuthStatus::BadCredentials);
    EXPECT_FALSE(out.principal.has_value());
    const AuthOutcome nul_in_password = auth.authenticate(
        "alice", Secret(kPassword + "\0x"s), CredentialPolicy::PasswordOrToken, kRouter);
    EXPECT_EQ(nul_in_password.status, AuthStatus::BadCredentials);
    EXPECT_EQ(login(kPassword, kRouter).status, AuthStatus::Ok);
}

TEST_F(AuthenticatorThrottle, TheRightPasswordWorksWhenTheLockEnds) {
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(login("guess", kAttacker).status, AuthStatus::BadCredentials);
    ASSERT_EQ(login(kPassword, kAttacker).status, AuthStatus::Throttled);
    steady.now += seconds(2);
    EXPECT_EQ(login(kPassword, kAttacker).status, AuthStatus::Ok);
}

TEST_F(AuthenticatorThrottle, AnotherClientOfTheAccountIsNotLockedByAnAddressLock) {
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(login("guess", kAttacker).status, AuthStatus::BadCredentials);
    ASSERT_EQ(login(kPassword, kAttacker).status, AuthStatus::Throttled);
    EXPECT_EQ(login(kPassword, kRouter).status, AuthStatus::Ok);
}

TEST_F(AuthenticatorThrottle, UnknownUsersAreThrottledExactlyLikeKnownOnes) {
    for (const char* user : {"alice", "mallory"}) {
        for (int i = 0; i < 3; ++i)
            ASSERT_EQ(login("guess", kAttacker, user).status, AuthStatus::BadCredentials) << user;
        const AuthOutcome out = login("guess", kAttacker, user);
        EXPECT_EQ(out.status, AuthStatus::Throttled) << user;
        EXPECT_EQ(out.retry_after, seconds(2)) << user;
    }
}

TEST_F(AuthenticatorThrottle, DisabledOrExpiredAfterTheRightPasswordIsNotAFailure) {
    store.account("alice").disabled = true;
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(login(kPassword, kAttacker).status, AuthStatus::Disabled);
    store.account("alice").disabled = false;
    store.account("alice").expires_at = clock.now;
    for (int i = 0; i < 10; ++i) EXPECT_EQ(login(kPassword, kAttacker).status, AuthStatus::Expired);
}

TEST_F(AuthenticatorThrottle, ADatabaseOutageCountsAsNothing) {
    store.fail = true;
    for (int i = 0; i < 20; ++i) {
        EXPECT_THROW(login(kPassword, kRouter), StoreError);
        EXPECT_THROW(login("guess", kAttacker), StoreError);
    }
    store.fail = false;
    EXPECT_EQ(login(kPassword, kRouter).status, AuthStatus::Ok);
    EXPECT_EQ(login("guess", kAttacker).status, AuthStatus::BadCredentials);
    EXPECT_EQ(login("guess", kAttacker).status, AuthStatus::BadCredentials);
    EXPECT_EQ(login(kPassword, kAttacker).status, AuthStatus::Ok) << "only two failures counted";
}

TEST_F(AuthenticatorThrottle, WrongTokensCountLikeWrongPasswords) {
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(login("abcdefghijklmnopqrstuvwxyz234567", kAttacker).status,
                  AuthStatus::BadCredentials);
    EXPECT_EQ(login(kPassword, kAttacker).status, AuthStatus::Throttled);
}

TEST_F(AuthenticatorThrottle, DistributedGuessingLocksTheAccountForABoundedTime) {
    // A router that updated before the attack keeps working; a new address waits at most the
    // account lock.
    ASSERT_EQ(login(kPassword, kRouter).status, AuthStatus::Ok);
    for (int i = 1; i <= 6; ++i) {
        const auto from = *IpAddress::parse("203.0.113." + std::to_string(i));
        ASSERT_EQ(login("guess", from).status, AuthStatus::BadCredentials);
    }
    const auto newcomer = *IpAddress::parse("192.0.2.9");
    const AuthOutcome out = login(kPassword, newcomer);
    EXPECT_EQ(out.status, AuthStatus::Throttled);
    EXPECT_EQ(out.retry_after, seconds(20));
    EXPECT_EQ(login(kPassword, kRouter).status, AuthStatus::Ok);
    steady.now += seconds(20);
    EXPECT_EQ(login(kPassword, newcomer).status, AuthStatus::Ok);
}

TEST_F(AuthenticatorThrottle, SprayingLocksTheAddressButNotItsTrustedLogins) {
    const auto nat = *IpAddress::parse("192.0.2.50");
    ASSERT_EQ(login(kPassword, nat).status, AuthStatus::Ok);  // a router behind the NAT
    for (int i = 0; i < 8; ++i) {
        const std::string name = "user" + std::to_string(i);
        ASSERT_EQ(login("guess", nat, name.c_str()).status, AuthStatus::BadCredentials) << name;
    }
    const int lookups = store.calls;
    const int argon2_runs = hasher.verifications;
    const AuthOutcome out = login("guess", nat, "user99");
    EXPECT_EQ(out.status, AuthStatus::Throttled);
    EXPECT_EQ(out.retry_after, seconds(5));
    EXPECT_EQ(store.calls, lookups) << "no store round trip while locked";
    EXPECT_EQ(hasher.verifications, argon2_runs) << "no argon2 run while locked";

    EXPECT_EQ(login(kPassword, nat).status, AuthStatus::Ok) << "trusted (address, name)";
    EXPECT_EQ(login("guess", kRouter, "user99").status, AuthStatus::BadCredentials)
        << "another address is not affected";
}

TEST_F(AuthenticatorThrottle, WithoutAClientAddressNothingIsThrottled) {
    for (int i = 0; i < 10; ++i)
        ASSERT_EQ(
            auth.authenticate("alice", Secret("guess"), CredentialPolicy::PasswordOrToken).status,
            AuthStatus::BadCredentials);
    EXPECT_EQ(
        auth.authenticate("alice", Secret(kPassword), CredentialPolicy::PasswordOrToken).status,
        AuthStatus::Ok);
    EXPECT_EQ(throttle.address_entries(), 0u);
}

}  // namespace
}  // namespace ddns::auth
