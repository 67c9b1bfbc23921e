// The Zerigo-style /dynamic endpoint end to end (protocols.md §2): requests to the real gateway,
// assertions on what named serves, on the SOA serial (proof of traffic or of its absence) and on
// the rows in PostgreSQL. Every reply is also checked for the HTTP rules of §0: a Status header
// equal to the status line, and no address literal in any header.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {"example.test"};
    o.unregistered_zones = {"denied.test"};
    // 127.0.0.2 may forward documentation addresses; 127.0.0.3 acts as a client whose own
    // (loopback) address may be published, like a router that sends no `ip` at all.
    o.extra_config =
        "proxy.trusted = 127.0.0.2/32\naddress.allow = 127.0.0.3/32\n" + kCacheMaxLagConfig;
    return o;
}()));

using Strings = std::vector<std::string>;
using Credentials = std::optional<std::pair<std::string, std::string>>;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// The checks every /dynamic reply must pass, whatever its status.
void expect_reply(const HttpReply& r, int status, const std::string& body) {
    EXPECT_EQ(r.status, status) << r.raw;
    EXPECT_EQ(r.body, body) << r.raw;
    // "HTTP/1.1 403 Forbidden" -> Status: 403 Forbidden
    const auto space = r.status_line.find(' ');
    ASSERT_NE(space, std::string::npos) << r.raw;
    EXPECT_EQ(r.header("Status"), r.status_line.substr(space + 1)) << r.raw;
    EXPECT_EQ(r.header("Content-Length"), std::to_string(r.body.size())) << r.raw;
    EXPECT_FALSE(r.header("Transfer-Encoding")) << r.raw;
    EXPECT_FALSE(std::regex_search(r.head, std::regex(R"(\d+\.\d+\.\d+\.\d+)"))) << r.head;
    EXPECT_FALSE(
        std::regex_search(r.head, std::regex(R"([0-9a-fA-F]*:[0-9a-fA-F]*:[0-9a-fA-F]*:)")))
        << r.head;
}

class Dynamic : public StackTest {
protected:
    // Each test: its own account with one host, one update token, dynamic updates enabled.
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
        token = stack().add_token(user);
        ASSERT_EQ(token.size(), 32u);
        const auto r = stack().admin({"account", "enable-updates", user});
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }

    // GET /dynamic?QUERY&user=USER&password=SECRET, as Zerigo documented it.
    HttpReply update(const std::string& query, const std::string& secret) {
        return stack().get("/dynamic?" + query + "&user=" + user + "&password=" + secret,
                           Credentials{}, {});
    }
    HttpReply update(const std::string& query) { return update(query, token); }
    // The same with Basic credentials instead of query parameters.
    HttpReply basic(const std::string& query, const std::string& secret,
                    const std::vector<std::string>& headers = {},
                    const std::string& source = "127.0.0.1") {
        return stack().get("/dynamic?" + query, std::pair{user, secret}, headers, source);
    }

    std::string user;
    std::string host;
    std::string token;
};

TEST_F(Dynamic, TokenInTheQueryUpdatesTheARecordAndTheRow) {
    const auto before = zone_serial(kZone);
    expect_reply(update("host=" + host + "&ip=192.0.2.10"), 200, "OK");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.10"});
    EXPECT_TRUE(aaaa_records(host).empty());
    EXPECT_EQ(zone_serial(kZone), before + 1);
    EXPECT_EQ(stored_addresses(host), "192.0.2.10 -");
    // The token travelled in the query string; it must not reach the log.
    const std::string log = stack().gateway_log();
    EXPECT_TRUE(contains(log, "dynamic client=127.0.0.1 user=" + user)) << log;
    EXPECT_FALSE(contains(log, token)) << log;
}

TEST_F(Dynamic, SameAddressAgainIsOkWithoutDnsTraffic) {
    expect_reply(update("host=" + host + "&ip=192.0.2.11"), 200, "OK");
    const auto before = zone_serial(kZone);
    expect_reply(update("host=" + host + "&ip=192.0.2.11"), 200, "OK");
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.11"});
    EXPECT_EQ(stored_addresses(host), "192.0.2.11 -");
}

TEST_F(Dynamic, TheAccountPasswordIsNotAToken) {
    expect_reply(update("host=" + host + "&ip=192.0.2.12"), 200, "OK");
    const auto before = zone_serial(kZone);
    // The password that works for dyndns2 is refused here, in the query and in Basic auth.
    // (Percent-encoded: spaces in a request target make it no HTTP/1.1 request line.)
    expect_reply(update("host=" + host + "&ip=192.0.2.13", "correct%20horse%20battery"), 403,
                 "bad credentials");
    expect_reply(basic("host=" + host + "&ip=192.0.2.13", kPassword), 403, "bad credentials");
    expect_reply(update("host=" + host + "&ip=192.0.2.13", token + "x"), 403, "bad credentials");
    expect_reply(update("host=" + host + "&ip=192.0.2.13", ""), 403, "bad credentials");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.12"});
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(stored_addresses(host), "192.0.2.12 -");
    const auto dyndns2 = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.13",
                                     std::pair{user, std::string(kPassword)});
    EXPECT_EQ(dyndns2.body, "good 192.0.2.13") << "the password itself is valid";
}

TEST_F(Dynamic, BasicAuthInsteadOfQueryParameters) {
    expect_reply(basic("host=" + host + "&ip=192.0.2.14", token), 200, "OK");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.14"});
    EXPECT_EQ(stored_addresses(host), "192.0.2.14 -");
}

TEST_F(Dynamic, ATokenOfAnotherAccountIsRefused) {
    const std::string other = user + "-o";
    stack().add_account(other, kPassword);
    const std::string foreign_token = stack().add_token(other);
    expect_reply(update("host=" + host + "&ip=192.0.2.15", foreign_token), 403, "bad credentials");
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_EQ(stored_addresses(host), "- -");
}

TEST_F(Dynamic, UpdatesAreOffUntilTheOperatorEnablesThem) {
    const std::string off = user + "-off";
    const std::string off_host = off + "." + kZone;
    stack().add_account(off, kPassword);
    stack().add_host(off_host, off);
    const std::string off_token = stack().add_token(off);
    const auto query = "/dynamic?host=" + off_host + "&ip=192.0.2.16&user=" + off + "&password=";
    const auto before = zone_serial(kZone);
    expect_reply(stack().get(query + off_token), 403, "dynamic updates disabled");
    EXPECT_TRUE(a_records(off_host).empty());
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(stored_addresses(off_host), "- -");
    EXPECT_EQ(stack().sql("select dynamic_updates from accounts where username = '" + off + "'"),
              "f");

    auto r = stack().admin({"account", "enable-updates", off});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto changed = std::chrono::steady_clock::now();
    EXPECT_TRUE(contains(r.output, "dynamic updates enabled for " + off)) << r.output;
    EXPECT_TRUE(std::regex_search(stack().admin({"account", "list"}).output,
                                  std::regex(off + R"( *free +on )")));
    // The refusal above was answered from the principal cache's copy, which the switch reaches
    // within cache.max_lag_ms; a refused request changes nothing.
    const auto status = [&](const std::string& target) {
        const auto reply = stack().get(target);
        return std::to_string(reply.status) + " " + reply.body;
    };
    expect_seen_within_max_lag(
        changed, [&] { return status(query + off_token); }, "200 OK");
    expect_reply(stack().get(query + off_token), 200, "OK");
    EXPECT_EQ(a_records(off_host), Strings{"192.0.2.16"});
    EXPECT_EQ(stored_addresses(off_host), "192.0.2.16 -");

    r = stack().admin({"account", "disable-updates", off});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    changed = std::chrono::steady_clock::now();
    EXPECT_TRUE(std::regex_search(stack().admin({"account", "list"}).output,
                                  std::regex(off + R"( *free +off )")));
    // Asked with the address the host has, so that an answer from the old copy changes nothing.
    expect_seen_within_max_lag(
        changed, [&] { return status(query + off_token); }, "403 dynamic updates disabled");
    expect_reply(stack().get("/dynamic?host=" + off_host + "&ip=192.0.2.17&user=" + off +
                             "&password=" + off_token),
                 403, "dynamic updates disabled");
    EXPECT_EQ(a_records(off_host), Strings{"192.0.2.16"});
}

TEST_F(Dynamic, EnableUpdatesForAnUnknownUserSaysSo) {
    for (const char* action : {"enable-updates", "disable-updates"}) {
        const auto r = stack().admin({"account", action, user + "-nobody"});
        EXPECT_EQ(r.exit_code, 1) << r.output;
        EXPECT_TRUE(contains(r.output, "there is no account " + user + "-nobody")) << r.output;
    }
    const auto usage = stack().admin({"account", "enable-updates"});
    EXPECT_EQ(usage.exit_code, 2) << usage.output;
    EXPECT_TRUE(contains(usage.output, "missing USER")) << usage.output;
}

TEST_F(Dynamic, Ipv6SetsOnlyTheAaaaAndIpv4OnlyTheA) {
    expect_reply(update("host=" + host + "&ip=192.0.2.18"), 200, "OK");
    const auto before = zone_serial(kZone);
    expect_reply(update("host=" + host + "&ip=2001%3adb8%3a%3a18"), 200, "OK");
    EXPECT_EQ(zone_serial(kZone), before + 1);
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::18"});
    EXPECT_EQ(a_records(host), Strings{"192.0.2.18"}) << "an IPv6 update leaves the A record alone";
    EXPECT_EQ(stored_addresses(host), "192.0.2.18 2001:db8::18");
    expect_reply(update("host=" + host + "&ip=192.0.2.19"), 200, "OK");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.19"});
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::18"})
        << "an IPv4 update leaves the AAAA alone";
    EXPECT_EQ(stored_addresses(host), "192.0.2.19 2001:db8::18");
}

TEST_F(Dynamic, AbsentOrEmptyIpUsesTheClientAddress) {
    // Forwarded by the trusted proxy 127.0.0.2: IPv4, then IPv6, each only in its own family.
    expect_reply(basic("host=" + host, token, {"X-Forwarded-For: 198.51.100.20"}, "127.0.0.2"), 200,
                 "OK");
    EXPECT_EQ(a_records(host), Strings{"198.51.100.20"});
    EXPECT_TRUE(aaaa_records(host).empty());
    expect_reply(basic("host=" + host + "&ip=", token, {"Forwarded: for=\"[2001:db8::20]:4711\""},
                       "127.0.0.2"),
                 200, "OK");
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::20"});
    EXPECT_EQ(a_records(host), Strings{"198.51.100.20"});
    EXPECT_EQ(stored_addresses(host), "198.51.100.20 2001:db8::20");
}

TEST_F(Dynamic, ForwardedHeadersFromUntrustedPeersAreIgnored) {
    // From 127.0.0.1 the header is ignored; the loopback peer is the address, and it is refused.
    const auto before = zone_serial(kZone);
    expect_reply(basic("host=" + host, token, {"X-Forwarded-For: 198.51.100.21"}), 400,
                 "address not allowed");
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_EQ(zone_serial(kZone), before);
}

TEST_F(Dynamic, Inadyn1RequestWithAbsoluteTargetAndNoHostHeader) {
    // What inadyn 1.x sends: HTTP/1.0, absolute-form target, only ?host=, Basic auth, no Host
    // header. No `ip`, so the address is the TCP peer (127.0.0.3, allowed by this test's config).
    const std::string request = "GET http://127.0.0.1:" + std::to_string(stack().http_port()) +
                                "/dynamic?host=" + host + " HTTP/1.0\r\nAuthorization: Basic " +
                                base64(user + ":" + token) +
                                "\r\nUser-Agent: inadyn/1.96.2\r\n\r\n";
    const auto r = stack().raw(request, "127.0.0.3");
    expect_reply(r, 200, "OK");
    EXPECT_EQ(r.status_line, "HTTP/1.0 200 OK");
    EXPECT_EQ(a_records(host), Strings{"127.0.0.3"});
    EXPECT_EQ(stored_addresses(host), "127.0.0.3 -");
}

TEST_F(Dynamic, MissingOrInvalidHostIs400) {
    const auto before = zone_serial(kZone);
    expect_reply(update("ip=192.0.2.22"), 400, "missing host");
    expect_reply(update("host=&ip=192.0.2.22"), 400, "missing host");
    expect_reply(update("host=a..b&ip=192.0.2.22"), 400, "invalid host");
    expect_reply(update("host=under_score." + std::string(kZone) + "&ip=192.0.2.22"), 400,
                 "invalid host");
    // A line break in the name cannot forge a log line.
    expect_reply(update("host=x%0adynamic%20forged&ip=192.0.2.22"), 400, "invalid host");
    const std::string log = stack().gateway_log();
    EXPECT_TRUE(contains(log, "host=x?dynamic forged ")) << log;
    EXPECT_FALSE(contains(log, "\ndynamic forged")) << log;
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(stored_addresses(host), "- -");
}

TEST_F(Dynamic, MalformedAndNonPublicAddressesAre400AndChangeNothing) {
    expect_reply(update("host=" + host + "&ip=192.0.2.23"), 200, "OK");
    const auto before = zone_serial(kZone);
    for (const char* bad : {"192.0.2.300", "example.org", "192.0.2.1,2001:db8::1", "1.2.3"})
        expect_reply(update("host=" + host + "&ip=" + bad), 400, "invalid address");
    for (const char* bad : {"10.1.2.3", "192.168.1.1", "127.0.0.1", "100.64.0.1", "0.0.0.0", "::1",
                            "fe80::1", "fd00::1"})
        expect_reply(update("host=" + host + "&ip=" + bad), 400, "address not allowed");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.23"});
    EXPECT_TRUE(aaaa_records(host).empty());
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(stored_addresses(host), "192.0.2.23 -");
}

TEST_F(Dynamic, UnknownForeignAndOutOfScopeHostsAre404) {
    const std::string other = user + "-o";
    const std::string foreign = other + "." + kZone;
    stack().add_account(other, kPassword);
    stack().add_host(foreign, other);
    const std::string second = user + "-2." + kZone;
    stack().add_host(second, user);
    const std::string scoped = stack().add_token(user, host);
    const auto before = zone_serial(kZone);

    expect_reply(update("host=nothere-" + host + "&ip=192.0.2.24"), 404, "host not found");
    expect_reply(update("host=" + foreign + "&ip=192.0.2.24"), 404, "host not found");
    expect_reply(update("host=" + second + "&ip=192.0.2.24", scoped), 404, "host not found");
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_TRUE(a_records(foreign).empty());
    EXPECT_TRUE(a_records(second).empty());
    EXPECT_EQ(stored_addresses(foreign), "- -");
    EXPECT_EQ(stored_addresses(second), "- -");

    // The scoped token does work for its own host, the account-wide one for the other.
    expect_reply(update("host=" + host + "&ip=192.0.2.25", scoped), 200, "OK");
    expect_reply(update("host=" + second + "&ip=192.0.2.26"), 200, "OK");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.25"});
    EXPECT_EQ(a_records(second), Strings{"192.0.2.26"});
}

TEST_F(Dynamic, ExpiredAndDisabledAccountsAre403) {
    expect_reply(update("host=" + host + "&ip=192.0.2.27"), 200, "OK");
    const auto before = zone_serial(kZone);
    const std::string where = " where username = '" + user + "'";
    // Each change is made by another process: the principal cache holds the account and sees a
    // change within cache.max_lag_ms. It is asked with the address the host has until it does,
    // so that an answer from the old copy changes nothing.
    const auto same_address = [&] {
        const auto r = update("host=" + host + "&ip=192.0.2.27");
        return std::to_string(r.status) + " " + r.body;
    };
    stack().sql("update accounts set expires_at = now() - interval '1 day'" + where);
    expect_seen_within_max_lag(std::chrono::steady_clock::now(), same_address,
                               "403 account expired");
    expect_reply(update("host=" + host + "&ip=192.0.2.28"), 403, "account expired");
    stack().sql("update accounts set expires_at = null, disabled = true" + where);
    expect_seen_within_max_lag(std::chrono::steady_clock::now(), same_address,
                               "403 account disabled");
    expect_reply(update("host=" + host + "&ip=192.0.2.28"), 403, "account disabled");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.27"});
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(stored_addresses(host), "192.0.2.27 -");
    // A future expiry date is no obstacle.
    stack().sql("update accounts set expires_at = now() + interval '1 day', disabled = false" +
                where);
    expect_seen_within_max_lag(std::chrono::steady_clock::now(), same_address, "200 OK");
    expect_reply(update("host=" + host + "&ip=192.0.2.28"), 200, "OK");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.28"});
}

TEST_F(Dynamic, BindRefusingTheUpdateIs502AndNothingIsRecorded) {
    // denied.test is served by named, but the gateway holds a key its update-policy does not
    // grant: BIND answers REFUSED.
    const auto added =
        stack().admin({"zone", "add", "denied.test", "--server",
                       "127.0.0.1:" + std::to_string(stack().named().port()), "--key-file",
                       stack().named().ungranted_key_file().string(), "--no-check"});
    if (added.exit_code != 0) {
        ASSERT_TRUE(contains(added.output, "already exists")) << added.output;
    }
    const std::string denied = user + ".denied.test";
    stack().add_host(denied, user);
    const auto before = zone_serial("denied.test");
    expect_reply(update("host=" + denied + "&ip=192.0.2.29"), 502, "dns update failed");
    EXPECT_TRUE(a_records(denied).empty());
    EXPECT_EQ(zone_serial("denied.test"), before);
    EXPECT_EQ(stored_addresses(denied), "- -");
}

TEST_F(Dynamic, DatabaseDownIs503) {
    stack().postgres().stop();
    const auto r = update("host=" + host + "&ip=192.0.2.30");
    stack().postgres().start_again();
    expect_reply(r, 503, "backend unavailable");
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_TRUE(
        wait_until([&] { return update("host=" + host + "&ip=192.0.2.30").status == 200; }));
    EXPECT_EQ(a_records(host), Strings{"192.0.2.30"});
}

TEST_F(Dynamic, MissingCredentialsGetABasicChallenge) {
    auto r = stack().get("/dynamic?host=" + host + "&ip=192.0.2.31");
    expect_reply(r, 401, "badauth");
    EXPECT_EQ(r.header("WWW-Authenticate"), "Basic realm=\"ddns-gateway\"");
    // An Authorization header that is not Basic counts as no credentials.
    r = stack().get("/dynamic?host=" + host + "&ip=192.0.2.31", Credentials{},
                    {"Authorization: Bearer " + token});
    expect_reply(r, 401, "badauth");
    EXPECT_TRUE(a_records(host).empty());
}

TEST_F(Dynamic, PathIsCaseInsensitivePostWorksOtherMethodsDoNot) {
    expect_reply(stack().get("/DYNAMIC/?host=" + host + "&ip=192.0.2.32&user=" + user +
                             "&password=" + token),
                 200, "OK");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.32"});
    const std::string form = "host=" + host + "&ip=192.0.2.33&user=" + user + "&password=" + token;
    auto r = stack().raw(
        "POST /dynamic HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: " +
        std::to_string(form.size()) + "\r\nConnection: close\r\n\r\n" + form);
    expect_reply(r, 200, "OK");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.33"});
    r = stack().raw("DELETE /dynamic?" + form +
                    " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect_reply(r, 405, "method not allowed");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.33"});
}

}  // namespace
}  // namespace ddns::test
