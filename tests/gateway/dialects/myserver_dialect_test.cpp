// MyServer-style commands without sockets: the wire words row by row, the SQL Server date style,
// parameter and type parsing, how Host names an owner inside a zone, and the dialect against fake
// stores and a fake DNS sender (what it sends, what it answers, what it leaves alone).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>

#include "ddns/auth/failure_throttle.hpp"
#include "ddns/auth/password.hpp"
#include "ddns/auth/token.hpp"
#include "ddns/gateway/dialects/myserver_dialect.hpp"
#include "fakes.hpp"

namespace ddns::gateway {
namespace {

using fakes::FakeAccountStore;
using fakes::FakeHostStore;
using fakes::FakeRecordStore;
using fakes::FakeSender;

using namespace std::chrono;

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}
DnsName name(const char* text) {
    return *DnsName::parse(text);
}
auth::TimePoint at(int y, unsigned m, unsigned d, int hour = 0, int minute = 0) {
    return sys_days{year{y} / month{m} / day{d}} + hours{hour} + minutes{minute};
}
MyServerReply code(MyServerCode c) {
    return MyServerReply{c, std::nullopt, std::nullopt};
}
std::optional<std::string> retry_after(const Response& r) {
    for (const auto& h : r.headers)
        if (h.name == "Retry-After") return h.value;
    return std::nullopt;
}

struct RenderCase {
    MyServerReply reply;
    const char* body;
};

class MyServerRender : public ::testing::TestWithParam<RenderCase> {};

TEST_P(MyServerRender, OneRowPerOutcome) {
    const auto r = render_myserver(GetParam().reply);
    EXPECT_EQ(r.body, GetParam().body);
    EXPECT_EQ(r.status, 200) << "the client reads errors from the body, never from the status";
    EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MyServerRender,
    ::testing::Values(
        RenderCase{{MyServerCode::IpAddress, ip("198.51.100.7"), std::nullopt},
                   "DNS LOGIN:SUCCESS\r\nIPAddress:198.51.100.7\r\n"},
        RenderCase{{MyServerCode::IpAddress, ip("2001:db8::7"), std::nullopt},
                   "DNS LOGIN:SUCCESS\r\nIPAddress:2001:db8::7\r\n"},
        RenderCase{code(MyServerCode::AddSuccess), "DNS ADD:SUCCESS\r\n"},
        RenderCase{code(MyServerCode::DeleteSuccess), "DNS DELETE:SUCCESS\r\n"},
        RenderCase{code(MyServerCode::InvalidPassword), "Error:Invalid Password\r\n"},
        RenderCase{code(MyServerCode::InvalidUsername), "Error:Invalid Username\r\n"},
        RenderCase{code(MyServerCode::AccountExpired), "Error:Account Expired\r\n"},
        RenderCase{code(MyServerCode::InvalidCommand), "Error:Invalid Command\r\n"},
        RenderCase{code(MyServerCode::InvalidIpAddress), "Error:Invalid IP Address\r\n"},
        RenderCase{code(MyServerCode::InvalidRecordType), "Error:Invalid Record Type\r\n"},
        RenderCase{code(MyServerCode::InvalidHost), "Error:Invalid Host\r\n"},
        RenderCase{code(MyServerCode::InvalidData), "Error:Invalid Data\r\n"},
        RenderCase{code(MyServerCode::InvalidDomain), "Error:Invalid Domain\r\n"},
        RenderCase{code(MyServerCode::RecordNotFound), "Error:Record Not Found\r\n"},
        RenderCase{code(MyServerCode::RecordAlreadyExists), "Error:Record Already Exists\r\n"},
        RenderCase{code(MyServerCode::CnameConflict), "Error:CNAME Conflict\r\n"},
        RenderCase{code(MyServerCode::PermissionDenied), "Error:Permission Denied\r\n"},
        RenderCase{code(MyServerCode::TooManyAttempts), "Error:Too Many Attempts\r\n"},
        RenderCase{code(MyServerCode::ServerError), "Error:Server Error\r\n"}));

TEST(MyServerRender, TooManyAttemptsSaysWhenToRetry) {
    MyServerReply throttled = code(MyServerCode::TooManyAttempts);
    throttled.retry_after = seconds(42);
    EXPECT_EQ(retry_after(render_myserver(throttled)), "42");
    // The header is never missing from this answer, even without a known wait.
    EXPECT_EQ(retry_after(render_myserver(code(MyServerCode::TooManyAttempts))), "1");
    for (auto other : {MyServerCode::AddSuccess, MyServerCode::InvalidPassword,
                       MyServerCode::PermissionDenied, MyServerCode::ServerError})
        EXPECT_FALSE(retry_after(render_myserver(code(other))).has_value());
}

MyServerReply login(auth::Plan plan, std::optional<auth::TimePoint> expires,
                    std::vector<MyServerListedRecord> records) {
    return MyServerReply{MyServerCode::LoginSuccess, std::nullopt,
                         MyServerLogin{"Alice", plan, expires, std::move(records)}};
}
ResourceRecord rr(const char* owner, RecordType type, Rdata data) {
    return *ResourceRecord::make(name(owner), type, 60, std::move(data));
}

TEST(MyServerRender, DomainLoginListsAllowedTypesSortedAsStringsThenEachRecord) {
    const auto zone = name("example.org");
    const auto r = render_myserver(
        login(auth::Plan::Domain, at(2010, 6, 11),
              {{rr("example.org", RecordType::MX, MxData{10, name("mail.example.org")}), zone},
               {rr("example.org", RecordType::NS, name("ns1.example.net")), zone},
               {rr("www.example.org", RecordType::A, ip("192.0.2.1")), zone},
               {rr("www.example.org", RecordType::A, ip("192.0.2.2")), zone},
               {rr("ftp.example.org", RecordType::CNAME, name("www.example.org")), zone},
               {rr("a.b.example.org", RecordType::AAAA, ip("2001:db8::1")), zone}}));
    EXPECT_EQ(r.body,
              "DNS LOGIN:SUCCESS\r\n"
              "ExpirationDate:Jun 11 2010 12:00AM\r\n"
              "UserName:Alice\r\n"
              "UserLevel:2\r\n"
              "RecordTypes:A,CNAME,MX 1,MX 10,MX 2,MX 3,MX 4,MX 5,MX 6,MX 7,MX 8,MX 9,NS;;"
              "MX 10;;@;;mail.example.org;;"
              "NS;;@;;ns1.example.net;;"
              "A;;www;;192.0.2.1;;"
              "A;;www;;192.0.2.2;;"
              "CNAME;;ftp;;www.example.org;;"
              "AAAA;;a.b.example.org;;2001:db8::1;;\r\n");
}

TEST(MyServerRender, FreeLoginWithoutExpiryAndWithoutRecords) {
    const auto r = render_myserver(login(auth::Plan::Free, std::nullopt, {}));
    EXPECT_EQ(r.body,
              "DNS LOGIN:SUCCESS\r\n"
              "ExpirationDate:Dec 31 9999 11:59PM\r\n"
              "UserName:Alice\r\n"
              "UserLevel:1\r\n"
              "RecordTypes:A;;\r\n");
}

TEST(MyServerRender, ListingWithoutAZoneWritesFullNames) {
    const auto r = render_myserver(
        login(auth::Plan::Domain, std::nullopt,
              {{rr("one.test", RecordType::A, ip("192.0.2.1")), std::nullopt},
               {rr("www.two.test", RecordType::A, ip("192.0.2.2")), std::nullopt}}));
    EXPECT_NE(r.body.find(";;A;;one.test;;192.0.2.1;;A;;www.two.test;;192.0.2.2;;\r\n"),
              std::string::npos)
        << r.body;
}

struct DateCase {
    auth::TimePoint time;
    const char* text;
};

class MyServerDate : public ::testing::TestWithParam<DateCase> {};

TEST_P(MyServerDate, SqlServerStyle100) {
    EXPECT_EQ(format_myserver_date(GetParam().time), GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MyServerDate,
    ::testing::Values(DateCase{at(2010, 6, 11), "Jun 11 2010 12:00AM"},
                      DateCase{at(2010, 6, 1), "Jun  1 2010 12:00AM"},
                      DateCase{at(2024, 1, 9, 9, 5), "Jan  9 2024  9:05AM"},
                      DateCase{at(2024, 12, 31, 12, 0), "Dec 31 2024 12:00PM"},
                      DateCase{at(2024, 2, 29, 13, 59), "Feb 29 2024  1:59PM"},
                      DateCase{at(1999, 10, 10, 23, 59), "Oct 10 1999 11:59PM"},
                      DateCase{at(2030, 3, 3, 0, 1) + seconds{59}, "Mar  3 2030 12:01AM"}));

TEST(MyServerCommands, FxnIsCaseInsensitiveAndUnknownIsNone) {
    EXPECT_EQ(parse_myserver_command("GetIPAddress"), MyServerCommand::GetIpAddress);
    EXPECT_EQ(parse_myserver_command("getipaddress"), MyServerCommand::GetIpAddress);
    EXPECT_EQ(parse_myserver_command("LOGIN"), MyServerCommand::Login);
    EXPECT_EQ(parse_myserver_command("aDd"), MyServerCommand::Add);
    EXPECT_EQ(parse_myserver_command("Delete"), MyServerCommand::Delete);
    for (const char* bad : {"", "Del", "Logout", "Add ", "GetIP"})
        EXPECT_EQ(parse_myserver_command(bad), std::nullopt) << bad;
}

struct TypeCase {
    const char* text;
    std::optional<MyServerType> type;
};

class MyServerTypes : public ::testing::TestWithParam<TypeCase> {};

TEST_P(MyServerTypes, Parse) {
    EXPECT_EQ(parse_myserver_type(GetParam().text), GetParam().type) << GetParam().text;
}

constexpr std::optional<std::uint16_t> kNoPref;

INSTANTIATE_TEST_SUITE_P(
    Table, MyServerTypes,
    ::testing::Values(TypeCase{"A", MyServerType{RecordType::A, kNoPref}},
                      TypeCase{"a", MyServerType{RecordType::A, kNoPref}},
                      TypeCase{"Cname", MyServerType{RecordType::CNAME, kNoPref}},
                      TypeCase{"ns", MyServerType{RecordType::NS, kNoPref}},
                      TypeCase{"MX 1", MyServerType{RecordType::MX, 1}},
                      TypeCase{"mx 10", MyServerType{RecordType::MX, 10}},
                      TypeCase{"MX+5", MyServerType{RecordType::MX, 5}},
                      TypeCase{"MX7", MyServerType{RecordType::MX, 7}},
                      TypeCase{"MX", std::nullopt}, TypeCase{"MX 0", std::nullopt},
                      TypeCase{"MX 11", std::nullopt}, TypeCase{"MX 100", std::nullopt},
                      TypeCase{"MX -1", std::nullopt}, TypeCase{"MX 1x", std::nullopt},
                      TypeCase{"AAAA", std::nullopt}, TypeCase{"TXT", std::nullopt},
                      TypeCase{"SOA", std::nullopt}, TypeCase{"", std::nullopt}));

TEST(MyServerTypes, AllowedPerPlan) {
    const std::vector<MyServerType> free_types{MyServerType{RecordType::A, kNoPref}};
    EXPECT_EQ(myserver_allowed_types(auth::Plan::Free), free_types);
    const auto domain = myserver_allowed_types(auth::Plan::Domain);
    EXPECT_EQ(domain.size(), 13u);
    for (std::uint16_t p = 1; p <= 10; ++p)
        EXPECT_NE(std::find(domain.begin(), domain.end(), MyServerType{RecordType::MX, p}),
                  domain.end());
}

TEST(MyServerParams, NamesAreCaseInsensitiveAndDataWinsOverIp) {
    const auto p = parse_myserver_params(QueryParams::parse(
        "fxn=aDD&USR=alice&pwd=se%20cret+x&hOsT=www&TYPE=MX%2010&ip=192.0.2.1&data=mail."
        "example.org&DOMAIN=Example.org"));
    EXPECT_EQ(p.command, MyServerCommand::Add);
    EXPECT_EQ(p.user, "alice");
    EXPECT_EQ(p.password.expose_view(), "se cret+x");
    EXPECT_EQ(p.host, "www");
    EXPECT_EQ(p.type, "MX 10");
    EXPECT_EQ(p.value, "mail.example.org");
    EXPECT_EQ(p.domain, "Example.org");
}

TEST(MyServerParams, IpIsTheValueWithoutDataAndAbsentParametersAreEmpty) {
    const auto p =
        parse_myserver_params(QueryParams::parse("FXN=Delete&Usr=%20bob%20&IP=192.0.2.9"));
    EXPECT_EQ(p.command, MyServerCommand::Delete);
    EXPECT_EQ(p.user, "bob");
    EXPECT_TRUE(p.password.empty());
    EXPECT_EQ(p.value, "192.0.2.9");
    EXPECT_TRUE(p.host.empty());
    EXPECT_TRUE(p.type.empty());
    EXPECT_TRUE(p.domain.empty());
    EXPECT_EQ(parse_myserver_params(QueryParams::parse("FXN=Nope")).command, std::nullopt);
    EXPECT_EQ(parse_myserver_params(QueryParams::parse("Usr=x")).command, std::nullopt);
}

struct OwnerCase {
    const char* host;
    const char* owner;  // nullptr: error
    MyServerCode error;
};

class MyServerOwner : public ::testing::TestWithParam<OwnerCase> {};

TEST_P(MyServerOwner, ResolveInZone) {
    const auto& c = GetParam();
    const auto owner = resolve_myserver_owner(c.host, name("example.org"));
    if (c.owner) {
        ASSERT_TRUE(owner) << c.host;
        EXPECT_EQ(*owner, name(c.owner)) << c.host;
    } else {
        ASSERT_FALSE(owner) << c.host;
        EXPECT_EQ(owner.error(), c.error) << c.host;
    }
}

constexpr auto kOk = MyServerCode::AddSuccess;  // unused for rows that resolve

INSTANTIATE_TEST_SUITE_P(
    Table, MyServerOwner,
    ::testing::Values(OwnerCase{"@", "example.org", kOk}, OwnerCase{"", "example.org", kOk},
                      OwnerCase{"www", "www.example.org", kOk},
                      OwnerCase{"WWW", "www.example.org", kOk},
                      OwnerCase{"*", "*.example.org", kOk},
                      OwnerCase{"www.example.org", "www.example.org", kOk},
                      OwnerCase{"www.example.org.", "www.example.org", kOk},
                      OwnerCase{"Example.Org", "example.org", kOk},
                      OwnerCase{"a.b.example.org", "a.b.example.org", kOk},
                      OwnerCase{"www.other.org", nullptr, MyServerCode::PermissionDenied},
                      OwnerCase{"www.", nullptr, MyServerCode::PermissionDenied},
                      OwnerCase{"xexample.org", nullptr, MyServerCode::PermissionDenied},
                      OwnerCase{"-bad-", nullptr, MyServerCode::InvalidHost},
                      OwnerCase{"a b", nullptr, MyServerCode::InvalidHost},
                      OwnerCase{"a..example.org", nullptr, MyServerCode::InvalidHost},
                      OwnerCase{"@.example.org", nullptr, MyServerCode::InvalidHost}));

// ---- The dialect against fakes ----

constexpr const char* kPw = "pw";

class MyServerDialectTest : public ::testing::Test {
protected:
    MyServerDialectTest() {
        shared = zone(1, "dyn.example", std::nullopt);
        one = zone(2, "one.example", 20);
        two = zone(3, "two.example", 20);
        auth::Principal free{account(10, "free", auth::Plan::Free), {}, std::nullopt, {}};
        free.hosts.push_back(auth::Host{100, 10, name("home.dyn.example"), 60, ip("192.0.2.1"),
                                        std::nullopt, std::nullopt, shared});
        free.hosts.push_back(auth::Host{101, 10, name("cabin.dyn.example"), 60, std::nullopt,
                                        std::nullopt, std::nullopt, shared});
        hosts.rows[100] = {100, ip("192.0.2.1"), std::nullopt};
        hosts.rows[101] = {101, std::nullopt, std::nullopt};
        accounts.add(free);
        auth::Principal domain{account(20, "dom", auth::Plan::Domain), {}, std::nullopt, {one}};
        accounts.add(domain);
        domain.account = account(21, "dom2", auth::Plan::Domain);
        domain.owned_zones = {one, two};
        accounts.add(domain);
    }
    std::shared_ptr<const auth::Zone> zone(std::int64_t id, const char* n,
                                           std::optional<std::int64_t> owner) {
        auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0");
        return std::make_shared<auth::Zone>(auth::Zone{
            id, name(n), ServerEndpoint{ip("127.0.0.1"), 53}, std::move(*key), 60, owner});
    }
    auth::Account account(std::int64_t id, const char* user, auth::Plan plan) {
        return auth::Account{id, user, "", plan, false, std::nullopt, false, password_hash};
    }
    RequestView request(const std::string& query, const std::string& method) {
        RequestView r;
        r.method = method;
        r.path = "/dnslogin3.asp";
        r.query = QueryParams::parse(query);
        r.peer = r.client = ip("198.51.100.9");
        return r;
    }
    std::string call(const std::string& query, const std::string& method = "GET") {
        return dialect.handle(request(query, method)).body;
    }
    // What the route table answers a method other than GET, POST and HEAD with.
    std::string refuse(const std::string& query, const std::string& method) {
        return dialect.refuse_method(request(query, method)).body;
    }
    std::string as(const char* user, const std::string& query) {
        return call(std::string("Usr=") + user + "&Pwd=" + kPw + "&" + query);
    }
    void store_record(const auth::Zone& z, ResourceRecord r) { records.add(z.id, std::move(r)); }

    auth::PasswordHasher hasher{auth::Argon2Params{1, std::size_t{8} * 1024}};
    std::string password_hash = hasher.hash(Secret(std::string_view(kPw)));
    std::shared_ptr<const auth::Zone> shared, one, two;
    FakeAccountStore accounts;
    FakeSender sender;
    FakeHostStore hosts;
    FakeRecordStore records;
    Logger log{LogLevel::Error};
    auth::Authenticator authenticator{accounts, hasher, [] { return auth::Clock::now(); }};
    UpdateService updates{sender, hosts, log};
    RecordService record_service{sender, records, log};
    AddressPolicy policy;
    MyServerDialect dialect{authenticator, updates, record_service,
                            policy,        log,     [] { return auth::Clock::now(); }};
};

TEST_F(MyServerDialectTest, ThrottledLoginSaysWhenToRetry) {
    auth::SteadyClock::time_point steady{};
    auth::FailureThrottleOptions options;
    options.address_failures = 1;
    options.address_initial = seconds(30);
    auth::FailureThrottle throttle(options, [&] { return steady; });
    auth::Authenticator guarded{accounts, hasher, [] { return auth::Clock::now(); }, {}, &throttle};
    MyServerDialect d{guarded, updates, record_service,
                      policy,  log,     [] { return auth::Clock::now(); }};
    RequestView request;
    request.method = "GET";
    request.path = "/dnslogin3.asp";
    request.peer = request.client = ip("198.51.100.9");
    request.query = QueryParams::parse("FXN=Login&Usr=free&Pwd=wrong");
    EXPECT_EQ(d.handle(request).body, "Error:Invalid Password\r\n");
    request.query = QueryParams::parse("FXN=Login&Usr=free&Pwd=pw");
    const Response locked = d.handle(request);
    EXPECT_EQ(locked.body, "Error:Too Many Attempts\r\n");
    EXPECT_EQ(retry_after(locked), "30");
}

TEST_F(MyServerDialectTest, NoChangeBudgetSaysWhenToRetry) {
    UpdateServiceOptions options;
    options.nochg = auth::NochgPolicy{seconds(300), 1};
    UpdateService budgeted{sender, hosts, log, options};
    const auto now = auth::Clock::now();
    MyServerDialect d{authenticator, budgeted, record_service, policy, log, [now] { return now; }};
    RequestView request;
    request.method = "GET";
    request.path = "/dnslogin3.asp";
    request.peer = request.client = ip("198.51.100.9");
    // home.dyn.example already holds 192.0.2.1: each Add of it changes nothing.
    request.query = QueryParams::parse("FXN=Add&Usr=free&Pwd=pw&Host=home&IP=192.0.2.1");
    const Response first = d.handle(request);
    EXPECT_EQ(first.body, "Error:Record Already Exists\r\n");
    EXPECT_FALSE(retry_after(first).has_value());
    const Response second = d.handle(request);
    EXPECT_EQ(second.body, "Error:Too Many Attempts\r\n");
    EXPECT_EQ(retry_after(second), "300")
        << "the window opened by the first update, at the same now";
    EXPECT_TRUE(sender.sent.empty());
}

TEST_F(MyServerDialectTest, GetIpAddressNeedsNoCredentialsAndOtherMethodsAreInvalid) {
    EXPECT_EQ(call("FXN=GetIPAddress"), "DNS LOGIN:SUCCESS\r\nIPAddress:198.51.100.9\r\n");
    EXPECT_EQ(call("FXN=GetIPAddress", "HEAD"), "DNS LOGIN:SUCCESS\r\nIPAddress:198.51.100.9\r\n");
    EXPECT_EQ(refuse("FXN=GetIPAddress", "PUT"), "Error:Invalid Command\r\n");
    EXPECT_EQ(refuse("FXN=Login&Usr=free&Pwd=pw", "DELETE"), "Error:Invalid Command\r\n");
}

TEST_F(MyServerDialectTest, FreeHostNeedsHostWhenTheAccountHasSeveral) {
    // Two names: Host must say which one; labels and full names both work.
    EXPECT_EQ(as("free", "FXN=Add&IP=192.0.2.2"), "Error:Invalid Host\r\n");
    EXPECT_TRUE(sender.sent.empty());
    EXPECT_EQ(as("free", "FXN=Add&Host=cabin&IP=192.0.2.2"), "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(hosts.rows[101].ipv4, ip("192.0.2.2"));
    EXPECT_EQ(as("free", "FXN=Add&Host=HOME.dyn.example.&IP=192.0.2.3"), "DNS ADD:SUCCESS\r\n");
    // Add joins the name's A records (a round robin beside 192.0.2.1).
    EXPECT_EQ(hosts.rows[100].ipv4, ip("192.0.2.1"));
    EXPECT_EQ(hosts.rows[100].extra_ipv4, std::vector{ip("192.0.2.3")});
    EXPECT_EQ(as("free", "FXN=Add&Host=home&Domain=dyn.example&IP=192.0.2.4"),
              "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(as("free", "FXN=Add&Host=home&Domain=dyn..example&IP=192.0.2.4"),
              "Error:Invalid Domain\r\n");
    EXPECT_EQ(sender.sent.size(), 3u);
}

TEST_F(MyServerDialectTest, FreeDeleteOfAnotherAddressSendsNothing) {
    EXPECT_EQ(as("free", "FXN=Delete&Host=home&IP=192.0.2.77"), "Error:Record Not Found\r\n");
    EXPECT_EQ(as("free", "FXN=Delete&Host=home&IP=nonsense"), "Error:Invalid IP Address\r\n");
    EXPECT_EQ(as("free", "FXN=Delete&Host=cabin"), "Error:Record Not Found\r\n");
    EXPECT_TRUE(sender.sent.empty());
    EXPECT_EQ(as("free", "FXN=Delete&Host=home&IP=192.0.2.1"), "DNS DELETE:SUCCESS\r\n");
    EXPECT_EQ(hosts.rows[100].ipv4, std::nullopt);
}

TEST_F(MyServerDialectTest, HostScopedTokenSeesOnlyItsHostAndNoZone) {
    const std::string token = "abcdefghijklmnopqrstuvwxyz234567";
    accounts.add_token("free", auth::token_digest(token), auth::TokenMatch{7, 101});
    EXPECT_EQ(call("FXN=Add&Usr=free&Pwd=" + token + "&IP=192.0.2.5"), "DNS ADD:SUCCESS\r\n")
        << "the token's only host is the default";
    EXPECT_EQ(hosts.rows[101].ipv4, ip("192.0.2.5"));
    EXPECT_EQ(call("FXN=Add&Usr=free&Pwd=" + token + "&Host=home&IP=192.0.2.5"),
              "Error:Permission Denied\r\n");
    EXPECT_EQ(hosts.rows[100].ipv4, ip("192.0.2.1"));
    // A token is only ever matched for its own account (as the store's query joins them): a
    // domain account's token limited to one of its hosts reaches none of the zone's records.
    const std::string dom_token = "zyxwvutsrqponmlkjihgfedcba765432";
    accounts.add_host("dom", auth::Host{200, 20, name("h.one.example"), 60, std::nullopt,
                                        std::nullopt, std::nullopt, one});
    accounts.add_token("dom", auth::token_digest(dom_token), auth::TokenMatch{8, 200});
    EXPECT_EQ(call("FXN=Add&Usr=dom&Pwd=" + token + "&Host=www&IP=192.0.2.5"),
              "Error:Invalid Password\r\n")
        << "another account's token";
    EXPECT_EQ(call("FXN=Add&Usr=dom&Pwd=" + dom_token + "&Host=www&IP=192.0.2.5"),
              "Error:Permission Denied\r\n");
    EXPECT_EQ(sender.sent.size(), 1u);
}

TEST_F(MyServerDialectTest, SeveralZonesNeedDomainOrAFullName) {
    EXPECT_EQ(as("dom2", "FXN=Add&Host=www&IP=192.0.2.6"), "Error:Invalid Domain\r\n");
    EXPECT_TRUE(sender.sent.empty());
    EXPECT_EQ(as("dom2", "FXN=Add&Host=www&Domain=TWO.example&IP=192.0.2.6"),
              "DNS ADD:SUCCESS\r\n");
    ASSERT_EQ(sender.sent.size(), 1u);
    EXPECT_EQ(sender.sent[0].zone, name("two.example"));
    EXPECT_EQ(as("dom2", "FXN=Add&Host=www.one.example&IP=192.0.2.7"), "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(sender.sent.at(1).zone, name("one.example"));
    EXPECT_EQ(records.zones[2].size(), 1u);
    EXPECT_EQ(records.zones[3].size(), 1u);
}

TEST_F(MyServerDialectTest, LoginOverSeveralZonesWritesFullNames) {
    store_record(*one, rr("www.one.example", RecordType::A, ip("192.0.2.8")));
    store_record(*two, rr("two.example", RecordType::MX, MxData{5, name("mx.two.example")}));
    const auto all = as("dom2", "FXN=Login");
    EXPECT_NE(
        all.find("NS;;A;;www.one.example;;192.0.2.8;;MX 5;;two.example;;mx.two.example;;\r\n"),
        std::string::npos)
        << all;
    EXPECT_NE(all.find("UserLevel:2\r\n"), std::string::npos) << all;
    EXPECT_TRUE(
        as("dom2", "FXN=Login&Domain=two.example").ends_with("NS;;MX 5;;@;;mx.two.example;;\r\n"));
}

TEST_F(MyServerDialectTest, BackendFailuresAreServerErrors) {
    sender.status = UpdateStatus::Refused;
    EXPECT_EQ(as("dom", "FXN=Add&Host=www&IP=192.0.2.9"), "Error:Server Error\r\n");
    EXPECT_EQ(as("free", "FXN=Add&Host=home&IP=192.0.2.9"), "Error:Server Error\r\n");
    EXPECT_TRUE(records.zones[2].empty());
    EXPECT_EQ(hosts.rows[100].ipv4, ip("192.0.2.1"));

    sender.status = UpdateStatus::Success;
    records.fail_commit = true;
    EXPECT_EQ(as("dom", "FXN=Add&Host=www&IP=192.0.2.9"), "Error:Server Error\r\n");
    EXPECT_TRUE(records.zones[2].empty());
    records.fail_list = true;
    EXPECT_EQ(as("dom", "FXN=Login"), "Error:Server Error\r\n");
    accounts.fail = true;
    EXPECT_EQ(as("free", "FXN=Login"), "Error:Server Error\r\n");
}

TEST_F(MyServerDialectTest, DeleteSelectsOneRrOrTheMxOfOnePreference) {
    store_record(*one, rr("one.example", RecordType::MX, MxData{10, name("a.example")}));
    store_record(*one, rr("one.example", RecordType::MX, MxData{10, name("b.example")}));
    store_record(*one, rr("one.example", RecordType::MX, MxData{20, name("c.example")}));
    EXPECT_EQ(as("dom", "FXN=Delete&Host=@&Type=MX%2010&Data=b.example."),
              "DNS DELETE:SUCCESS\r\n");
    EXPECT_EQ(records.zones[2].size(), 2u);
    EXPECT_EQ(as("dom", "FXN=Delete&Host=@&Type=MX%2010&Data=c.example"),
              "Error:Record Not Found\r\n");
    EXPECT_EQ(as("dom", "FXN=Delete&Type=MX%2010"), "DNS DELETE:SUCCESS\r\n");
    ASSERT_EQ(records.zones[2].size(), 1u);
    EXPECT_EQ(records.stored(2)[0].data(), Rdata(MxData{20, name("c.example")}));
}

// The update log: whose fault each answer is. Server Error is never the client's.
TEST(MyServerAudit, EveryCodeHasItsFaultClass) {
    using F = auth::FaultClass;
    const std::pair<MyServerCode, F> rows[] = {{MyServerCode::LoginSuccess, F::None},
                                               {MyServerCode::AddSuccess, F::None},
                                               {MyServerCode::DeleteSuccess, F::None},
                                               {MyServerCode::InvalidPassword, F::Auth},
                                               {MyServerCode::AccountExpired, F::Auth},
                                               {MyServerCode::AccountDisabled, F::Auth},
                                               {MyServerCode::InvalidUsername, F::Client},
                                               {MyServerCode::InvalidCommand, F::Client},
                                               {MyServerCode::InvalidIpAddress, F::Client},
                                               {MyServerCode::InvalidRecordType, F::Client},
                                               {MyServerCode::InvalidHost, F::Client},
                                               {MyServerCode::InvalidData, F::Client},
                                               {MyServerCode::InvalidDomain, F::Client},
                                               {MyServerCode::RecordNotFound, F::Client},
                                               {MyServerCode::RecordAlreadyExists, F::Client},
                                               {MyServerCode::CnameConflict, F::Client},
                                               {MyServerCode::PermissionDenied, F::Client},
                                               {MyServerCode::TooManyAttempts, F::Client},
                                               {MyServerCode::ServerError, F::Server}};
    MyServerParams params;
    params.command = MyServerCommand::Add;
    params.user = "alice";
    for (const auto& [c, fault] : rows) {
        const std::string word = render_myserver(code(c)).body;
        const auto note = myserver_audit(c, word.substr(0, word.find('\r')), params, {});
        ASSERT_TRUE(note);
        EXPECT_EQ(note->dialect, "myserver");
        EXPECT_EQ(note->username, "alice");
        ASSERT_EQ(note->hosts.size(), 1u);
        EXPECT_EQ(note->hosts[0].fault, fault) << word;
        EXPECT_EQ(note->hosts[0].outcome, audit_word(word.substr(0, word.find('\r'))));
    }
}

TEST(MyServerAudit, ADisabledAccountLooksDeniedButCountsAsAnAuthFault) {
    EXPECT_EQ(render_myserver(code(MyServerCode::AccountDisabled)).body,
              render_myserver(code(MyServerCode::PermissionDenied)).body);
}

TEST(MyServerAudit, WordsAreOneTokenEach) {
    EXPECT_EQ(audit_word("Error:Invalid Password"), "error-invalid-password");
    EXPECT_EQ(audit_word("DNS ADD:SUCCESS"), "dns-add-success");
    EXPECT_EQ(audit_word("  OK "), "ok");
}

TEST(MyServerAudit, GetIpAddressIsNotLogged) {
    MyServerParams params;
    params.command = MyServerCommand::GetIpAddress;
    EXPECT_FALSE(myserver_audit(MyServerCode::IpAddress, "DNS LOGIN:SUCCESS", params, {}));
}

TEST(MyServerAudit, WrongCredentialsNameTheHostAsSentCompletedWithTheDomain) {
    MyServerParams params;
    params.command = MyServerCommand::Add;
    params.user = "alice";
    params.host = "Home";
    params.domain = "Example.org";
    auto note = myserver_audit(MyServerCode::InvalidPassword, "Error:Invalid Password", params, {});
    ASSERT_TRUE(note);
    EXPECT_FALSE(note->hosts[0].host_id);
    EXPECT_EQ(note->hosts[0].name, "home.example.org");
    params.domain.clear();
    params.host = "home.example.org.";
    note = myserver_audit(MyServerCode::InvalidPassword, "Error:Invalid Password", params, {});
    EXPECT_EQ(note->hosts[0].name, "home.example.org");
    params.host.clear();  // Login: the account's only host is charged by the writer
    params.command = MyServerCommand::Login;
    note = myserver_audit(MyServerCode::InvalidPassword, "Error:Invalid Password", params, {});
    EXPECT_EQ(note->hosts[0].name, "");
}

TEST(MyServerAudit, ReAddingTheSameAddressIsNoFault) {
    MyServerParams params;
    params.command = MyServerCommand::Add;
    AuditFacts facts;
    facts.host = auth::AuditHost{};
    facts.host->host_id = 4;
    facts.applied = ApplyStatus::Unchanged;
    const auto note = myserver_audit(MyServerCode::RecordAlreadyExists,
                                     "Error:Record Already Exists", params, facts);
    EXPECT_EQ(note->hosts[0].fault, auth::FaultClass::None);
    EXPECT_EQ(note->hosts[0].host_id, 4);
}

}  // namespace
}  // namespace ddns::gateway
