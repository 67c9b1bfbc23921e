// is_publicly_routable and AddressPolicy: both sides of every range boundary in protocols.md §6.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "ddns/gateway/core/address_policy.hpp"

namespace ddns::gateway {
namespace {

struct RoutableCase {
    const char* address;
    bool routable;
};

class PublicRoutability : public ::testing::TestWithParam<RoutableCase> {};

TEST_P(PublicRoutability, Row) {
    const auto address = IpAddress::parse(GetParam().address);
    ASSERT_TRUE(address) << GetParam().address;
    EXPECT_EQ(is_publicly_routable(*address), GetParam().routable) << GetParam().address;
    EXPECT_EQ(AddressPolicy{}.allows(*address), GetParam().routable) << GetParam().address;
}

std::string row_name(const ::testing::TestParamInfo<RoutableCase>& row) {
    std::string name = std::to_string(row.index) + "_";
    for (const char* c = row.param.address; *c != '\0'; ++c) {
        name += (std::isalnum(static_cast<unsigned char>(*c)) != 0) ? *c : '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(
    V4, PublicRoutability,
    ::testing::Values(
        // 0/8 "this network"
        RoutableCase{"0.0.0.0", false}, RoutableCase{"0.255.255.255", false},
        RoutableCase{"1.0.0.0", true},
        // 10/8
        RoutableCase{"9.255.255.255", true}, RoutableCase{"10.0.0.0", false},
        RoutableCase{"10.255.255.255", false}, RoutableCase{"11.0.0.0", true},
        // 100.64/10 shared address space (CGN)
        RoutableCase{"100.63.255.255", true}, RoutableCase{"100.64.0.0", false},
        RoutableCase{"100.127.255.255", false}, RoutableCase{"100.128.0.0", true},
        // 127/8 loopback
        RoutableCase{"126.255.255.255", true}, RoutableCase{"127.0.0.1", false},
        RoutableCase{"127.255.255.255", false}, RoutableCase{"128.0.0.0", true},
        // 169.254/16 link-local
        RoutableCase{"169.253.255.255", true}, RoutableCase{"169.254.0.0", false},
        RoutableCase{"169.254.255.255", false}, RoutableCase{"169.255.0.0", true},
        // 172.16/12
        RoutableCase{"172.15.255.255", true}, RoutableCase{"172.16.0.0", false},
        RoutableCase{"172.31.255.255", false}, RoutableCase{"172.32.0.0", true},
        // 192.168/16
        RoutableCase{"192.167.255.255", true}, RoutableCase{"192.168.0.0", false},
        RoutableCase{"192.168.255.255", false}, RoutableCase{"192.169.0.0", true},
        // 224/4 multicast and 240/4 reserved, up to the limited broadcast address
        RoutableCase{"223.255.255.255", true}, RoutableCase{"224.0.0.0", false},
        RoutableCase{"239.255.255.255", false}, RoutableCase{"240.0.0.0", false},
        RoutableCase{"255.255.255.254", false}, RoutableCase{"255.255.255.255", false},
        // documentation ranges are accepted on purpose
        RoutableCase{"192.0.2.0", true}, RoutableCase{"192.0.2.255", true},
        RoutableCase{"198.51.100.1", true}, RoutableCase{"203.0.113.255", true},
        // ordinary public addresses
        RoutableCase{"8.8.8.8", true}, RoutableCase{"93.184.216.34", true}),
    row_name);

INSTANTIATE_TEST_SUITE_P(
    V6, PublicRoutability,
    ::testing::Values(
        // ::/8 reserved: unspecified, loopback, deprecated IPv4-compatible, unassigned
        RoutableCase{"::", false}, RoutableCase{"::1", false}, RoutableCase{"::2", false},
        RoutableCase{"::8.8.8.8", false}, RoutableCase{"::1:0:0", false},
        RoutableCase{"ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false}, RoutableCase{"1ff::1", true},
        // IPv4-mapped is IPv4 (parse maps it) and judged as such
        RoutableCase{"::ffff:10.0.0.1", false}, RoutableCase{"::ffff:8.8.8.8", true},
        // IPv4-translated (SIIT) embeds IPv4
        RoutableCase{"::ffff:0:10.0.0.1", false}, RoutableCase{"::ffff:0:8.8.8.8", true},
        // NAT64 well-known prefix: judged by the embedded address; local-use prefix refused
        RoutableCase{"64:ff9b::192.168.1.1", false}, RoutableCase{"64:ff9b::8.8.8.8", true},
        RoutableCase{"64:ff9b:1::8.8.8.8", false},
        // 6to4: judged by the embedded address
        RoutableCase{"2002:c0a8:101::1", false}, RoutableCase{"2002:808:808::1", true},
        // 100::/64 discard-only
        RoutableCase{"100::", false}, RoutableCase{"100::ffff:ffff:ffff:ffff", false},
        RoutableCase{"100:0:0:1::", true},
        // fc00::/7 unique local
        RoutableCase{"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
        RoutableCase{"fc00::", false},
        RoutableCase{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
        // fe80::/10 link-local and fec0::/10 site-local
        RoutableCase{"fe00::", true}, RoutableCase{"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
        RoutableCase{"fe80::", false},
        RoutableCase{"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
        RoutableCase{"fec0::1", false},
        RoutableCase{"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
        // ff00::/8 multicast
        RoutableCase{"ff00::", false}, RoutableCase{"ff02::1", false},
        RoutableCase{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
        // documentation and ordinary global unicast
        RoutableCase{"2001:db8::", true},
        RoutableCase{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true},
        RoutableCase{"2001:4860:4860::8888", true}, RoutableCase{"2a00:1450:4001::1", true}),
    row_name);

struct PolicyCase {
    const char* address;
    bool allowed;
};

class AddressPolicyWithExtraRanges : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(AddressPolicyWithExtraRanges, Row) {
    const AddressPolicy policy({*IpNetwork::parse("192.168.10.0/24"),
                                *IpNetwork::parse("fd00::/64"), *IpNetwork::parse("127.0.0.1/32")});
    const auto address = IpAddress::parse(GetParam().address);
    ASSERT_TRUE(address);
    EXPECT_EQ(policy.allows(*address), GetParam().allowed) << GetParam().address;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, AddressPolicyWithExtraRanges,
    ::testing::Values(PolicyCase{"192.168.10.0", true}, PolicyCase{"192.168.10.255", true},
                      PolicyCase{"192.168.9.255", false}, PolicyCase{"192.168.11.0", false},
                      PolicyCase{"fd00::1", true}, PolicyCase{"fd00:0:0:1::1", false},
                      PolicyCase{"127.0.0.1", true}, PolicyCase{"127.0.0.2", false},
                      PolicyCase{"::ffff:192.168.10.7", true},  // mapped -> IPv4
                      PolicyCase{"10.0.0.1", false},
                      PolicyCase{"203.0.113.9", true}),  // public stays allowed
    [](const auto& row) { return std::to_string(row.index); });

}  // namespace
}  // namespace ddns::gateway
