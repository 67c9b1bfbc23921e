// DynamIP wire words (one row per outcome) and its date format.
#include <gtest/gtest.h>

#include <chrono>

#include "ddns/gateway/dialects/dynamip_dialect.hpp"

namespace ddns::gateway {
namespace {

using namespace std::chrono;

auth::TimePoint utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
    return auth::TimePoint(sys_days{year{y} / month{mo} / day{d}}) + hours(h) + minutes(mi) +
           seconds(s);
}

struct TimeCase {
    auth::TimePoint at;
    const char* text;
};

class DynamipTime : public ::testing::TestWithParam<TimeCase> {};

TEST_P(DynamipTime, Format) {
    EXPECT_EQ(format_dynamip_time(GetParam().at), GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(
    Table, DynamipTime,
    ::testing::Values(
        TimeCase{utc(2008, 4, 2, 17, 24, 41), "4/2/2008 5:24:41 PM"},  // DynamIP's own example
        TimeCase{utc(2027, 3, 5, 0, 0, 0), "3/5/2027 12:00:00 AM"},    // midnight
        TimeCase{utc(2027, 3, 5, 0, 7, 9), "3/5/2027 12:07:09 AM"},
        TimeCase{utc(2027, 3, 5, 11, 59, 59), "3/5/2027 11:59:59 AM"},
        TimeCase{utc(2027, 3, 5, 12, 0, 0), "3/5/2027 12:00:00 PM"},  // noon
        TimeCase{utc(2027, 3, 5, 13, 5, 0), "3/5/2027 1:05:00 PM"},
        TimeCase{utc(2027, 12, 31, 23, 59, 59), "12/31/2027 11:59:59 PM"},
        TimeCase{utc(2028, 2, 29, 9, 0, 1), "2/29/2028 9:00:01 AM"},  // leap day
        TimeCase{utc(1970, 1, 1), "1/1/1970 12:00:00 AM"},
        TimeCase{utc(2100, 1, 1), "1/1/2100 12:00:00 AM"},
        // Fractions of a second are cut, never rounded up into the next second.
        TimeCase{utc(2027, 3, 5, 10, 0, 59) + milliseconds(999), "3/5/2027 10:00:59 AM"}));

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

const auth::TimePoint kNow = utc(2027, 3, 5, 10, 30, 0);

DynamipOutcome updated(const char* site, const char* address,
                       std::optional<auth::TimePoint> expires_at) {
    return DynamipOutcome{DynamipCode::Updated, site, ip(address), expires_at, kNow};
}

DynamipOutcome failed(DynamipCode code) {
    DynamipOutcome outcome;
    outcome.code = code;
    return outcome;
}

struct RenderCase {
    const char* name;
    DynamipOutcome outcome;
    const char* body;
};

class DynamipRender : public ::testing::TestWithParam<RenderCase> {};

TEST_P(DynamipRender, OneRowPerOutcome) {
    const Response r = render_dynamip(GetParam().outcome);
    EXPECT_EQ(r.body, GetParam().body);
    EXPECT_EQ(r.status, 200) << "the old client reads the body, never the status";
    EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u);
    EXPECT_TRUE(r.headers.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, DynamipRender,
    ::testing::Values(
        RenderCase{"updated_v4",
                   updated("home.example.org", "192.0.2.1", utc(2027, 3, 9, 16, 45, 7)),
                   "IP Address for home.example.org set to 192.0.2.1\r\n"
                   "Expiry[[[3/9/2027 4:45:07 PM]]]\r\n"
                   "Remain[[[102]]]\r\n"},  // 4 days 6 h 15 min 7 s: whole hours only
        RenderCase{"updated_v6_echoes_the_site_as_sent",
                   updated("Home.Example.ORG", "2001:db8::1", utc(2027, 3, 5, 11, 30, 0)),
                   "IP Address for Home.Example.ORG set to 2001:db8::1\r\n"
                   "Expiry[[[3/5/2027 11:30:00 AM]]]\r\n"
                   "Remain[[[1]]]\r\n"},
        RenderCase{"less_than_an_hour_left",
                   updated("h.example.org", "192.0.2.1", utc(2027, 3, 5, 11, 29, 59)),
                   "IP Address for h.example.org set to 192.0.2.1\r\n"
                   "Expiry[[[3/5/2027 11:29:59 AM]]]\r\n"
                   "Remain[[[0]]]\r\n"},
        // No expiry: a far but ordinary date the old client can parse, and the hours until it.
        RenderCase{"no_expiry", updated("h.example.org", "192.0.2.1", std::nullopt),
                   "IP Address for h.example.org set to 192.0.2.1\r\n"
                   "Expiry[[[1/1/2100 12:00:00 AM]]]\r\n"
                   "Remain[[[638389]]]\r\n"},
        RenderCase{"missing_parameters", failed(DynamipCode::MissingParameters),
                   "{{{Missing Parameters|SiteID and Password are required}}}\r\n"},
        RenderCase{"bad_method", failed(DynamipCode::BadMethod),
                   "{{{Invalid Request|Send the update as a GET request}}}\r\n"},
        RenderCase{"malformed_address", failed(DynamipCode::MalformedAddress),
                   "{{{Invalid IP Address|IPAddr must be AUTO or an IPv4 or IPv6 address}}}\r\n"},
        RenderCase{"address_not_allowed", failed(DynamipCode::AddressNotAllowed),
                   "{{{Invalid IP Address|The address is not reachable from the Internet}}}\r\n"},
        RenderCase{"invalid_password", failed(DynamipCode::InvalidPassword),
                   "{{{Invalid Password|The SiteID or the password is not correct}}}\r\n"},
        RenderCase{"account_disabled", failed(DynamipCode::AccountDisabled),
                   "{{{Account Disabled|The account has been disabled by the operator}}}\r\n"},
        RenderCase{"account_expired", failed(DynamipCode::AccountExpired),
                   "{{{Account Expired|The account has expired; renew it to resume updates}}}\r\n"},
        RenderCase{"dns_failure", failed(DynamipCode::DnsFailure),
                   "{{{Server Error|The DNS server did not accept the update; try again "
                   "later}}}\r\n"},
        RenderCase{"server_error", failed(DynamipCode::ServerError),
                   "{{{Server Error|The service is temporarily unavailable; try again "
                   "later}}}\r\n"}),
    [](const auto& row) { return std::string(row.param.name); });

// The update log: whose fault each answer is. DNS and backend failures are never the client's.
TEST(DynamipAudit, EveryCodeHasItsFaultClassAndTitle) {
    using F = auth::FaultClass;
    struct Row {
        DynamipCode code;
        F fault;
        const char* word;
    };
    const Row rows[] = {{DynamipCode::Updated, F::None, "updated"},
                        {DynamipCode::MissingParameters, F::Client, "missing-parameters"},
                        {DynamipCode::BadMethod, F::Client, "invalid-request"},
                        {DynamipCode::MalformedAddress, F::Client, "invalid-ip-address"},
                        {DynamipCode::AddressNotAllowed, F::Client, "invalid-ip-address"},
                        {DynamipCode::InvalidPassword, F::Auth, "invalid-password"},
                        {DynamipCode::AccountDisabled, F::Auth, "account-disabled"},
                        {DynamipCode::AccountExpired, F::Auth, "account-expired"},
                        {DynamipCode::Throttled, F::Client, "too-many-attempts"},
                        {DynamipCode::DnsFailure, F::Server, "server-error"},
                        {DynamipCode::ServerError, F::Server, "server-error"}};
    for (const Row& row : rows) {
        EXPECT_EQ(dynamip_fault(row.code), row.fault) << row.word;
        const auto note = dynamip_audit(row.code, "home.example.org", {});
        EXPECT_EQ(note.dialect, "dynamip");
        ASSERT_EQ(note.hosts.size(), 1u);
        EXPECT_EQ(note.hosts[0].outcome, row.word);
        EXPECT_EQ(note.hosts[0].fault, row.fault) << row.word;
    }
}

TEST(DynamipAudit, AWrongPasswordIsChargedToTheSiteIdItNames) {
    const auto note = dynamip_audit(DynamipCode::InvalidPassword, " Home.Example.ORG", {});
    EXPECT_TRUE(note.username.empty()) << "DynamIP has no username: the SiteID names the host";
    ASSERT_EQ(note.hosts.size(), 1u);
    EXPECT_FALSE(note.hosts[0].host_id);
    EXPECT_EQ(note.hosts[0].name, "home.example.org");
    EXPECT_EQ(note.hosts[0].fault, auth::FaultClass::Auth);
}

TEST(DynamipAudit, NoSuchHostIsTheClientsFaultNotAnAuthFault) {
    // A SiteID that is no host name at all.
    EXPECT_EQ(dynamip_audit(DynamipCode::InvalidPassword, "bad..name", {}).hosts[0].fault,
              auth::FaultClass::Client);
    // The host was removed between the login and the update.
    AuditFacts gone;
    gone.account_id = 3;
    gone.host = auth::AuditHost{};
    gone.host->host_id = 9;
    gone.applied = ApplyStatus::Gone;
    const auto note = dynamip_audit(DynamipCode::InvalidPassword, "home.example.org", gone);
    EXPECT_EQ(note.hosts[0].fault, auth::FaultClass::Client);
    EXPECT_EQ(note.hosts[0].host_id, 9);
    EXPECT_EQ(note.account_id, 3);
}

}  // namespace
}  // namespace ddns::gateway
