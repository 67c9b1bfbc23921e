// dyndns2 end to end: requests to the real gateway, assertions on what named serves, on the SOA
// serial (proof of traffic or of its absence) and on the rows in PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <thread>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {"example.test", "second.test"};
    o.unregistered_zones = {"denied.test", "badkey.test"};
    o.extra_config = "proxy.trusted = 127.0.0.2/32\n" + kCacheMaxLagConfig;
    return o;
}()));

using namespace std::string_literals;
using Strings = std::vector<std::string>;

class Dyndns2 : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    HttpReply update(const std::string& query, const std::string& path = "/nic/update") {
        return stack().get(path + "?" + query, std::pair{user, std::string(kPassword)});
    }

    std::string user;
    std::string host;
};

TEST_F(Dyndns2, Ipv4UpdateReachesBindAndTheDatabase) {
    const auto before = zone_serial(kZone);
    const auto r = update("hostname=" + host + "&myip=192.0.2.10");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "good 192.0.2.10");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.10"});
    EXPECT_EQ(zone_serial(kZone), before + 1);
    EXPECT_EQ(stored_addresses(host), "192.0.2.10 -");
}

TEST_F(Dyndns2, SameAddressAgainIsNochgWithoutDnsTraffic) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.11").body, "good 192.0.2.11");
    const auto before = zone_serial(kZone);
    const auto r = update("hostname=" + host + "&myip=192.0.2.11");
    EXPECT_EQ(r.body, "nochg 192.0.2.11");
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.11"});
}

TEST_F(Dyndns2, Ipv6OnlyLeavesTheARecordAlone) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.12").body, "good 192.0.2.12");
    const auto r = update("hostname=" + host + "&myip=2001:db8::12");
    EXPECT_EQ(r.body, "good 2001:db8::12");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.12"});
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::12"});
    // and an IPv4-only update leaves the AAAA alone
    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.13").body, "good 192.0.2.13");
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::12"});
    EXPECT_EQ(stored_addresses(host), "192.0.2.13 2001:db8::12");
}

TEST_F(Dyndns2, BothFamiliesChangeInOneUpdate) {
    const auto before = zone_serial(kZone);
    const auto r = update("hostname=" + host + "&myip=2001:db8::14,192.0.2.14");
    EXPECT_EQ(r.body, "good 192.0.2.14,2001:db8::14");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.14"});
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::14"});
    EXPECT_EQ(zone_serial(kZone), before + 1) << "A and AAAA must travel in one UPDATE message";
}

TEST_F(Dyndns2, AliasesAndPrefixLengthsAreAccepted) {
    auto r = update("hostname=" + host + "&myipv4=192.0.2.15&myipv6=2001:db8:15::/64");
    EXPECT_EQ(r.body, "good 192.0.2.15,2001:db8:15::");
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8:15::"});
    r = update("hostname=" + host + "&ip=192.0.2.16&ipv6=2001:db8::16");
    EXPECT_EQ(r.body, "good 192.0.2.16,2001:db8::16");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.16"});
}

TEST_F(Dyndns2, ZeroAddressDeletesOnlyThatFamily) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.17,2001:db8::17").body,
              "good 192.0.2.17,2001:db8::17");
    EXPECT_EQ(update("hostname=" + host + "&myip=0.0.0.0").body, "good 0.0.0.0");
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::17"});
    EXPECT_EQ(update("hostname=" + host + "&myipv6=::").body, "good ::");
    EXPECT_TRUE(aaaa_records(host).empty());
    EXPECT_EQ(stored_addresses(host), "- -");
}

TEST_F(Dyndns2, EmptyMyipUsesTheAddressForwardedByATrustedProxy) {
    const auto r = stack().get(
        "/nic/update?hostname=" + host + "&myip=", std::pair{user, std::string(kPassword)},
        {"User-Agent: t", "X-Forwarded-For: 198.51.100.18"}, "127.0.0.2");
    EXPECT_EQ(r.body, "good 198.51.100.18");
    EXPECT_EQ(a_records(host), Strings{"198.51.100.18"});
}

TEST_F(Dyndns2, AnUnusableForwardingHeaderFromATrustedProxyIs400) {
    for (const std::string& header : {"X-Forwarded-For: not-an-address"s, "X-Forwarded-For: "s,
                                      "Forwarded: for=unknown"s, "Forwarded: for=_hidden"s}) {
        const auto r = stack().get(
            "/nic/update?hostname=" + host + "&myip=", std::pair{user, std::string(kPassword)},
            {"User-Agent: t", header}, "127.0.0.2");
        EXPECT_EQ(r.status, 400) << header << ": " << r.body;
    }
    EXPECT_EQ(a_records(host), Strings{});
    EXPECT_EQ(stored_addresses(host), "- -");
}

TEST_F(Dyndns2, ForwardedHeadersFromUntrustedPeersAreIgnored) {
    // The peer 127.0.0.1 is not a trusted proxy: the header is ignored, the loopback peer address
    // is used, and it is refused as non-public.
    const auto r = stack().get(
        "/nic/update?hostname=" + host, std::pair{user, std::string(kPassword)},
        {"User-Agent: t", "X-Forwarded-For: 198.51.100.19", "Forwarded: for=198.51.100.19"});
    EXPECT_EQ(r.body, "dnserr");
    EXPECT_TRUE(a_records(host).empty());
}

TEST_F(Dyndns2, NonPublicAddressesAreRefusedAndChangeNothing) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.20").body, "good 192.0.2.20");
    const auto before = zone_serial(kZone);
    for (const char* bad : {"10.1.2.3", "192.168.1.1", "127.0.0.1", "172.16.0.1", "100.64.0.1",
                            "169.254.1.1", "224.0.0.1", "::1", "fe80::1", "fd00::1"}) {
        const auto r = update("hostname=" + host + "&myip=" + bad);
        EXPECT_EQ(r.body, "dnserr") << bad;
    }
    EXPECT_EQ(a_records(host), Strings{"192.0.2.20"});
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(stored_addresses(host), "192.0.2.20 -");
}

TEST_F(Dyndns2, MalformedAddressIsDnserrAndChangesNothing) {
    const auto r = update("hostname=" + host + "&myip=192.0.2.300");
    EXPECT_EQ(r.body, "dnserr");
    EXPECT_TRUE(a_records(host).empty());
}

TEST_F(Dyndns2, SeveralHostsGetOneLineEachInOrder) {
    const std::string second = user + "-b." + kZone;
    const std::string third = user + "." + "second.test";
    stack().add_host(second, user);
    stack().add_host(third, user);
    const auto r = update("hostname=" + host + "," + second + ",nothere." + kZone + "," + third +
                          "&myip=192.0.2.21");
    EXPECT_EQ(r.body, "good 192.0.2.21\ngood 192.0.2.21\nnohost\ngood 192.0.2.21");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.21"});
    EXPECT_EQ(a_records(second), Strings{"192.0.2.21"});
    EXPECT_EQ(a_records(third), Strings{"192.0.2.21"});
}

TEST_F(Dyndns2, MoreThanTwentyHostsIsNumhost) {
    std::string names;
    for (int i = 0; i < 21; ++i) names += (i ? "," : "") + host;
    EXPECT_EQ(update("hostname=" + names + "&myip=192.0.2.22").body, "numhost");
    EXPECT_TRUE(a_records(host).empty());
}

TEST_F(Dyndns2, InvalidNameIsNotfqdn) {
    EXPECT_EQ(update("hostname=-bad-.example.test&myip=192.0.2.23").body, "notfqdn");
    EXPECT_EQ(update("hostname=a..b&myip=192.0.2.23").body, "notfqdn");
}

TEST_F(Dyndns2, AbsentHostnameUsesTheOnlyHostAndBareLabelsAreCompleted) {
    EXPECT_EQ(update("myip=192.0.2.24").body, "good 192.0.2.24");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.24"});
    EXPECT_EQ(update("hostname=" + user + "&myip=192.0.2.25").body, "good 192.0.2.25");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.25"});
    stack().add_host(user + "-2." + kZone, user);
    // The running gateway's cached copy of the account knows one host until the new one's
    // notification arrives (cache.max_lag_ms); asked with the address the host has, an answer
    // from it changes nothing.
    expect_seen_within_max_lag(
        std::chrono::steady_clock::now(), [&] { return update("myip=192.0.2.25").body; },
        "notfqdn");
    EXPECT_EQ(update("myip=192.0.2.26").body, "notfqdn") << "two hosts: ambiguous";
}

TEST_F(Dyndns2, AnotherUsersHostIsNohostAndUnchanged) {
    const std::string other = user + "-other";
    const std::string other_host = other + "." + kZone;
    stack().add_account(other, kPassword);
    stack().add_host(other_host, other);
    ASSERT_EQ(stack()
                  .get("/nic/update?hostname=" + other_host + "&myip=192.0.2.27",
                       std::pair{other, std::string(kPassword)})
                  .body,
              "good 192.0.2.27");
    const auto before = zone_serial(kZone);
    EXPECT_EQ(update("hostname=" + other_host + "&myip=192.0.2.28").body, "nohost");
    EXPECT_EQ(a_records(other_host), Strings{"192.0.2.27"});
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(stored_addresses(other_host), "192.0.2.27 -");
}

TEST_F(Dyndns2, WrongOrMissingCredentialsAre401WithAChallenge) {
    auto r = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.29",
                         std::pair{user, std::string("wrong password")});
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, "badauth");
    EXPECT_EQ(r.header("WWW-Authenticate").value_or(""), "Basic realm=\"ddns-gateway\"");
    r = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.29");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, "badauth");
    EXPECT_TRUE(r.header("WWW-Authenticate"));
    r = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.29",
                    std::pair{std::string("nosuchuser"), std::string(kPassword)});
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(a_records(host).empty());
}

TEST_F(Dyndns2, PasswordsMayContainColons) {
    const std::string u = user + "c";
    stack().add_account(u, "pa:ss:word");
    stack().add_host(u + "." + kZone, u);
    const auto r = stack().get("/nic/update?hostname=" + u + "." + kZone + "&myip=192.0.2.30",
                               std::pair{u, std::string("pa:ss:word")});
    EXPECT_EQ(r.body, "good 192.0.2.30");
}

TEST_F(Dyndns2, TokensWorkAndHostScopedTokensSeeOnlyTheirHost) {
    const std::string second = user + "-s." + kZone;
    stack().add_host(second, user);
    const std::string any = stack().add_token(user);
    const std::string scoped = stack().add_token(user, host);
    ASSERT_EQ(any.size(), 32u);
    EXPECT_EQ(stack()
                  .get("/nic/update?hostname=" + second + "&myip=192.0.2.31", std::pair{user, any})
                  .body,
              "good 192.0.2.31");
    EXPECT_EQ(stack()
                  .get("/nic/update?hostname=" + host + "&myip=192.0.2.32", std::pair{user, scoped})
                  .body,
              "good 192.0.2.32");
    EXPECT_EQ(
        stack()
            .get("/nic/update?hostname=" + second + "&myip=192.0.2.33", std::pair{user, scoped})
            .body,
        "nohost");
    EXPECT_EQ(a_records(second), Strings{"192.0.2.31"});
    // A token is bound to its account: another user name with it fails.
    EXPECT_EQ(stack().get("/nic/update?hostname=" + host, std::pair{user + "x", any}).status, 401);
}

TEST_F(Dyndns2, MissingUserAgentIsBadagent) {
    const auto r = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.34",
                               std::pair{user, std::string(kPassword)}, {});
    EXPECT_EQ(r.body, "badagent");
    EXPECT_TRUE(a_records(host).empty());
}

TEST_F(Dyndns2, UnknownSystemIsBadsysAndKnownOnesWork) {
    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.35&system=weird").body, "badsys");
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.35&system=dyndns").body,
              "good 192.0.2.35");
}

TEST_F(Dyndns2, WildcardMxAndBackmxAreIgnoredSafely) {
    const auto r =
        update("hostname=" + host + "&myip=192.0.2.36&wildcard=ON&mx=mail.example.test&backmx=YES");
    EXPECT_EQ(r.body, "good 192.0.2.36");
    EXPECT_TRUE(stack().named().query("*." + host, "A").empty());
    EXPECT_TRUE(stack().named().query(host, "MX").empty());
}

TEST_F(Dyndns2, OfflineIsNotInTheFreePlan) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.37").body, "good 192.0.2.37");
    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.38&offline=YES").body, "!donator");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.37"});
}

TEST_F(Dyndns2, OfflineYesTakesADomainAccountsHostOfflineUntilItsNextUpdate) {
    const std::string owner = user + "-d";
    const std::string name = owner + "." + kZone;
    stack().add_account(owner, kPassword, "domain");
    stack().add_host(name, owner);
    auto as_owner = [&](const std::string& query) {
        return stack().get("/nic/update?" + query, std::pair{owner, std::string(kPassword)});
    };
    ASSERT_EQ(as_owner("hostname=" + name + "&myip=192.0.2.43,2001:db8::43").body,
              "good 192.0.2.43,2001:db8::43");
    EXPECT_EQ(as_owner("hostname=" + name + "&offline=YES").body, "good 0.0.0.0");
    EXPECT_TRUE(a_records(name).empty());
    EXPECT_TRUE(aaaa_records(name).empty());
    EXPECT_EQ(stack().sql("select offline_reason from hosts where name = '" + name + "'"),
              "request");
    EXPECT_EQ(as_owner("hostname=" + name + "&offline=YES").body, "nochg 0.0.0.0");
    EXPECT_EQ(as_owner("hostname=" + name + "&myip=192.0.2.44").body, "good 192.0.2.44");
    EXPECT_EQ(a_records(name), Strings{"192.0.2.44"});
    EXPECT_EQ(stack().sql("select offline_since is null from hosts where name = '" + name + "'"),
              "t");
}

TEST_F(Dyndns2, AlternatePathsAndPostWork) {
    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.39", "/v3/update").body,
              "good 192.0.2.39");
    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.40", "/update").body, "good 192.0.2.40");
    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.41", "//nic/update").body,
              "good 192.0.2.41");
    const auto r = stack().raw("POST /nic/update?hostname=" + host +
                               "&myip=192.0.2.42 HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n"
                               "Authorization: Basic " +
                               base64(user + ":" + kPassword) +
                               "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(r.body, "good 192.0.2.42");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.42"});
    // Parameters in a form-encoded body count like query parameters.
    const std::string form = "hostname=" + host + "&myip=192.0.2.52";
    const auto f = stack().raw(
        "POST /nic/update HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n"
        "Authorization: Basic " +
        base64(user + ":" + kPassword) +
        "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: " +
        std::to_string(form.size()) + "\r\nConnection: close\r\n\r\n" + form);
    EXPECT_EQ(f.body, "good 192.0.2.52");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.52"});
}

TEST_F(Dyndns2, Http10AbsoluteFormWithoutHostIsServedAndFramedExactly) {
    const auto r = stack().raw("GET http://update.example:80/nic/update?hostname=" + host +
                               "&myip=192.0.2.43 HTTP/1.0\r\nUser-Agent: inadyn/1.99\r\n"
                               "Authorization: Basic " +
                               base64(user + ":" + kPassword) + "\r\n\r\n");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "good 192.0.2.43");
    EXPECT_EQ(r.header("Content-Length"), std::to_string(r.body.size()));
    EXPECT_FALSE(r.header("Transfer-Encoding"));
    EXPECT_EQ(r.header("Content-Type").value_or("").rfind("text/plain", 0), 0u);
    // No address literal anywhere in the headers: old inadyn scans them for one.
    EXPECT_FALSE(std::regex_search(r.head, std::regex(R"(\d+\.\d+\.\d+\.\d+)"))) << r.head;
    EXPECT_FALSE(
        std::regex_search(r.head, std::regex(R"([0-9a-fA-F]*:[0-9a-fA-F]*:[0-9a-fA-F]*:)")))
        << r.head;
}

TEST_F(Dyndns2, KeepAliveIsHonouredAndCloseIsTheDefaultForHttp10) {
    const std::string auth = "Authorization: Basic " + base64(user + ":" + kPassword) + "\r\n";
    const std::string one = "GET /nic/update?hostname=" + host +
                            "&myip=192.0.2.44 HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n" + auth +
                            "\r\n";
    const std::string two = "GET /myip HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const auto r = stack().raw(one + two);
    // Both answers arrive on one connection, each with an exact length.
    EXPECT_NE(r.raw.find("good 192.0.2.44"), std::string::npos) << r.raw;
    EXPECT_NE(r.raw.find("\r\n\r\n127.0.0.1\n"), std::string::npos) << r.raw;
}

TEST_F(Dyndns2, BindDownIsDnserrAndNothingIsRecorded) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.45").body, "good 192.0.2.45");
    stack().named().stop();
    const auto r = update("hostname=" + host + "&myip=192.0.2.46");
    stack().named().start_again();
    EXPECT_EQ(r.body, "dnserr");
    EXPECT_EQ(stored_addresses(host), "192.0.2.45 -");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.45"});
    // Once BIND is back the same request goes through.
    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.46").body, "good 192.0.2.46");
}

TEST_F(Dyndns2, KeyNotGrantedByBindIsDnserr) {
    // denied.test is served by named, but the gateway is configured with a key the zone's
    // update-policy does not grant: BIND answers REFUSED.
    const auto added =
        stack().admin({"zone", "add", "denied.test", "--server",
                       "127.0.0.1:" + std::to_string(stack().named().port()), "--key-file",
                       stack().named().ungranted_key_file().string(), "--no-check"});
    if (added.exit_code != 0) {
        ASSERT_NE(added.output.find("already exists"), std::string::npos) << added.output;
    }
    const std::string denied_host = user + ".denied.test";
    stack().add_host(denied_host, user);
    EXPECT_EQ(update("hostname=" + denied_host + "&myip=192.0.2.47").body, "dnserr");
    EXPECT_TRUE(a_records(denied_host).empty());
    EXPECT_EQ(stored_addresses(denied_host), "- -");
}

TEST_F(Dyndns2, WrongTsigSecretIsDnserr) {
    // The key name BIND knows, with a different secret: BIND answers NOTAUTH/BADSIG.
    TempDir dir;
    const auto key_file = dir.path() / "wrong.key";
    write_file(key_file, "key \"" + stack().named().key_name() +
                             "\" {\n\talgorithm hmac-sha256;\n"
                             "\tsecret \"d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE=\";\n};\n");
    const auto added = stack().admin({"zone", "add", "badkey.test", "--server",
                                      "127.0.0.1:" + std::to_string(stack().named().port()),
                                      "--key-file", key_file.string(), "--no-check"});
    if (added.exit_code != 0) {
        ASSERT_NE(added.output.find("already exists"), std::string::npos) << added.output;
    }
    const std::string bad_host = user + ".badkey.test";
    // With the wrong key host add cannot ask BIND whether the name is free: only the operator's
    // explicit override adds the host.
    auto host_added = stack().admin({"host", "add", bad_host, "--account", user});
    ASSERT_EQ(host_added.exit_code, 1) << host_added.output;
    host_added = stack().admin({"host", "add", bad_host, "--account", user, "--allow-existing"});
    ASSERT_EQ(host_added.exit_code, 0) << host_added.output;
    const auto before = zone_serial("badkey.test");
    EXPECT_EQ(update("hostname=" + bad_host + "&myip=192.0.2.49").body, "dnserr");
    EXPECT_TRUE(a_records(bad_host).empty());
    EXPECT_EQ(zone_serial("badkey.test"), before);
    EXPECT_EQ(stored_addresses(bad_host), "- -");
}

TEST_F(Dyndns2, DatabaseDownIs911) {
    stack().postgres().stop();
    const auto r = update("hostname=" + host + "&myip=192.0.2.48");
    stack().postgres().start_again();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "911");
    EXPECT_TRUE(a_records(host).empty());
    // The pool reconnects once the database is back.
    EXPECT_TRUE(wait_until(
        [&] { return update("hostname=" + host + "&myip=192.0.2.48").body == "good 192.0.2.48"; }));
}

TEST_F(Dyndns2, TwoInstancesRacingOnOneHostLeaveDnsAndDatabaseInAgreement) {
    // A second gateway process on the same database and BIND.
    TempDir dir;
    const std::uint16_t port2 = free_port();
    std::string config = read_file(stack().config_path());
    const std::string listen = "http.listen = 127.0.0.1:" + std::to_string(stack().http_port());
    config.replace(config.find(listen), listen.size(),
                   "http.listen = 127.0.0.1:" + std::to_string(port2));
    write_file(dir.path() / "second.conf", config);
    ChildProcess second(
        {gateway_binary(), "serve", "--config", (dir.path() / "second.conf").string()},
        dir.path() / "second.log");
    ASSERT_TRUE(wait_until([&] {
        return http_exchange(port2, "GET /healthz HTTP/1.0\r\n\r\n").status == 200;
    })) << read_file(dir.path() / "second.log");

    const std::string auth = "Authorization: Basic " + base64(user + ":" + kPassword) + "\r\n";
    auto request = [&](int i) {
        return "GET /nic/update?hostname=" + host + "&myip=192.0.2." + std::to_string(100 + i) +
               " HTTP/1.0\r\nUser-Agent: race\r\n" + auth + "\r\n";
    };
    std::vector<std::thread> threads;
    std::atomic<int> answered{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            const std::uint16_t port = t % 2 == 0 ? stack().http_port() : port2;
            for (int i = 0; i < 15; ++i) {
                const auto r = http_exchange(port, request((t * 15 + i) % 50));
                if (r.body.rfind("good", 0) == 0 || r.body.rfind("nochg", 0) == 0) ++answered;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(answered.load(), 60);
    const std::string in_db = stored_addresses(host);
    const auto in_dns = a_records(host);
    ASSERT_EQ(in_dns.size(), 1u);
    EXPECT_EQ(in_db, in_dns[0] + " -") << "database and DNS disagree after the race";
}

class CheckIp : public StackTest {};

TEST_F(CheckIp, ThreeStylesUseTheClientAddressRules) {
    auto r = stack().get("/checkip", {}, {}, "127.0.0.2");
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("Current IP Address: 127.0.0.2"), std::string::npos) << r.body;
    EXPECT_EQ(r.header("Content-Type").value_or("").rfind("text/html", 0), 0u);
    r = stack().get("/myip", {}, {"X-Forwarded-For: 203.0.113.50"}, "127.0.0.2");
    EXPECT_EQ(r.body, "203.0.113.50\n");
    r = stack().get("/ip", {}, {"Forwarded: for=\"[2001:db8::50]:4711\""}, "127.0.0.2");
    EXPECT_EQ(r.body, "<ipv6>2001:db8::50</ipv6>\n");
    EXPECT_EQ(r.header("Content-Type").value_or("").rfind("application/xml", 0), 0u);
    r = stack().get("/ip", {}, {"X-Forwarded-For: 203.0.113.51"}, "127.0.0.1");
    EXPECT_EQ(r.body, "<ipv4>127.0.0.1</ipv4>\n") << "untrusted peer: header ignored";
}

TEST_F(CheckIp, UnknownPathIs404) {
    EXPECT_EQ(stack().get("/nope").status, 404);
}

}  // namespace
}  // namespace ddns::test
