// Parsing tables for DnsName, IpAddress, IpNetwork, record types and server endpoints.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>

#include <set>

#include "ddns/nsupdate/dns_name.hpp"
#include "ddns/nsupdate/ip_address.hpp"
#include "ddns/nsupdate/record.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns {
namespace {

struct NameRow {
    std::string input;
    std::optional<std::string> expected;  // nullopt: rejected
};

class DnsNameParse : public ::testing::TestWithParam<NameRow> {};

TEST_P(DnsNameParse, ParsesOrRejects) {
    const auto& row = GetParam();
    const auto name = DnsName::parse(row.input);
    ASSERT_EQ(name.has_value(), row.expected.has_value()) << row.input;
    if (name) {
        EXPECT_EQ(name->str(), *row.expected);
        EXPECT_EQ(name->fqdn(), *row.expected + ".");
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, DnsNameParse,
    ::testing::Values(NameRow{"host.example.org", "host.example.org"},
                      NameRow{"Host.Example.ORG.", "host.example.org"}, NameRow{"org", "org"},
                      NameRow{"_acme-challenge.example.org", "_acme-challenge.example.org"},
                      NameRow{"*.example.org", "*.example.org"},
                      NameRow{"a-b.c9.example", "a-b.c9.example"},
                      NameRow{std::string(63, 'a') + ".org", std::string(63, 'a') + ".org"},
                      NameRow{std::string(64, 'a') + ".org", std::nullopt},
                      // 4 x 63 + 1 = 253 characters is the maximum; 255 is too long.
                      NameRow{std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                  std::string(63, 'c') + "." + std::string(61, 'd'),
                              std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                  std::string(63, 'c') + "." + std::string(61, 'd')},
                      NameRow{std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                  std::string(63, 'c') + "." + std::string(63, 'd'),
                              std::nullopt},
                      NameRow{"", std::nullopt}, NameRow{".", std::nullopt},
                      NameRow{"a..b", std::nullopt}, NameRow{".a", std::nullopt},
                      NameRow{"a.b..", std::nullopt}, NameRow{"-a.org", std::nullopt},
                      NameRow{"a-.org", std::nullopt}, NameRow{"a b.org", std::nullopt},
                      NameRow{"a\".org", std::nullopt}, NameRow{"a;b.org", std::nullopt},
                      NameRow{"host.*.org", std::nullopt}, NameRow{"a*.org", std::nullopt},
                      NameRow{"h\xc3\xa9.org", std::nullopt}, NameRow{"a\n.org", std::nullopt},
                      NameRow{std::string("a\0b.org", 7), std::nullopt}));

TEST(DnsName, ZoneRelations) {
    const auto zone = *DnsName::parse("example.org");
    const auto host = *DnsName::parse("a.b.example.org");
    const auto other = *DnsName::parse("badexample.org");
    EXPECT_TRUE(host.is_at_or_below(zone));
    EXPECT_TRUE(zone.is_at_or_below(zone));
    EXPECT_FALSE(other.is_at_or_below(zone));
    EXPECT_FALSE(zone.is_at_or_below(host));
    EXPECT_EQ(host.relative_to(zone), "a.b");
    EXPECT_EQ(zone.relative_to(zone), "@");
    EXPECT_EQ(other.relative_to(zone), std::nullopt);
    EXPECT_EQ(zone.prepend("Www")->str(), "www.example.org");
    EXPECT_FALSE(zone.prepend("a.b").has_value());
    EXPECT_FALSE(zone.prepend("").has_value());
    EXPECT_EQ(host.label_count(), 4u);
    EXPECT_EQ(host.labels(), (std::vector<std::string_view>{"a", "b", "example", "org"}));
    EXPECT_TRUE(host.is_hostname());
    EXPECT_FALSE(DnsName::parse("_x.example.org")->is_hostname());
    EXPECT_FALSE(DnsName::parse("*.example.org")->is_hostname());
}

// IPv4 addresses are printed without inet_ntop (the no-change path prints several per
// answer): every octet value in every position prints as inet_ntop prints it.
TEST(IpAddressText, V4MatchesInetNtopForEveryOctetInEveryPosition) {
    for (unsigned position = 0; position < 4; ++position)
        for (unsigned value = 0; value < 256; ++value) {
            std::array<std::uint8_t, 4> b{192, 0, 2, 1};
            b[position] = static_cast<std::uint8_t>(value);
            char expected[INET_ADDRSTRLEN] = {};
            ::inet_ntop(AF_INET, b.data(), expected, sizeof expected);
            EXPECT_EQ(IpAddress::v4(b).to_string(), expected);
        }
    EXPECT_EQ(IpAddress::v4({0, 0, 0, 0}).to_string(), "0.0.0.0");
    EXPECT_EQ(IpAddress::v4({255, 255, 255, 255}).to_string(), "255.255.255.255");
}

struct AddressRow {
    std::string input;
    std::optional<std::string> canonical;
    IpFamily family = IpFamily::V4;
};

class IpAddressParse : public ::testing::TestWithParam<AddressRow> {};

TEST_P(IpAddressParse, ParsesOrRejects) {
    const auto& row = GetParam();
    const auto address = IpAddress::parse(row.input);
    ASSERT_EQ(address.has_value(), row.canonical.has_value()) << row.input;
    if (address) {
        EXPECT_EQ(address->to_string(), *row.canonical);
        EXPECT_EQ(address->family(), row.family);
        EXPECT_EQ(address->bytes().size(), row.family == IpFamily::V4 ? 4u : 16u);
        EXPECT_EQ(IpAddress::parse(address->to_string()), address) << "round trip";
    }
}

using F = IpFamily;
INSTANTIATE_TEST_SUITE_P(
    Table, IpAddressParse,
    ::testing::Values(
        AddressRow{"192.0.2.1", "192.0.2.1", F::V4}, AddressRow{"0.0.0.0", "0.0.0.0", F::V4},
        AddressRow{"255.255.255.255", "255.255.255.255", F::V4},
        AddressRow{"2001:DB8::1", "2001:db8::1", F::V6}, AddressRow{"::", "::", F::V6},
        AddressRow{"::1", "::1", F::V6},
        AddressRow{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", F::V6},
        AddressRow{"2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1", F::V6},
        AddressRow{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", F::V6},
        AddressRow{"::ffff:192.0.2.7", "192.0.2.7", F::V4},
        AddressRow{"::ffff:c000:207", "192.0.2.7", F::V4},
        AddressRow{"64:ff9b::192.0.2.1", "64:ff9b::c000:201", F::V6},
        AddressRow{"01.2.3.4", std::nullopt}, AddressRow{"1.2.3", std::nullopt},
        AddressRow{"1.2.3.4 ", std::nullopt}, AddressRow{" 1.2.3.4", std::nullopt},
        AddressRow{"1.2.3.4.5", std::nullopt}, AddressRow{"256.1.1.1", std::nullopt},
        AddressRow{"1.2.3.", std::nullopt}, AddressRow{"1..2.3", std::nullopt},
        AddressRow{"0x1.2.3.4", std::nullopt}, AddressRow{"+1.2.3.4", std::nullopt},
        AddressRow{"[::1]", std::nullopt}, AddressRow{"fe80::1%eth0", std::nullopt},
        AddressRow{"::1/128", std::nullopt}, AddressRow{"1.2.3.4/32", std::nullopt},
        AddressRow{"::ffff:01.2.3.4", std::nullopt}, AddressRow{"1:2:3:4:5:6:7:8:9", std::nullopt},
        AddressRow{"1::2::3", std::nullopt}, AddressRow{"", std::nullopt},
        AddressRow{"example.org", std::nullopt}, AddressRow{"12345::", std::nullopt}));

TEST(IpAddress, FactoriesAndUnspecified) {
    EXPECT_EQ(IpAddress::v4({192, 0, 2, 1}), *IpAddress::parse("192.0.2.1"));
    EXPECT_TRUE(IpAddress::parse("0.0.0.0")->is_unspecified());
    EXPECT_TRUE(IpAddress::parse("::")->is_unspecified());
    EXPECT_FALSE(IpAddress::parse("::1")->is_unspecified());
    EXPECT_NE(*IpAddress::parse("0.0.0.0"), *IpAddress::parse("::"));
}

struct NetworkRow {
    std::string input;
    std::optional<std::string> canonical;
};

class IpNetworkParse : public ::testing::TestWithParam<NetworkRow> {};

TEST_P(IpNetworkParse, ParsesOrRejects) {
    const auto& row = GetParam();
    const auto network = IpNetwork::parse(row.input);
    ASSERT_EQ(network.has_value(), row.canonical.has_value()) << row.input;
    if (network) {
        EXPECT_EQ(network->to_string(), *row.canonical);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, IpNetworkParse,
    ::testing::Values(
        NetworkRow{"10.0.0.0/8", "10.0.0.0/8"}, NetworkRow{"192.168.1.7/24", "192.168.1.0/24"},
        NetworkRow{"192.168.1.7/23", "192.168.0.0/23"}, NetworkRow{"192.0.2.1", "192.0.2.1/32"},
        NetworkRow{"0.0.0.0/0", "0.0.0.0/0"}, NetworkRow{"2001:db8::1/32", "2001:db8::/32"},
        NetworkRow{"2001:db8:ff:ff::/63", "2001:db8:ff:fe::/63"}, NetworkRow{"::1", "::1/128"},
        NetworkRow{"10.0.0.0/33", std::nullopt}, NetworkRow{"::/129", std::nullopt},
        NetworkRow{"10.0.0.0/", std::nullopt}, NetworkRow{"10.0.0.0/08", std::nullopt},
        NetworkRow{"10.0.0.0/-1", std::nullopt}, NetworkRow{"10.0.0.0/8/8", std::nullopt},
        NetworkRow{"/8", std::nullopt}));

TEST(IpNetwork, Contains) {
    const auto net4 = *IpNetwork::parse("192.168.0.0/23");
    EXPECT_TRUE(net4.contains(*IpAddress::parse("192.168.1.255")));
    EXPECT_FALSE(net4.contains(*IpAddress::parse("192.168.2.0")));
    EXPECT_FALSE(net4.contains(*IpAddress::parse("2001:db8::1")));
    const auto net6 = *IpNetwork::parse("2001:db8::/32");
    EXPECT_TRUE(net6.contains(*IpAddress::parse("2001:db8:ffff::1")));
    EXPECT_FALSE(net6.contains(*IpAddress::parse("2001:db9::1")));
    EXPECT_FALSE(net6.contains(*IpAddress::parse("192.0.2.1")));
    EXPECT_TRUE(IpNetwork::parse("0.0.0.0/0")->contains(*IpAddress::parse("203.0.113.9")));
}

struct TypeRow {
    std::string input;
    std::optional<RecordType> expected;
};

class RecordTypeParse : public ::testing::TestWithParam<TypeRow> {};

TEST_P(RecordTypeParse, ParsesOrRejects) {
    const auto& row = GetParam();
    EXPECT_EQ(parse_record_type(row.input), row.expected) << row.input;
    if (row.expected) {
        EXPECT_EQ(parse_record_type(to_string(*row.expected)), row.expected);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, RecordTypeParse,
    ::testing::Values(TypeRow{"A", RecordType::A}, TypeRow{"a", RecordType::A},
                      TypeRow{"AAAA", RecordType::AAAA}, TypeRow{"aaaa", RecordType::AAAA},
                      TypeRow{"Mx", RecordType::MX}, TypeRow{"cname", RecordType::CNAME},
                      TypeRow{"NS", RecordType::NS}, TypeRow{"txt", RecordType::TXT},
                      TypeRow{"SOA", std::nullopt}, TypeRow{"", std::nullopt},
                      TypeRow{"A ", std::nullopt}, TypeRow{"AA", std::nullopt}));

TEST(ResourceRecord, FactoriesCheckRdata) {
    const auto owner = *DnsName::parse("h.example.org");
    const auto v4 = *IpAddress::parse("192.0.2.1");
    const auto v6 = *IpAddress::parse("2001:db8::1");
    EXPECT_TRUE(ResourceRecord::make(owner, RecordType::A, 60, v4).has_value());
    EXPECT_FALSE(ResourceRecord::make(owner, RecordType::A, 60, v6).has_value());
    EXPECT_FALSE(ResourceRecord::make(owner, RecordType::AAAA, 60, v4).has_value());
    EXPECT_FALSE(ResourceRecord::make(owner, RecordType::CNAME, 60, v4).has_value());
    EXPECT_FALSE(
        ResourceRecord::make(owner, RecordType::TXT, 60, TxtData{{std::string(256, 'x')}}));
    EXPECT_FALSE(ResourceRecord::make(owner, RecordType::TXT, 60, TxtData{}));
    EXPECT_EQ(ResourceRecord::address(owner, 60, v6).type(), RecordType::AAAA);
    EXPECT_EQ(address_record_type(IpFamily::V4), RecordType::A);

    const auto mx = ResourceRecord::make(owner, RecordType::MX, 60,
                                         MxData{10, *DnsName::parse("mail.example.org")});
    EXPECT_EQ(mx->data_text(), "10 mail.example.org.");
    const auto txt =
        ResourceRecord::make(owner, RecordType::TXT, 60, TxtData{{"a \"q\" \\", "\x01"}});
    EXPECT_EQ(txt->data_text(), R"("a \"q\" \\" "\001")");
    EXPECT_EQ(ResourceRecord::address(owner, 1, v4).data_text(), "192.0.2.1");
}

struct EndpointRow {
    std::string input;
    std::optional<std::string> canonical;
};

class EndpointParse : public ::testing::TestWithParam<EndpointRow> {};

TEST_P(EndpointParse, ParsesOrRejects) {
    const auto& row = GetParam();
    const auto endpoint = parse_server_endpoint(row.input);
    ASSERT_EQ(endpoint.has_value(), row.canonical.has_value()) << row.input;
    if (endpoint) {
        EXPECT_EQ(endpoint->to_string(), *row.canonical);
    }
}

INSTANTIATE_TEST_SUITE_P(Table, EndpointParse,
                         ::testing::Values(EndpointRow{"127.0.0.1:5353", "127.0.0.1:5353"},
                                           EndpointRow{"192.0.2.1", "192.0.2.1:53"},
                                           EndpointRow{"[2001:db8::1]:53", "[2001:db8::1]:53"},
                                           EndpointRow{"2001:db8::1", "[2001:db8::1]:53"},
                                           EndpointRow{"[::1]", "[::1]:53"},
                                           EndpointRow{"127.0.0.1:0", std::nullopt},
                                           EndpointRow{"127.0.0.1:65536", std::nullopt},
                                           EndpointRow{"127.0.0.1:", std::nullopt},
                                           EndpointRow{"localhost:53", std::nullopt},
                                           EndpointRow{"[192.0.2.1]:53", std::nullopt},
                                           EndpointRow{"[::1]53", std::nullopt}));

TEST(UpdateStatus, NamesAreDistinct) {
    std::set<std::string_view> names;
    for (int s = 0; s <= static_cast<int>(UpdateStatus::EncodeError); ++s) {
        names.insert(to_string(static_cast<UpdateStatus>(s)));
    }
    EXPECT_EQ(names.size(), static_cast<std::size_t>(UpdateStatus::EncodeError) + 1);
}

}  // namespace
}  // namespace ddns
