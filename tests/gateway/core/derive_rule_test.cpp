// The rules of a derived host shared by `admin host derive`, the pages and the JSON API (one row
// per case): the interface ID and prefix length, and which host may follow which.
#include <gtest/gtest.h>

#include "ddns/gateway/core/ipv6_prefix.hpp"
#include "dialect_fixture.hpp"

namespace ddns::gateway {
namespace {

struct InputCase {
    const char* interface_id;
    unsigned prefix_length;
    bool accepted;
};

class DeriveInput : public ::testing::TestWithParam<InputCase> {};

TEST_P(DeriveInput, Rule) {
    const auto& c = GetParam();
    const auto problem = derive_input_problem(*IpAddress::parse(c.interface_id), c.prefix_length);
    EXPECT_EQ(!problem.has_value(), c.accepted)
        << c.interface_id << " /" << c.prefix_length << ": " << problem.value_or("accepted");
}

INSTANTIATE_TEST_SUITE_P(
    Table, DeriveInput,
    ::testing::Values(InputCase{"::1:2:3:4", 56, true}, InputCase{"::1:2:3:4", 64, true},
                      InputCase{"0:0:0:2a::10", 56, true}, InputCase{"::5", 16, true},
                      InputCase{"0:1::5", 16, true}, InputCase{"::f:0:0:0:5", 60, true},
                      InputCase{"::1f:0:0:0:5", 60, false},  // bit 59
                      InputCase{"2001:db8::1", 56, false},   // an address
                      InputCase{"::", 56, false},            // no host part
                      InputCase{"::1:0:0:0:0", 64, false},   // only prefix
                      InputCase{"::1", 65, false}, InputCase{"::1", 15, false},
                      InputCase{"::1", 0, false}, InputCase{"192.0.2.1", 56, false}));

class DeriveRefusalTest : public ::testing::Test, public fakes::DialectFixture {
protected:
    DeriveRefusalTest() {
        for (std::int64_t id = 1; id <= 4; ++id)
            hosts.push_back(
                auth::Host{id, 1, *DnsName::parse("h" + std::to_string(id) + ".example.org"), 60,
                           std::nullopt, std::nullopt, std::nullopt, id == 4 ? other : home});
        hosts[1].derive_from = 1;  // h2 follows h1
        hosts[1].interface_id = IpAddress::parse("::2");
    }
    std::optional<DeriveRefusal> refusal(std::size_t host, std::size_t router) {
        return derive_refusal(hosts, hosts[host - 1], hosts[router - 1]);
    }
    std::shared_ptr<const auth::Zone> home = zone(7, "example.org");
    std::shared_ptr<const auth::Zone> other = zone(8, "example.net");
    std::vector<auth::Host> hosts;
};

TEST_F(DeriveRefusalTest, OneAccountOneZoneNoChains) {
    EXPECT_EQ(refusal(3, 1), std::nullopt);  // h3 may follow h1
    EXPECT_EQ(refusal(2, 1), std::nullopt);  // changed, same router
    EXPECT_EQ(refusal(3, 3), DeriveRefusal::Itself);
    EXPECT_EQ(refusal(4, 1), DeriveRefusal::OtherZone);      // h4 is in another zone
    EXPECT_EQ(refusal(3, 2), DeriveRefusal::RouterDerived);  // h2 follows h1 already
    EXPECT_EQ(refusal(1, 3), DeriveRefusal::HasDerived);     // h2 follows h1
    hosts[2].account_id = 2;
    EXPECT_EQ(refusal(3, 1), DeriveRefusal::OtherAccount);
    EXPECT_NE(to_sentence(DeriveRefusal::OtherZone, hosts[3].name).find("h4.example.org"),
              std::string::npos);
}

}  // namespace
}  // namespace ddns::gateway
