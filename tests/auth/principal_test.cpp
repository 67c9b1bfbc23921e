// Principal::may_update, the one token-scope and ownership rule, row by row; and the views
// built on it (updatable_hosts, updatable_host, may_manage_zones).
#include <gtest/gtest.h>

#include <optional>
#include <ostream>

#include "ddns/auth/model.hpp"

namespace ddns::auth {
namespace {

DnsName name(const char* text) {
    return *DnsName::parse(text);
}

// The zone plays no part in the rule, so the hosts go without one.
Host host(std::int64_t id, const char* host_name) {
    return Host{id, 10, name(host_name), 60, std::nullopt, std::nullopt, std::nullopt, nullptr};
}

Principal principal(std::optional<TokenMatch> token) {
    Principal p;
    p.account.id = 10;
    p.token = token;
    p.hosts.push_back(host(100, "home.dyn.example"));
    p.hosts.push_back(host(101, "cabin.dyn.example"));
    return p;
}

struct ScopeCase {
    const char* credential;
    std::optional<TokenMatch> token;
    std::int64_t host_id;
    bool allowed;
};

void PrintTo(const ScopeCase& c, std::ostream* out) {
    *out << c.credential << " -> host " << c.host_id;
}

class MayUpdate : public ::testing::TestWithParam<ScopeCase> {};

TEST_P(MayUpdate, OneRowPerCredentialAndHost) {
    const ScopeCase& c = GetParam();
    const Principal p = principal(c.token);
    EXPECT_EQ(p.may_update(host(c.host_id, "x.dyn.example")), c.allowed);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MayUpdate,
    ::testing::Values(ScopeCase{"password", std::nullopt, 100, true},
                      ScopeCase{"password", std::nullopt, 101, true},
                      ScopeCase{"password, another account's host", std::nullopt, 200, false},
                      ScopeCase{"account-wide token", TokenMatch{7, std::nullopt}, 101, true},
                      ScopeCase{"account-wide token, foreign host", TokenMatch{7, std::nullopt},
                                200, false},
                      ScopeCase{"token for 100", TokenMatch{7, 100}, 100, true},
                      ScopeCase{"token for 100", TokenMatch{7, 100}, 101, false},
                      ScopeCase{"token for a foreign host", TokenMatch{7, 200}, 200, false}));

TEST(Principal, UpdatableHostsAndNamesFollowTheRule) {
    const Principal password = principal(std::nullopt);
    EXPECT_EQ(password.updatable_hosts().size(), 2u);
    EXPECT_EQ(password.updatable_host(name("cabin.dyn.example")), &password.hosts[1]);
    EXPECT_EQ(password.updatable_host(name("other.dyn.example")), nullptr);
    EXPECT_TRUE(password.may_manage_zones());

    const Principal scoped = principal(TokenMatch{7, 100});
    ASSERT_EQ(scoped.updatable_hosts().size(), 1u);
    EXPECT_EQ(scoped.updatable_hosts().front()->id, 100);
    EXPECT_EQ(scoped.updatable_host(name("home.dyn.example")), &scoped.hosts[0]);
    EXPECT_EQ(scoped.updatable_host(name("cabin.dyn.example")), nullptr);
    EXPECT_FALSE(scoped.may_manage_zones());
    EXPECT_TRUE(principal(TokenMatch{7, std::nullopt}).may_manage_zones());
}

}  // namespace
}  // namespace ddns::auth
