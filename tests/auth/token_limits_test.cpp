// Least-privilege tokens: TokenMatch::usable row by row (networks, max_age, max_unused), the
// purpose in Principal's rules, and the authenticator refusing an unusable token as bad
// credentials (counted by the throttle) without recording its use.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "ddns/auth/authenticator.hpp"
#include "ddns/auth/token.hpp"
#include "fakes.hpp"

namespace ddns::auth {
namespace {

using fakes::CountingHasher;
using fakes::FakeAccountStore;
using fakes::FakeClock;
using fakes::FakeSteadyClock;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

IpNetwork net(const char* text) {
    return *IpNetwork::parse(text);
}

const TimePoint kCreated = TimePoint{} + hours(24 * 365 * 50);

struct UsableCase {
    const char* name;
    std::vector<IpNetwork> networks;
    std::optional<seconds> max_age;
    std::optional<seconds> max_unused;
    std::optional<seconds> last_used_after_creation;
    std::optional<IpAddress> client;
    seconds now_after_creation;
    bool usable;
};

void PrintTo(const UsableCase& c, std::ostream* out) {
    *out << c.name;
}

class TokenUsable : public ::testing::TestWithParam<UsableCase> {};

TEST_P(TokenUsable, Row) {
    const UsableCase& c = GetParam();
    TokenMatch t{1, std::nullopt};
    t.limits.networks = c.networks;
    t.limits.max_age = c.max_age;
    t.limits.max_unused = c.max_unused;
    t.created = kCreated;
    if (c.last_used_after_creation) t.last_used = kCreated + *c.last_used_after_creation;
    EXPECT_EQ(t.usable(c.client, kCreated + c.now_after_creation), c.usable);
}

const std::optional<IpAddress> kHome = ip("192.0.2.10");
const std::optional<IpAddress> kAway = ip("198.51.100.7");
const std::optional<IpAddress> kHome6 = ip("2001:db8:5::9");

INSTANTIATE_TEST_SUITE_P(
    Table, TokenUsable,
    ::testing::Values(
        UsableCase{"no limits", {}, {}, {}, {}, kAway, hours(1000), true},
        UsableCase{"no limits, client unknown", {}, {}, {}, {}, std::nullopt, hours(1), true},
        UsableCase{"inside its network", {net("192.0.2.0/24")}, {}, {}, {}, kHome, hours(1), true},
        UsableCase{
            "outside its network", {net("192.0.2.0/24")}, {}, {}, {}, kAway, hours(1), false},
        UsableCase{"inside the second network",
                   {net("192.0.2.0/24"), net("2001:db8:5::/48")},
                   {},
                   {},
                   {},
                   kHome6,
                   hours(1),
                   true},
        UsableCase{"IPv6 client, only an IPv4 network",
                   {net("192.0.2.0/24")},
                   {},
                   {},
                   {},
                   kHome6,
                   hours(1),
                   false},
        UsableCase{"networks set, client unknown",
                   {net("0.0.0.0/0")},
                   {},
                   {},
                   {},
                   std::nullopt,
                   hours(1),
                   false},
        UsableCase{"younger than max_age", {}, hours(24), {}, {}, kAway, hours(23), true},
        UsableCase{"exactly max_age old", {}, hours(24), {}, {}, kAway, hours(24), false},
        UsableCase{"older than max_age, used recently",
                   {},
                   hours(24),
                   {},
                   hours(47),
                   kAway,
                   hours(48),
                   false},
        UsableCase{
            "never used, within max_unused", {}, {}, hours(2), {}, kAway, minutes(119), true},
        UsableCase{"never used, past max_unused", {}, {}, hours(2), {}, kAway, hours(2), false},
        UsableCase{
            "used an hour ago, max_unused 2h", {}, {}, hours(2), hours(9), kAway, hours(10), true},
        UsableCase{"idle past max_unused", {}, {}, hours(2), hours(7), kAway, hours(10), false}));

Host host(std::int64_t id, const char* name) {
    return Host{id,           10,           *DnsName::parse(name), 60,
                std::nullopt, std::nullopt, std::nullopt,          nullptr};
}

Principal with_token(std::optional<TokenMatch> token) {
    Principal p;
    p.account.id = 10;
    p.token = token;
    p.hosts.push_back(host(100, "home.dyn.example"));
    p.hosts.push_back(host(101, "cabin.dyn.example"));
    return p;
}

TokenMatch acme_token(std::optional<std::int64_t> host_id) {
    TokenMatch t{7, host_id};
    t.limits.purpose = TokenPurpose::Acme;
    return t;
}

struct PurposeCase {
    const char* credential;
    std::optional<TokenMatch> token;
    std::int64_t host_id;
    bool may_update;
    bool may_answer_challenge;
};

void PrintTo(const PurposeCase& c, std::ostream* out) {
    *out << c.credential << " -> host " << c.host_id;
}

class TokenPurposeRule : public ::testing::TestWithParam<PurposeCase> {};

TEST_P(TokenPurposeRule, Row) {
    const PurposeCase& c = GetParam();
    const Principal p = with_token(c.token);
    const Host h = host(c.host_id, "x.dyn.example");
    EXPECT_EQ(p.may_update(h), c.may_update);
    EXPECT_EQ(p.may_answer_challenge(h), c.may_answer_challenge);
}

INSTANTIATE_TEST_SUITE_P(
    Table, TokenPurposeRule,
    ::testing::Values(
        PurposeCase{"password", std::nullopt, 100, true, true},
        PurposeCase{"password, another account's host", std::nullopt, 200, false, false},
        PurposeCase{"update token", TokenMatch{7, std::nullopt}, 100, true, false},
        PurposeCase{"update token for 100", TokenMatch{7, 100}, 100, true, false},
        PurposeCase{"ACME token", acme_token(std::nullopt), 101, false, true},
        PurposeCase{"ACME token for 100", acme_token(100), 100, false, true},
        PurposeCase{"ACME token for 100, other host", acme_token(100), 101, false, false},
        PurposeCase{"ACME token, foreign host", acme_token(std::nullopt), 200, false, false}));

TEST(TokenPurpose, AnAcmeTokenSeesNoHostToUpdateAndNoZones) {
    const Principal p = with_token(acme_token(std::nullopt));
    EXPECT_TRUE(p.updatable_hosts().empty());
    EXPECT_EQ(p.updatable_host(*DnsName::parse("home.dyn.example")), nullptr);
    EXPECT_FALSE(p.may_manage_zones());
}

TEST(TokenPurpose, WordsRoundTrip) {
    for (TokenPurpose p : {TokenPurpose::Update, TokenPurpose::Acme})
        EXPECT_EQ(parse_token_purpose(to_string(p)), p);
    EXPECT_FALSE(parse_token_purpose("Update"));
    EXPECT_FALSE(parse_token_purpose(""));
}

constexpr const char* kToken = "abcdefghijklmnopqrstuvwxyz234567";

class AuthenticatorTokenLimits : public ::testing::Test {
protected:
    AuthenticatorTokenLimits() {
        Account alice;
        alice.id = 7;
        alice.username = "alice";
        alice.password_hash = hasher.hash(Secret("router-password"));
        store.add(alice);
        store.add_host("alice", host(3, "home.example.org"));
        clock.now = kCreated + hours(1);
    }

    void add_token(TokenLimits limits) {
        TokenMatch t{42, std::nullopt};
        t.limits = std::move(limits);
        t.created = kCreated;
        store.add_token("alice", token_digest(std::string_view(kToken)), t);
    }

    AuthOutcome use(const IpAddress& from) {
        return auth.authenticate("alice", Secret(kToken), CredentialPolicy::PasswordOrToken, from);
    }

    static FailureThrottleOptions policy() {
        FailureThrottleOptions o;
        o.address_failures = 3;
        o.address_initial = seconds(2);
        o.address_max = seconds(60);
        o.account_failures = 100;
        o.account_lock = seconds(20);
        o.network_failures = 100;
        o.network_initial = seconds(5);
        o.network_max = seconds(10);
        return o;
    }

    FakeClock clock;
    FakeSteadyClock steady;
    CountingHasher hasher;
    FakeAccountStore store;
    FailureThrottle throttle{policy(), steady.function()};
    Authenticator auth{store, hasher, clock.function(), AuthenticatorOptions{}, &throttle};
};

TEST_F(AuthenticatorTokenLimits, OutsideItsNetworksTheTokenIsBadCredentialsAndCounts) {
    add_token(TokenLimits{TokenPurpose::Update, {net("192.0.2.0/24")}, {}, {}});
    EXPECT_EQ(use(*kHome).status, AuthStatus::Ok);
    for (int i = 0; i < 3; ++i) {
        const AuthOutcome out = use(*kAway);
        EXPECT_EQ(out.status, AuthStatus::BadCredentials);
        EXPECT_FALSE(out.principal) << "a refused token must not reveal the account";
    }
    // Three failures lock the address out: the fourth attempt is not even checked.
    const int lookups = store.calls;
    EXPECT_EQ(use(*kAway).status, AuthStatus::Throttled);
    EXPECT_EQ(store.calls, lookups);
    EXPECT_EQ(use(*kHome).status, AuthStatus::Ok) << "the lock is the address's, not the token's";
}

TEST_F(AuthenticatorTokenLimits, ExpiredTokensAreBadCredentials) {
    add_token(TokenLimits{TokenPurpose::Update, {}, hours(2), {}});
    EXPECT_EQ(use(*kAway).status, AuthStatus::Ok);
    clock.now = kCreated + hours(2);
    EXPECT_EQ(use(*kAway).status, AuthStatus::BadCredentials);
}

TEST_F(AuthenticatorTokenLimits, AnIdleTokenStaysDeadWhenTried) {
    add_token(TokenLimits{TokenPurpose::Update, {}, {}, hours(3)});
    clock.now = kCreated + hours(2);
    EXPECT_EQ(use(*kHome).status, AuthStatus::Ok);  // recorded: idle from now on
    clock.now += hours(2) + minutes(59);
    EXPECT_EQ(use(*kHome).status, AuthStatus::Ok);
    clock.now += hours(3);
    const std::size_t recorded = store.token_uses.size();
    EXPECT_EQ(use(*kHome).status, AuthStatus::BadCredentials);
    EXPECT_EQ(use(*kHome).status, AuthStatus::BadCredentials)
        << "a refused attempt must not count as a use that revives the token";
    EXPECT_EQ(store.token_uses.size(), recorded);
}

TEST_F(AuthenticatorTokenLimits, UsesAreRecordedAtMostEveryFiveMinutesPerAddress) {
    add_token(TokenLimits{});
    EXPECT_EQ(use(*kHome).status, AuthStatus::Ok);
    ASSERT_EQ(store.token_uses.size(), 1U);
    EXPECT_EQ(store.token_uses[0].token_id, 42);
    EXPECT_EQ(store.token_uses[0].client, kHome);
    EXPECT_EQ(store.token_uses[0].at, clock.now);

    clock.now += minutes(4);
    EXPECT_EQ(use(*kHome).status, AuthStatus::Ok);
    EXPECT_EQ(store.token_uses.size(), 1U) << "same address within the interval: no write";
    EXPECT_EQ(use(*kAway).status, AuthStatus::Ok);
    ASSERT_EQ(store.token_uses.size(), 2U) << "another address is written at once";
    EXPECT_EQ(store.token_uses[1].client, kAway);
    clock.now += minutes(5);
    EXPECT_EQ(use(*kAway).status, AuthStatus::Ok);
    EXPECT_EQ(store.token_uses.size(), 3U);
}

TEST_F(AuthenticatorTokenLimits, AnAcmeTokenIsNoCredentialForAHostUpdate) {
    add_token(TokenLimits{TokenPurpose::Acme, {}, {}, {}});
    // The credential itself is valid (the ACME endpoints accept it) ...
    const AuthOutcome out = use(*kHome);
    ASSERT_EQ(out.status, AuthStatus::Ok);
    EXPECT_TRUE(out.principal->updatable_hosts().empty());
    // ... but a dialect naming the host gets nothing (DynamIP's path).
    EXPECT_EQ(auth.authenticate_host(*DnsName::parse("home.example.org"), Secret(kToken),
                                     CredentialPolicy::PasswordOrToken, *kHome)
                  .status,
              AuthStatus::BadCredentials);
}

}  // namespace
}  // namespace ddns::auth
