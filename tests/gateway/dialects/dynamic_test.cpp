// /dynamic wire words (one row per outcome) and the choice of address of an update.
#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <regex>

#include "ddns/gateway/dialects/dynamic_dialect.hpp"

namespace ddns::gateway {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

std::optional<std::string> header(const Response& r, const std::string& name) {
    for (const auto& h : r.headers)
        if (h.name == name) return h.value;
    return std::nullopt;
}

struct RenderCase {
    DynamicOutcome outcome;
    int status;
    const char* reason;
    const char* body;
};

void PrintTo(const RenderCase& c, std::ostream* out) {
    *out << c.status << " " << c.body;
}

// Every outcome, once.
const RenderCase kRows[] = {
    RenderCase{DynamicOutcome::Ok, 200, "OK", "OK"},
    RenderCase{DynamicOutcome::MissingCredentials, 401, "Unauthorized", "badauth"},
    RenderCase{DynamicOutcome::MethodNotAllowed, 405, "Method Not Allowed", "method not allowed"},
    RenderCase{DynamicOutcome::MissingHost, 400, "Bad Request", "missing host"},
    RenderCase{DynamicOutcome::InvalidHost, 400, "Bad Request", "invalid host"},
    RenderCase{DynamicOutcome::InvalidAddress, 400, "Bad Request", "invalid address"},
    RenderCase{DynamicOutcome::RefusedAddress, 400, "Bad Request", "address not allowed"},
    RenderCase{DynamicOutcome::BadCredentials, 403, "Forbidden", "bad credentials"},
    RenderCase{DynamicOutcome::UpdatesDisabled, 403, "Forbidden", "dynamic updates disabled"},
    RenderCase{DynamicOutcome::AccountDisabled, 403, "Forbidden", "account disabled"},
    RenderCase{DynamicOutcome::AccountExpired, 403, "Forbidden", "account expired"},
    RenderCase{DynamicOutcome::Throttled, 429, "Too Many Requests", "too many failed logins"},
    RenderCase{DynamicOutcome::HostNotFound, 404, "Not Found", "host not found"},
    RenderCase{DynamicOutcome::DnsFailure, 502, "Bad Gateway", "dns update failed"},
    RenderCase{DynamicOutcome::BackendFailure, 503, "Service Unavailable", "backend unavailable"}};

class DynamicRender : public ::testing::TestWithParam<RenderCase> {};

TEST_P(DynamicRender, OneRowPerOutcome) {
    const auto& c = GetParam();
    const Response r = render_dynamic(c.outcome, "realm");
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_EQ(r.body, c.body);
    EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u);
    // Every answer repeats its status line in a Status header (old inadyn reads that).
    EXPECT_EQ(header(r, "Status"), std::to_string(c.status) + " " + c.reason);
    // Only the missing-credentials answer challenges.
    EXPECT_EQ(header(r, "WWW-Authenticate").has_value(),
              c.outcome == DynamicOutcome::MissingCredentials);
}

INSTANTIATE_TEST_SUITE_P(Table, DynamicRender, ::testing::ValuesIn(kRows));

TEST(DynamicRender, NoErrorBodyContainsTheSuccessWord) {
    for (const RenderCase& row : kRows) {
        if (row.outcome == DynamicOutcome::Ok) continue;
        std::string body = render_dynamic(row.outcome, "r").body;
        for (char& c : body) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_EQ(body.find("ok"), std::string::npos) << body;
    }
}

TEST(DynamicRender, ThrottledSaysWhenToRetry) {
    const Response r = render_dynamic(DynamicOutcome::Throttled, "r", std::chrono::seconds(42));
    EXPECT_EQ(header(r, "Retry-After"), "42");
    EXPECT_FALSE(header(render_dynamic(DynamicOutcome::Ok, "r"), "Retry-After").has_value());
}

TEST(DynamicRender, ChallengeNamesTheRealm) {
    const Response r = render_dynamic(DynamicOutcome::MissingCredentials, "my realm");
    EXPECT_EQ(header(r, "WWW-Authenticate"), "Basic realm=\"my realm\"");
}

TEST(DynamicRender, MethodNotAllowedSaysWhichAre) {
    const Response r = render_dynamic(DynamicOutcome::MethodNotAllowed, "r");
    EXPECT_EQ(header(r, "Allow"), "GET, POST, HEAD");
}

struct AddressCase {
    const char* query;
    const char* client;
    const char* expected;  // nullptr: does not parse
};

void PrintTo(const AddressCase& c, std::ostream* out) {
    *out << (*c.query != '\0' ? c.query : "(no query)") << " from " << c.client;
}

class DynamicAddress : public ::testing::TestWithParam<AddressCase> {};

TEST_P(DynamicAddress, FromIpOrTheClient) {
    const auto& c = GetParam();
    const auto a = parse_dynamic_address(QueryParams::parse(c.query), ip(c.client));
    if (c.expected == nullptr) {
        EXPECT_FALSE(a) << c.query;
    } else {
        ASSERT_TRUE(a) << c.query;
        EXPECT_EQ(*a, ip(c.expected)) << c.query;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, DynamicAddress,
    ::testing::Values(AddressCase{"ip=192.0.2.1", "203.0.113.9", "192.0.2.1"},
                      AddressCase{"ip=2001%3adb8%3a%3a1", "203.0.113.9", "2001:db8::1"},
                      AddressCase{"ip=2001:db8::1", "203.0.113.9", "2001:db8::1"},
                      AddressCase{"ip=%3A%3Affff%3A192.0.2.7", "2001:db8::9", "192.0.2.7"},
                      AddressCase{"", "203.0.113.9", "203.0.113.9"},
                      AddressCase{"ip=", "2001:db8::9", "2001:db8::9"},
                      AddressCase{"host=x&ip=%20", "203.0.113.9", "203.0.113.9"},
                      AddressCase{"ip=192.0.2.300", "203.0.113.9", nullptr},
                      AddressCase{"ip=192.0.2.1,2001:db8::1", "203.0.113.9", nullptr},
                      AddressCase{"ip=example.org", "203.0.113.9", nullptr},
                      AddressCase{"ip=192.0.2.0/24", "203.0.113.9", nullptr}));

TEST(DynamicRender, NoAddressLiteralInAnyHeader) {
    // inadyn 1.x takes the first address-looking token of the whole response, headers included.
    const std::regex literal(R"(\d+\.\d+\.\d+\.\d+|[0-9a-fA-F]*:[0-9a-fA-F]*:)");
    for (const RenderCase& row : kRows) {
        const Response r = render_dynamic(row.outcome, "ddns-gateway");
        for (const auto& h : r.headers)
            EXPECT_FALSE(std::regex_search(h.value, literal)) << h.name << ": " << h.value;
        EXPECT_FALSE(std::regex_search(r.body, literal)) << r.body;
    }
}

// The update log: whose fault each answer is. DNS and backend failures are never the client's.
TEST(DynamicAudit, EveryOutcomeHasItsFaultClass) {
    using F = auth::FaultClass;
    const std::pair<DynamicOutcome, F> rows[] = {{DynamicOutcome::Ok, F::None},
                                                 {DynamicOutcome::MissingCredentials, F::None},
                                                 {DynamicOutcome::MethodNotAllowed, F::Client},
                                                 {DynamicOutcome::MissingHost, F::Client},
                                                 {DynamicOutcome::InvalidHost, F::Client},
                                                 {DynamicOutcome::InvalidAddress, F::Client},
                                                 {DynamicOutcome::RefusedAddress, F::Client},
                                                 {DynamicOutcome::BadCredentials, F::Auth},
                                                 {DynamicOutcome::UpdatesDisabled, F::Client},
                                                 {DynamicOutcome::AccountDisabled, F::Auth},
                                                 {DynamicOutcome::AccountExpired, F::Auth},
                                                 {DynamicOutcome::Throttled, F::Client},
                                                 {DynamicOutcome::HostNotFound, F::Client},
                                                 {DynamicOutcome::DnsFailure, F::Server},
                                                 {DynamicOutcome::BackendFailure, F::Server}};
    ASSERT_EQ(std::size(rows), std::size(kRows)) << "one row per outcome";
    for (const auto& [outcome, fault] : rows) {
        const auto note = dynamic_audit(outcome, "alice", "home.example.org", {});
        ASSERT_EQ(note.hosts.size(), 1u);
        EXPECT_EQ(note.hosts[0].fault, fault) << render_dynamic(outcome, "r").body;
        EXPECT_EQ(note.hosts[0].outcome, audit_word(render_dynamic(outcome, "r").body));
    }
}

TEST(DynamicAudit, WrongCredentialsNameTheHostAsSentWithoutClaimingIt) {
    const auto note =
        dynamic_audit(DynamicOutcome::BadCredentials, "alice", " Home.Example.ORG ", {});
    EXPECT_EQ(note.dialect, "dynamic");
    EXPECT_EQ(note.username, "alice");
    EXPECT_FALSE(note.account_id);
    ASSERT_EQ(note.hosts.size(), 1u);
    EXPECT_FALSE(note.hosts[0].host_id) << "the writer decides whose host it is";
    EXPECT_EQ(note.hosts[0].name, "home.example.org");
    EXPECT_EQ(note.hosts[0].fault, auth::FaultClass::Auth);
}

TEST(DynamicAudit, AnAuthorisedRequestIsAboutTheAccountsHost) {
    AuditFacts facts;
    facts.account_id = 7;
    auth::AuditHost host;
    host.host_id = 11;
    host.name = "home.example.org";
    host.detail = "DNS update failed: REFUSED";
    facts.host = host;
    facts.applied = ApplyStatus::DnsFailed;
    const auto note = dynamic_audit(DynamicOutcome::DnsFailure, "alice", "HOME.example.org", facts);
    EXPECT_EQ(note.account_id, 7);
    ASSERT_EQ(note.hosts.size(), 1u);
    EXPECT_EQ(note.hosts[0].host_id, 11);
    EXPECT_EQ(note.hosts[0].detail, "DNS update failed: REFUSED");
    EXPECT_EQ(note.hosts[0].outcome, "dns-update-failed");
    EXPECT_EQ(note.hosts[0].fault, auth::FaultClass::Server);
}

}  // namespace
}  // namespace ddns::gateway
