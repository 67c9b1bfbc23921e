// resolve_client_address and TrustedProxies: the peer unless it is a trusted proxy, then
// Forwarded or X-Forwarded-For walked from the right (protocols.md §6), incl. spoofing attempts.
#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>

#include "ddns/gateway/http/client_address.hpp"

namespace ddns {
// Readable failure messages (internal linkage: other test files may define their own).
[[maybe_unused]] static void PrintTo(const IpAddress& address, std::ostream* os) {
    *os << address.to_string();
}
}  // namespace ddns

namespace ddns::gateway {
namespace {

IpAddress ip(const char* text) {
    auto address = IpAddress::parse(text);
    if (!address) throw std::invalid_argument(std::string("bad test address ") + text);
    return *address;
}

// Proxies used by every row: a load balancer network, a single v6 proxy, a v4 host.
const TrustedProxies& trusted() {
    static const TrustedProxies proxies =
        *TrustedProxies::parse("10.0.0.0/8, 2001:db8:ffff::/48,192.0.2.10");
    return proxies;
}

constexpr std::nullopt_t kAbsent = std::nullopt;

struct ResolveCase {
    const char* name;
    const char* peer;
    std::optional<std::string> forwarded;
    std::optional<std::string> xff;
    const char* expected;
};

[[maybe_unused]] void PrintTo(const ResolveCase& c, std::ostream* os) {
    *os << c.name;
}

class ResolveClientAddress : public ::testing::TestWithParam<ResolveCase> {};

TEST_P(ResolveClientAddress, Row) {
    const ResolveCase& c = GetParam();
    EXPECT_EQ(resolve_client_address(ip(c.peer), c.forwarded, c.xff, trusted()), ip(c.expected));
}

INSTANTIATE_TEST_SUITE_P(
    Rows, ResolveClientAddress,
    ::testing::Values(
        // --- untrusted peers: headers are ignored, whatever they say ---
        ResolveCase{"untrusted_no_headers", "198.51.100.7", kAbsent, kAbsent, "198.51.100.7"},
        ResolveCase{"untrusted_spoofed_xff", "198.51.100.7", kAbsent, "203.0.113.1",
                    "198.51.100.7"},
        ResolveCase{"untrusted_spoofed_forwarded", "198.51.100.7", "for=203.0.113.1", kAbsent,
                    "198.51.100.7"},
        ResolveCase{"untrusted_claims_trusted_hop", "198.51.100.7", kAbsent, "10.0.0.1",
                    "198.51.100.7"},
        ResolveCase{"untrusted_v6_peer", "2001:db8:1::5", "for=\"[2001:db8:2::1]\"", kAbsent,
                    "2001:db8:1::5"},
        ResolveCase{"mapped_peer_is_v4_and_untrusted", "::ffff:198.51.100.7", kAbsent,
                    "203.0.113.1", "198.51.100.7"},
        // --- trusted peer, X-Forwarded-For ---
        ResolveCase{"xff_single", "10.0.0.1", kAbsent, "203.0.113.1", "203.0.113.1"},
        ResolveCase{"xff_no_headers", "10.0.0.1", kAbsent, kAbsent, "10.0.0.1"},
        ResolveCase{"xff_blank", "10.0.0.1", kAbsent, "  ", "10.0.0.1"},
        ResolveCase{"mapped_trusted_peer", "::ffff:10.0.0.1", kAbsent, "203.0.113.1",
                    "203.0.113.1"},
        ResolveCase{"xff_rightmost_untrusted_wins", "10.0.0.1", kAbsent,
                    "198.51.100.1, 203.0.113.1", "203.0.113.1"},
        ResolveCase{"xff_client_prepends_spoofed_address", "10.0.0.1", kAbsent,
                    "1.1.1.1, 203.0.113.1", "203.0.113.1"},
        ResolveCase{"xff_skips_chain_of_trusted_proxies", "10.0.0.1", kAbsent,
                    "198.51.100.1,203.0.113.1,10.1.1.1, 192.0.2.10", "203.0.113.1"},
        ResolveCase{"xff_all_trusted_gives_leftmost", "10.0.0.1", kAbsent, "10.9.9.9, 10.8.8.8",
                    "10.9.9.9"},
        ResolveCase{"xff_v4_with_port", "10.0.0.1", kAbsent, "203.0.113.1:5123", "203.0.113.1"},
        ResolveCase{"xff_bracketed_v6_with_port", "10.0.0.1", kAbsent, "[2001:db8::1]:4711",
                    "2001:db8::1"},
        ResolveCase{"xff_bracketed_v6", "10.0.0.1", kAbsent, "[2001:db8::1]", "2001:db8::1"},
        ResolveCase{"xff_bare_v6", "10.0.0.1", kAbsent, "2001:db8::1", "2001:db8::1"},
        ResolveCase{"xff_mapped_becomes_v4", "10.0.0.1", kAbsent, "::ffff:203.0.113.9",
                    "203.0.113.9"},
        ResolveCase{"xff_tabs_and_spaces", "10.0.0.1", kAbsent, "\t203.0.113.1 ,\t10.0.0.2 ",
                    "203.0.113.1"},
        // --- garbage stops the walk at the nearest validly parsed (trusted) address ---
        ResolveCase{"xff_garbage", "10.0.0.1", kAbsent, "not-an-ip", "10.0.0.1"},
        ResolveCase{"xff_garbage_behind_trusted_hop", "10.0.0.1", kAbsent,
                    "203.0.113.1, junk, 10.0.0.7", "10.0.0.7"},
        ResolveCase{"xff_garbage_left_of_client_is_irrelevant", "10.0.0.1", kAbsent,
                    "junk, 203.0.113.1", "203.0.113.1"},
        ResolveCase{"xff_empty_item", "10.0.0.1", kAbsent, "203.0.113.1,,", "10.0.0.1"},
        ResolveCase{"xff_unknown", "10.0.0.1", kAbsent, "unknown", "10.0.0.1"},
        ResolveCase{"xff_octal_quad", "10.0.0.1", kAbsent, "010.0.0.1", "10.0.0.1"},
        ResolveCase{"xff_zone_id", "10.0.0.1", kAbsent, "fe80::1%eth0", "10.0.0.1"},
        ResolveCase{"xff_v6_port_without_brackets", "10.0.0.1", kAbsent,
                    "2001:db8:0:0:0:0:0:1:4711", "10.0.0.1"},
        ResolveCase{"xff_port_too_long", "10.0.0.1", kAbsent, "203.0.113.1:123456", "10.0.0.1"},
        ResolveCase{"xff_v4_in_brackets", "10.0.0.1", kAbsent, "[203.0.113.1]", "10.0.0.1"},
        ResolveCase{"xff_quoted", "10.0.0.1", kAbsent, "\"203.0.113.1\"", "10.0.0.1"},
        ResolveCase{"xff_cidr", "10.0.0.1", kAbsent, "203.0.113.0/24", "10.0.0.1"},
        // --- trusted peer, Forwarded (RFC 7239) ---
        ResolveCase{"fwd_simple", "10.0.0.1", "for=203.0.113.1", kAbsent, "203.0.113.1"},
        ResolveCase{"fwd_wins_over_xff", "10.0.0.1", "for=203.0.113.1", "198.51.100.1",
                    "203.0.113.1"},
        ResolveCase{"fwd_blank_falls_back_to_xff", "10.0.0.1", " ", "198.51.100.1", "198.51.100.1"},
        ResolveCase{"fwd_case_insensitive_name", "10.0.0.1", "For=203.0.113.1", kAbsent,
                    "203.0.113.1"},
        ResolveCase{"fwd_upper_case_name", "10.0.0.1", "FOR=203.0.113.1", kAbsent, "203.0.113.1"},
        ResolveCase{"fwd_quoted_v4_port", "10.0.0.1", "for=\"192.0.2.1:80\"", kAbsent, "192.0.2.1"},
        ResolveCase{"fwd_quoted_v6_port", "10.0.0.1", "for=\"[2001:db8::1]:4711\"", kAbsent,
                    "2001:db8::1"},
        ResolveCase{"fwd_quoted_v6", "10.0.0.1", "for=\"[2001:db8:cafe::17]\"", kAbsent,
                    "2001:db8:cafe::17"},
        ResolveCase{"fwd_obfuscated_port", "10.0.0.1", "for=\"203.0.113.1:_abc\"", kAbsent,
                    "203.0.113.1"},
        ResolveCase{"fwd_other_pairs", "10.0.0.1",
                    "by=10.0.0.1;for=203.0.113.1;host=example.org;proto=https", kAbsent,
                    "203.0.113.1"},
        ResolveCase{"fwd_quoted_pair_escape", "10.0.0.1", "for=\"203.0.113\\.1\"", kAbsent,
                    "203.0.113.1"},
        ResolveCase{"fwd_quoted_comma_in_other_pair", "10.0.0.1",
                    "for=198.51.100.1, host=\"a,b\";for=203.0.113.1", kAbsent, "203.0.113.1"},
        ResolveCase{"fwd_multiple_elements", "10.0.0.1",
                    "for=198.51.100.1, for=203.0.113.1, for=10.2.2.2", kAbsent, "203.0.113.1"},
        ResolveCase{"fwd_client_prepends_spoofed_element", "10.0.0.1",
                    "for=1.1.1.1, for=203.0.113.1", kAbsent, "203.0.113.1"},
        ResolveCase{"fwd_all_trusted", "10.0.0.1", "for=10.3.3.3, for=\"[2001:db8:ffff::1]\"",
                    kAbsent, "10.3.3.3"},
        ResolveCase{"fwd_v6_proxy_chain", "2001:db8:ffff::2",
                    "for=\"[2001:db8:1::1]:1234\", for=\"[2001:db8:ffff::9]\"", kAbsent,
                    "2001:db8:1::1"},
        ResolveCase{"fwd_trailing_semicolon", "10.0.0.1", "for=203.0.113.1;", kAbsent,
                    "203.0.113.1"},
        // --- Forwarded identifiers that name no address stop the walk ---
        ResolveCase{"fwd_unknown", "10.0.0.1", "for=unknown", kAbsent, "10.0.0.1"},
        ResolveCase{"fwd_obfuscated", "10.0.0.1", "for=_hidden", kAbsent, "10.0.0.1"},
        ResolveCase{"fwd_unknown_behind_trusted", "10.0.0.1",
                    "for=203.0.113.1, for=unknown, for=10.0.0.5", kAbsent, "10.0.0.5"},
        ResolveCase{"fwd_element_without_for", "10.0.0.1", "for=203.0.113.1, by=10.0.0.1", kAbsent,
                    "10.0.0.1"},
        ResolveCase{"fwd_two_for_in_one_element", "10.0.0.1", "for=1.1.1.1;for=203.0.113.1",
                    kAbsent, "10.0.0.1"},
        ResolveCase{"fwd_unterminated_quote", "10.0.0.1", "for=203.0.113.1, for=\"198.51.100.1",
                    kAbsent, "10.0.0.1"},
        ResolveCase{"fwd_quote_swallows_comma", "10.0.0.1", "for=\"203.0.113.1, for=198.51.100.1\"",
                    kAbsent, "10.0.0.1"},
        ResolveCase{"fwd_unbracketed_v6_with_port", "10.0.0.1", "for=\"2001:db8::1:80\"", kAbsent,
                    "2001:db8::1:80"},  // a valid address, read as such
        ResolveCase{"fwd_v6_garbage_after_bracket", "10.0.0.1", "for=\"[2001:db8::1]x\"", kAbsent,
                    "10.0.0.1"},
        ResolveCase{"fwd_pair_without_equals", "10.0.0.1", "for", kAbsent, "10.0.0.1"},
        ResolveCase{"fwd_empty_value", "10.0.0.1", "for=", kAbsent, "10.0.0.1"},
        ResolveCase{"fwd_garbage", "10.0.0.1", "\x01\xff;;,=,\"", kAbsent, "10.0.0.1"},
        ResolveCase{"fwd_xff_syntax_in_forwarded", "10.0.0.1", "203.0.113.1", "198.51.100.1",
                    "10.0.0.1"}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(ResolveClientAddress, NoTrustedProxiesMeansThePeerAlways) {
    const TrustedProxies none;
    EXPECT_EQ(resolve_client_address(ip("10.0.0.1"), std::string("for=203.0.113.1"),
                                     std::string("203.0.113.1"), none),
              ip("10.0.0.1"));
}

struct TrustedParseCase {
    const char* text;
    bool valid;
    std::size_t networks;
};

class TrustedProxiesParse : public ::testing::TestWithParam<TrustedParseCase> {};

TEST_P(TrustedProxiesParse, Row) {
    const auto parsed = TrustedProxies::parse(GetParam().text);
    ASSERT_EQ(parsed.has_value(), GetParam().valid) << GetParam().text;
    if (parsed) {
        EXPECT_EQ(parsed->networks().size(), GetParam().networks);
        EXPECT_EQ(parsed->empty(), GetParam().networks == 0);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, TrustedProxiesParse,
    ::testing::Values(TrustedParseCase{"", true, 0}, TrustedParseCase{"   ", true, 0},
                      TrustedParseCase{"10.0.0.0/8", true, 1},
                      TrustedParseCase{"10.0.0.0/8,192.0.2.1", true, 2},
                      TrustedParseCase{" 10.0.0.0/8 , 2001:db8::/32 ", true, 2},
                      TrustedParseCase{"10.0.0.0/8,", false, 0},
                      TrustedParseCase{"10.0.0.0/8,,192.0.2.1", false, 0},
                      TrustedParseCase{"10.0.0.0/33", false, 0},
                      TrustedParseCase{"localhost", false, 0},
                      TrustedParseCase{"10.0.0.0/8;192.0.2.1", false, 0}),
    [](const auto& row) { return std::to_string(row.index); });

TEST(TrustedProxies, ContainsChecksEveryNetworkAndFamily) {
    const auto proxies = TrustedProxies::parse("10.0.0.0/8, 2001:db8:ffff::/48, 192.0.2.10");
    ASSERT_TRUE(proxies);
    EXPECT_TRUE(proxies->contains(ip("10.255.255.255")));
    EXPECT_FALSE(proxies->contains(ip("11.0.0.0")));
    EXPECT_TRUE(proxies->contains(ip("192.0.2.10")));
    EXPECT_FALSE(proxies->contains(ip("192.0.2.11")));
    EXPECT_TRUE(proxies->contains(ip("2001:db8:ffff:1::1")));
    EXPECT_FALSE(proxies->contains(ip("2001:db8:fffe::1")));
    EXPECT_TRUE(proxies->contains(ip("::ffff:10.1.2.3")));  // mapped is IPv4
}

TEST(ParseForwardedFor, OneEntryPerElementLeftToRight) {
    const auto hops = parse_forwarded_for("for=192.0.2.1, for=unknown, for=\"[2001:db8::1]:80\"");
    ASSERT_EQ(hops.size(), 3u);
    EXPECT_EQ(hops[0], ip("192.0.2.1"));
    EXPECT_FALSE(hops[1].has_value());
    EXPECT_EQ(hops[2], ip("2001:db8::1"));
}

TEST(ParseXForwardedFor, OneEntryPerItemLeftToRight) {
    const auto hops = parse_x_forwarded_for("192.0.2.1, bogus,[2001:db8::1]:80");
    ASSERT_EQ(hops.size(), 3u);
    EXPECT_EQ(hops[0], ip("192.0.2.1"));
    EXPECT_FALSE(hops[1].has_value());
    EXPECT_EQ(hops[2], ip("2001:db8::1"));
}

}  // namespace
}  // namespace ddns::gateway

namespace ddns::gateway {
namespace {

TEST(ProxyHeaderChoice, NamingTheProxysHeaderIgnoresTheOther) {
    const auto trusted = *TrustedProxies::parse("10.0.0.1");
    const IpAddress proxy = *IpAddress::parse("10.0.0.1");
    // The proxy wrote X-Forwarded-For; the client smuggled its own Forwarded header through.
    const std::optional<std::string> smuggled = "for=198.51.100.66";
    const std::optional<std::string> xff = "203.0.113.5";
    EXPECT_EQ(resolve_client_address(proxy, smuggled, xff, trusted),
              *IpAddress::parse("198.51.100.66"))
        << "auto trusts Forwarded first (protocols.md §6)";
    EXPECT_EQ(resolve_client_address(proxy, smuggled, xff, trusted, ProxyHeader::XForwardedFor),
              *IpAddress::parse("203.0.113.5"));
    EXPECT_EQ(resolve_client_address(proxy, smuggled, xff, trusted, ProxyHeader::Forwarded),
              *IpAddress::parse("198.51.100.66"));
    // With only the other header present, the proxy's own address is all that is known.
    EXPECT_EQ(resolve_client_address(proxy, std::nullopt, xff, trusted, ProxyHeader::Forwarded),
              proxy);
    EXPECT_EQ(
        resolve_client_address(proxy, smuggled, std::nullopt, trusted, ProxyHeader::XForwardedFor),
        proxy);
}

TEST(ForwardingUsable, AnUnusableHeaderFromATrustedProxyIsRefused) {
    const IpAddress proxy = ip("10.1.2.3");
    using H = std::optional<std::string>;
    for (const char* xff : {"not-an-address", "", " ", "unknown", "203.0.113.5, junk"})
        EXPECT_FALSE(forwarding_usable(proxy, kAbsent, H(xff), trusted())) << xff;
    for (const char* fwd : {"for=unknown", "for=_hidden", "for=\"_x\"", "by=10.0.0.1"})
        EXPECT_FALSE(forwarding_usable(proxy, H(fwd), kAbsent, trusted())) << fwd;
    EXPECT_FALSE(forwarding_usable(proxy, H(""), H(""), trusted()));
}

TEST(ForwardingUsable, UsableHeadersAndUntrustedPeersPass) {
    const IpAddress proxy = ip("10.1.2.3");
    using H = std::optional<std::string>;
    EXPECT_TRUE(forwarding_usable(proxy, kAbsent, kAbsent, trusted()));  // the proxy's own
    EXPECT_TRUE(forwarding_usable(proxy, kAbsent, H("203.0.113.5"), trusted()));
    EXPECT_TRUE(forwarding_usable(proxy, kAbsent, H("junk, 203.0.113.5, 10.0.0.9"), trusted()));
    EXPECT_TRUE(forwarding_usable(proxy, H("for=203.0.113.5"), kAbsent, trusted()));
    EXPECT_TRUE(forwarding_usable(proxy, H(""), H("203.0.113.5"), trusted()));
    // Anyone else's headers are ignored, whatever they hold.
    EXPECT_TRUE(forwarding_usable(ip("203.0.113.7"), H("for=unknown"), H("junk"), trusted()));
}

// The scheme the client spoke: a trusted proxy's report in the header it is believed for.
struct SchemeCase {
    const char* name;
    bool connection_tls;
    const char* peer;
    std::optional<std::string> forwarded;
    std::optional<std::string> xfp;
    ProxyHeader header;
    bool expected;
};

[[maybe_unused]] void PrintTo(const SchemeCase& c, std::ostream* os) {
    *os << c.name;
}

class ResolveClientTls : public ::testing::TestWithParam<SchemeCase> {};

TEST_P(ResolveClientTls, Row) {
    const SchemeCase& c = GetParam();
    EXPECT_EQ(
        resolve_client_tls(c.connection_tls, ip(c.peer), c.forwarded, c.xfp, trusted(), c.header),
        c.expected);
}

constexpr auto kAuto = ProxyHeader::Auto;

INSTANTIATE_TEST_SUITE_P(
    Rows, ResolveClientTls,
    ::testing::Values(
        SchemeCase{"untrusted_xfp_ignored", false, "198.51.100.7", kAbsent, "https", kAuto, false},
        SchemeCase{"untrusted_fwd_ignored", false, "198.51.100.7", "proto=https", kAbsent, kAuto,
                   false},
        SchemeCase{"untrusted_tls_kept", true, "198.51.100.7", kAbsent, "http", kAuto, true},
        SchemeCase{"trusted_no_report", false, "10.0.0.1", kAbsent, kAbsent, kAuto, false},
        SchemeCase{"trusted_tls_no_report", true, "10.0.0.1", kAbsent, kAbsent, kAuto, true},
        SchemeCase{"xfp_https", false, "10.0.0.1", kAbsent, "https", kAuto, true},
        SchemeCase{"xfp_https_upper", false, "10.0.0.1", kAbsent, " HTTPS ", kAuto, true},
        SchemeCase{"xfp_http_over_tls", true, "10.0.0.1", kAbsent, "http", kAuto, false},
        SchemeCase{"xfp_rightmost", false, "10.0.0.1", kAbsent, "http, https", kAuto, true},
        SchemeCase{"xfp_rightmost_http", false, "10.0.0.1", kAbsent, "https,http", kAuto, false},
        SchemeCase{"xfp_junk", false, "10.0.0.1", kAbsent, "gopher", kAuto, false},
        SchemeCase{"xfp_empty", false, "10.0.0.1", kAbsent, "", kAuto, false},
        SchemeCase{"fwd_https", false, "10.0.0.1", "for=203.0.113.1;proto=https", kAbsent, kAuto,
                   true},
        SchemeCase{"fwd_quoted", false, "10.0.0.1", "for=203.0.113.1;PROTO=\"https\"", kAbsent,
                   kAuto, true},
        SchemeCase{"fwd_rightmost_with_proto", false, "10.0.0.1",
                   "for=203.0.113.1;proto=http, for=10.0.0.2;proto=https", kAbsent, kAuto, true},
        SchemeCase{"fwd_element_without_proto_skipped", false, "10.0.0.1",
                   "for=203.0.113.1;proto=https, for=10.0.0.2", kAbsent, kAuto, true},
        SchemeCase{"fwd_unterminated_quote", false, "10.0.0.1", "for=x;proto=\"https", kAbsent,
                   kAuto, false},
        // auto: the header that names the client also names the scheme.
        SchemeCase{"auto_fwd_wins", false, "10.0.0.1", "for=203.0.113.1", "https", kAuto, false},
        SchemeCase{"xff_setting_reads_xfp", false, "10.0.0.1", "proto=http", "https",
                   ProxyHeader::XForwardedFor, true},
        SchemeCase{"fwd_setting_ignores_xfp", false, "10.0.0.1", kAbsent, "https",
                   ProxyHeader::Forwarded, false},
        SchemeCase{"fwd_setting_reads_fwd", false, "10.0.0.1", "proto=https", "http",
                   ProxyHeader::Forwarded, true}));

}  // namespace
}  // namespace ddns::gateway
