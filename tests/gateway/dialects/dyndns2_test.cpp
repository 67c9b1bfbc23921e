// dyndns2 wire words (one row per result code) and the address parameters of an update.
#include <gtest/gtest.h>

#include "ddns/gateway/dialects/dyndns2_dialect.hpp"

namespace ddns::gateway {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

struct RenderCase {
    Dyndns2Line line;
    const char* body;
    int status;
};

class Dyndns2Render : public ::testing::TestWithParam<RenderCase> {};

TEST_P(Dyndns2Render, OneRowPerCode) {
    const auto r = render_dyndns2({GetParam().line}, "realm");
    EXPECT_EQ(r.body, GetParam().body);
    EXPECT_EQ(r.status, GetParam().status);
    EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Dyndns2Render,
    ::testing::Values(
        RenderCase{{Dyndns2Code::Good, ip("192.0.2.1"), std::nullopt}, "good 192.0.2.1", 200},
        RenderCase{{Dyndns2Code::Good, std::nullopt, ip("2001:db8::1")}, "good 2001:db8::1", 200},
        RenderCase{{Dyndns2Code::Good, ip("192.0.2.1"), ip("2001:db8::1")},
                   "good 192.0.2.1,2001:db8::1",
                   200},
        RenderCase{{Dyndns2Code::NoChg, ip("192.0.2.1"), std::nullopt}, "nochg 192.0.2.1", 200},
        RenderCase{{Dyndns2Code::BadAuth, {}, {}}, "badauth", 401},
        RenderCase{{Dyndns2Code::NoCredentials, {}, {}}, "badauth", 401},
        RenderCase{{Dyndns2Code::NotFqdn, {}, {}}, "notfqdn", 200},
        RenderCase{{Dyndns2Code::NoHost, {}, {}}, "nohost", 200},
        RenderCase{{Dyndns2Code::NumHost, {}, {}}, "numhost", 200},
        RenderCase{{Dyndns2Code::Abuse, {}, {}}, "abuse", 200},
        RenderCase{{Dyndns2Code::BadAgent, {}, {}}, "badagent", 200},
        RenderCase{{Dyndns2Code::BadSys, {}, {}}, "badsys", 200},
        RenderCase{{Dyndns2Code::NotDonator, {}, {}}, "!donator", 200},
        RenderCase{{Dyndns2Code::DnsErr, {}, {}}, "dnserr", 200},
        RenderCase{{Dyndns2Code::AddressRefused, {}, {}}, "dnserr", 200},
        RenderCase{{Dyndns2Code::ServerError, {}, {}}, "911", 200}));

struct FaultCase {
    Dyndns2Code code;
    auth::FaultClass fault;
};

class Dyndns2Faults : public ::testing::TestWithParam<FaultCase> {};

TEST_P(Dyndns2Faults, OneRowPerCode) {
    EXPECT_EQ(dyndns2_fault(GetParam().code), GetParam().fault)
        << render_dyndns2({{GetParam().code, {}, {}}}, "r").body;
}

// BIND's and the database's failures are never the client's (nsupdate.info issue #478); the
// Basic challenge is part of a normal login, not a fault.
INSTANTIATE_TEST_SUITE_P(
    Table, Dyndns2Faults,
    ::testing::Values(FaultCase{Dyndns2Code::Good, auth::FaultClass::None},
                      FaultCase{Dyndns2Code::NoChg, auth::FaultClass::None},
                      FaultCase{Dyndns2Code::NoCredentials, auth::FaultClass::None},
                      FaultCase{Dyndns2Code::BadAuth, auth::FaultClass::Auth},
                      FaultCase{Dyndns2Code::DnsErr, auth::FaultClass::Server},
                      FaultCase{Dyndns2Code::ServerError, auth::FaultClass::Server},
                      FaultCase{Dyndns2Code::AddressRefused, auth::FaultClass::Client},
                      FaultCase{Dyndns2Code::NotFqdn, auth::FaultClass::Client},
                      FaultCase{Dyndns2Code::NoHost, auth::FaultClass::Client},
                      FaultCase{Dyndns2Code::NumHost, auth::FaultClass::Client},
                      FaultCase{Dyndns2Code::Abuse, auth::FaultClass::Client},
                      FaultCase{Dyndns2Code::BadAgent, auth::FaultClass::Client},
                      FaultCase{Dyndns2Code::BadSys, auth::FaultClass::Client},
                      FaultCase{Dyndns2Code::NotDonator, auth::FaultClass::Client}));

TEST(Dyndns2Audit, HostLinesGetTheirWordAndFault) {
    auto host = [](std::optional<std::int64_t> id, const char* name, const char* detail = "") {
        auth::AuditHost h;
        h.host_id = id;
        h.name = name;
        h.detail = detail;
        return h;
    };
    auth::AuditNote note{"dyndns2", 7, "alice", {}, {}};
    note.hosts.push_back(host(11, "a.example.org"));
    note.hosts.push_back(host(12, "b.example.org", "DNS update failed: refused"));
    note.hosts.push_back(host(std::nullopt, "c.example.org"));
    const auto out = dyndns2_audit(note,
                                   {{Dyndns2Code::Good, ip("192.0.2.1"), {}},
                                    {Dyndns2Code::DnsErr, {}, {}},
                                    {Dyndns2Code::NoHost, {}, {}}},
                                   "a.example.org,b.example.org,c.example.org");
    ASSERT_EQ(out.hosts.size(), 3u);
    EXPECT_EQ(out.hosts[0].outcome, "good");
    EXPECT_EQ(out.hosts[0].fault, auth::FaultClass::None);
    EXPECT_EQ(out.hosts[1].outcome, "dnserr");
    EXPECT_EQ(out.hosts[1].fault, auth::FaultClass::Server);
    EXPECT_EQ(out.hosts[1].detail, "DNS update failed: refused");
    EXPECT_EQ(out.hosts[2].outcome, "nohost");
    EXPECT_EQ(out.hosts[2].fault, auth::FaultClass::Client);
    EXPECT_EQ(out.account_id, 7);
}

TEST(Dyndns2Audit, ARequestLevelAnswerNamesEveryHostAsked) {
    auth::AuditNote note{"dyndns2", std::nullopt, "alice", "wrong credentials", {}};
    const auto out =
        dyndns2_audit(note, {{Dyndns2Code::BadAuth, {}, {}}}, "Home.Example.ORG, ,bad..name");
    ASSERT_EQ(out.hosts.size(), 2u);
    EXPECT_EQ(out.hosts[0].name, "home.example.org") << "normalised to match stored names";
    EXPECT_EQ(out.hosts[1].name, "bad..name") << "kept as sent when it is no name";
    for (const auto& h : out.hosts) {
        EXPECT_FALSE(h.host_id);
        EXPECT_EQ(h.outcome, "badauth");
        EXPECT_EQ(h.fault, auth::FaultClass::Auth);
    }
}

TEST(Dyndns2Audit, NoHostnameIsOneUnnamedEntryAndManyAreCapped) {
    auth::AuditNote note{"dyndns2", std::nullopt, "", {}, {}};
    const auto none = dyndns2_audit(note, {{Dyndns2Code::NoCredentials, {}, {}}}, "");
    ASSERT_EQ(none.hosts.size(), 1u);
    EXPECT_EQ(none.hosts[0].name, "");
    EXPECT_EQ(none.hosts[0].outcome, "badauth");
    EXPECT_EQ(none.hosts[0].fault, auth::FaultClass::None);

    std::string many;
    for (int i = 0; i < 30; ++i) many += "h" + std::to_string(i) + ".example.org,";
    const auto capped = dyndns2_audit(note, {{Dyndns2Code::NumHost, {}, {}}}, many);
    EXPECT_EQ(capped.hosts.size(), Dyndns2Options::kMaxHosts);
    EXPECT_EQ(capped.hosts[0].fault, auth::FaultClass::Client);
}

TEST(Dyndns2Render, BadAuthCarriesABasicChallenge) {
    const auto r = render_dyndns2({{Dyndns2Code::BadAuth, {}, {}}}, "my realm");
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].name, "WWW-Authenticate");
    EXPECT_EQ(r.headers[0].value, "Basic realm=\"my realm\"");
    EXPECT_EQ(r.reason, "Unauthorized");
}

TEST(Dyndns2Render, AThrottledLoginIsAbuseWithRetryAfter) {
    const auto r = render_dyndns2({{Dyndns2Code::Abuse, {}, {}}}, "r", std::chrono::seconds(8));
    EXPECT_EQ(r.status, 200) << "not 401: the credential was not checked";
    EXPECT_EQ(r.body, "abuse");
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].name, "Retry-After");
    EXPECT_EQ(r.headers[0].value, "8");
    EXPECT_TRUE(render_dyndns2({{Dyndns2Code::Abuse, {}, {}}}, "r").headers.empty());
}

TEST(Dyndns2Render, OneLinePerHostInOrderWithoutLeadingBlankLine) {
    const auto r = render_dyndns2({{Dyndns2Code::Good, ip("192.0.2.1"), {}},
                                   {Dyndns2Code::NoHost, {}, {}},
                                   {Dyndns2Code::NoChg, ip("192.0.2.1"), {}}},
                                  "r");
    EXPECT_EQ(r.body, "good 192.0.2.1\nnohost\nnochg 192.0.2.1");
}

struct AddressCase {
    const char* query;
    const char* client;
    FamilyAction v4;
    const char* v4_address;
    FamilyAction v6;
    const char* v6_address;
};

class Dyndns2Addresses : public ::testing::TestWithParam<AddressCase> {};

TEST_P(Dyndns2Addresses, Parse) {
    const auto& c = GetParam();
    const auto a = parse_dyndns2_addresses(QueryParams::parse(c.query), ip(c.client));
    ASSERT_TRUE(a) << c.query;
    EXPECT_EQ(a->ipv4.action, c.v4) << c.query;
    EXPECT_EQ(a->ipv6.action, c.v6) << c.query;
    if (c.v4_address) {
        EXPECT_EQ(a->ipv4.address, ip(c.v4_address)) << c.query;
    }
    if (c.v6_address) {
        EXPECT_EQ(a->ipv6.address, ip(c.v6_address)) << c.query;
    }
}

constexpr auto Keep = FamilyAction::Keep;
constexpr auto Set = FamilyAction::Set;
constexpr auto Remove = FamilyAction::Remove;

INSTANTIATE_TEST_SUITE_P(
    Table, Dyndns2Addresses,
    ::testing::Values(
        AddressCase{"myip=192.0.2.1", "203.0.113.9", Set, "192.0.2.1", Keep, nullptr},
        AddressCase{"myip=2001:db8::1", "203.0.113.9", Keep, nullptr, Set, "2001:db8::1"},
        AddressCase{"myip=192.0.2.1,2001:db8::1", "203.0.113.9", Set, "192.0.2.1", Set,
                    "2001:db8::1"},
        AddressCase{"myip=2001:db8::1,192.0.2.1", "203.0.113.9", Set, "192.0.2.1", Set,
                    "2001:db8::1"},
        AddressCase{"myip=2001:db8:1:2::/64", "203.0.113.9", Keep, nullptr, Set, "2001:db8:1:2::"},
        AddressCase{"myip=192.0.2.1/32", "203.0.113.9", Set, "192.0.2.1", Keep, nullptr},
        AddressCase{"", "203.0.113.9", Set, "203.0.113.9", Keep, nullptr},
        AddressCase{"myip=", "2001:db8::9", Keep, nullptr, Set, "2001:db8::9"},
        AddressCase{"myipv4=192.0.2.1&myipv6=2001:db8::1", "203.0.113.9", Set, "192.0.2.1", Set,
                    "2001:db8::1"},
        AddressCase{"ip=192.0.2.1&ipv6=2001:db8::1", "203.0.113.9", Set, "192.0.2.1", Set,
                    "2001:db8::1"},
        AddressCase{"myip=192.0.2.1&myipv4=192.0.2.1", "203.0.113.9", Set, "192.0.2.1", Keep,
                    nullptr},
        AddressCase{"myip=0.0.0.0", "203.0.113.9", Remove, nullptr, Keep, nullptr},
        AddressCase{"myipv6=::", "203.0.113.9", Keep, nullptr, Remove, nullptr},
        AddressCase{"myip=%3A%3Affff%3A192.0.2.7", "203.0.113.9", Set, "192.0.2.7", Keep,
                    nullptr}));

TEST(Dyndns2Addresses, RejectsMalformedAndConflicting) {
    const IpAddress client = ip("203.0.113.9");
    for (const char* q : {"myip=1.2.3", "myip=example.org", "myip=192.0.2.1,,x", "myip=192.0.2.300",
                          "myip=[2001:db8::1]"}) {
        const auto a = parse_dyndns2_addresses(QueryParams::parse(q), client);
        ASSERT_FALSE(a) << q;
        EXPECT_EQ(a.error(), AddressError::Malformed) << q;
    }
    for (const char* q : {"myip=192.0.2.1,192.0.2.2", "myip=192.0.2.1&myipv4=192.0.2.2",
                          "myip=0.0.0.0&ip=192.0.2.1"}) {
        const auto a = parse_dyndns2_addresses(QueryParams::parse(q), client);
        ASSERT_FALSE(a) << q;
        EXPECT_EQ(a.error(), AddressError::Conflicting) << q;
    }
}

TEST(Dyndns2Addresses, ThePrefixARouterSends) {
    const IpAddress client = ip("203.0.113.9");
    struct Row {
        const char* query;
        const char* prefix;  // nullptr: none
    };
    for (const Row& row : {
             // FRITZ!Box: myip=<ipaddr>,<ip6addr>&ip6lanprefix=<ip6lanprefix>
             Row{"myip=192.0.2.1,2001:db8::1&ip6lanprefix=2001:db8:1:100::/56",
                 "2001:db8:1:100::/56"},
             Row{"myip=192.0.2.1&ip6lanprefix=", nullptr},
             // deSEC style: the address with its prefix length
             Row{"myipv6=2001:db8:1:2::/64", "2001:db8:1:2::/64"},
             Row{"myip=2001:db8:1:2::99/56", "2001:db8:1::/56"},
             Row{"myip=2001:db8::1/128", nullptr},
             Row{"myip=2001:db8:1:2::/64&ip6lanprefix=2001:db8:1:2::/64", "2001:db8:1:2::/64"},
         }) {
        const auto a = parse_dyndns2_addresses(QueryParams::parse(row.query), client);
        ASSERT_TRUE(a) << row.query;
        if (row.prefix) {
            EXPECT_EQ(a->ipv6_prefix, IpNetwork::parse(row.prefix)) << row.query;
        } else {
            EXPECT_EQ(a->ipv6_prefix, std::nullopt) << row.query;
        }
    }
    struct Bad {
        const char* query;
        AddressError error;
    };
    for (const Bad& bad : {
             Bad{"myip=192.0.2.1&ip6lanprefix=2001:db8:1:100::/65", AddressError::PrefixLength},
             Bad{"myip=192.0.2.1&ip6lanprefix=2001:db8:1:100::/8", AddressError::PrefixLength},
             Bad{"myip=2001:db8::/8", AddressError::PrefixLength},
             Bad{"myip=192.0.2.1&ip6lanprefix=2001:db8:1:100::1/56", AddressError::NotAPrefix},
             Bad{"myip=192.0.2.1&ip6lanprefix=2001:db8:1:100::", AddressError::Malformed},
             Bad{"myip=192.0.2.1&ip6lanprefix=192.0.2.0/24", AddressError::Malformed},
             Bad{"myip=192.0.2.1&ip6lanprefix=nonsense", AddressError::Malformed},
             Bad{"myip=2001:db8::1/129", AddressError::Malformed},
             Bad{"myip=2001:db8::1/abc", AddressError::Malformed},
             Bad{"myip=192.0.2.1/33", AddressError::Malformed},
             Bad{"myip=2001:db8:1:2::/64&ip6lanprefix=2001:db8:9:9::/64",
                 AddressError::Conflicting},
         }) {
        const auto a = parse_dyndns2_addresses(QueryParams::parse(bad.query), client);
        ASSERT_FALSE(a) << bad.query;
        EXPECT_EQ(a.error(), bad.error) << bad.query;
    }
}

struct DeleteCase {
    const char* query;
    FamilyAction v4;
    FamilyAction v6;
};

class Dyndns2Delete : public ::testing::TestWithParam<DeleteCase> {};

TEST_P(Dyndns2Delete, NamesOnlyTheFamilies) {
    const auto& c = GetParam();
    const auto a = parse_dyndns2_delete(QueryParams::parse(c.query));
    ASSERT_TRUE(a) << c.query;
    EXPECT_EQ(a->ipv4.action, c.v4) << c.query;
    EXPECT_EQ(a->ipv6.action, c.v6) << c.query;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Dyndns2Delete,
    ::testing::Values(DeleteCase{"", Remove, Remove}, DeleteCase{"myip=", Remove, Remove},
                      DeleteCase{"myip=192.0.2.1", Remove, Keep},
                      DeleteCase{"myip=2001:db8::1", Keep, Remove},
                      DeleteCase{"myipv6=2001:db8:1::/48", Keep, Remove},
                      DeleteCase{"myip=0.0.0.0,::", Remove, Remove},
                      DeleteCase{"ip=192.0.2.1&ipv6=2001:db8::1", Remove, Remove}));

TEST(Dyndns2Delete, RejectsMalformedAndKnowsItsPath) {
    for (const char* q : {"myip=1.2.3", "myip=example.org", "ipv6=2001:db8::g"})
        EXPECT_FALSE(parse_dyndns2_delete(QueryParams::parse(q))) << q;
    EXPECT_TRUE(is_dyndns2_delete("/nic/delete"));
    EXPECT_TRUE(is_dyndns2_delete("/NIC/Delete/"));
    EXPECT_FALSE(is_dyndns2_delete("/nic/update"));
    EXPECT_FALSE(is_dyndns2_delete("/nic/deleted"));
}

}  // namespace
}  // namespace ddns::gateway
