// DynamIP-style heartbeat end to end: requests to the real gateway, assertions on what named
// serves, on the SOA serial (proof of traffic or of its absence) and on the rows in PostgreSQL.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <string>
#include <vector>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "heartbeat-password";
constexpr const char* kPath = "/Login/updateip.asp";
constexpr const char* kInvalidPassword =
    "{{{Invalid Password|The SiteID or the password is not correct}}}\r\n";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {kZone};
    // 127.0.0.2 is a trusted proxy. Loopback addresses may be published, so that an untrusted
    // peer's own address (127.0.0.3) is stored and shows which address the gateway used.
    o.extra_config =
        "proxy.trusted = 127.0.0.2/32\naddress.allow = 127.0.0.0/8\n" + kCacheMaxLagConfig;
    return o;
}()));

using Strings = std::vector<std::string>;

class Dynamip : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    static std::string query(const std::string& site, const std::string& password,
                             const std::string& address) {
        return "SiteID=" + site + "&Password=" + password + "&IPAddr=" + address + "&ProgVer=1.0";
    }
    HttpReply heartbeat(const std::string& q, const std::vector<std::string>& headers = {},
                        const std::string& source = "127.0.0.1") {
        return stack().get(std::string(kPath) + "?" + q, std::nullopt, headers, source);
    }
    HttpReply heartbeat_ip(const std::string& address) {
        return heartbeat(query(host, kPassword, address));
    }
    // The first line of a success reply for this test's host.
    std::string set_to(const std::string& address) const {
        return "IP Address for " + host + " set to " + address + "\r\n";
    }
    static std::string first_line(const HttpReply& r) {
        return r.body.substr(0, r.body.find("\r\n") + 2);
    }
    CommandResult expiry(const std::string& when) {
        return stack().admin({"account", "expiry", user, when});
    }

    std::string user;
    std::string host;
};

TEST_F(Dynamip, AddressReachesBindAndTheDatabase) {
    const auto before = zone_serial(kZone);
    const auto r = heartbeat_ip("192.0.2.10");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type").value_or("").rfind("text/plain", 0), 0u);
    EXPECT_EQ(first_line(r), set_to("192.0.2.10"));
    EXPECT_EQ(a_records(host), Strings{"192.0.2.10"});
    EXPECT_EQ(zone_serial(kZone), before + 1);
    EXPECT_EQ(stored_addresses(host), "192.0.2.10 -");
}

TEST_F(Dynamip, UnchangedHeartbeatGetsTheSameReplyWithoutDnsTraffic) {
    const auto first = heartbeat_ip("192.0.2.11");
    ASSERT_EQ(first_line(first), set_to("192.0.2.11"));
    const auto before = zone_serial(kZone);
    stack().sql("update hosts set last_seen = now() - interval '15 minutes' where name = '" + host +
                "'");
    const auto again = heartbeat_ip("192.0.2.11");
    EXPECT_EQ(first_line(again), set_to("192.0.2.11"));
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.11"});
    // The heartbeat is recorded even though nothing changed (the offline sweep relies on it):
    // far from due, it is noted and written with the next batch, within about a second.
    EXPECT_TRUE(wait_until([&] {
        return stack().sql(
                   "select last_seen > now() - interval '1 minute' from hosts where "
                   "name = '" +
                   host + "'") == "t";
    }));
}

TEST_F(Dynamip, Ipv6SetsTheAaaaRecordAndLeavesTheARecord) {
    ASSERT_EQ(first_line(heartbeat_ip("192.0.2.12")), set_to("192.0.2.12"));
    const auto r = heartbeat_ip("2001:db8::12");
    EXPECT_EQ(first_line(r), set_to("2001:db8::12"));
    EXPECT_EQ(a_records(host), Strings{"192.0.2.12"});
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::12"});
    EXPECT_EQ(stored_addresses(host), "192.0.2.12 2001:db8::12");
    // and the other way round
    EXPECT_EQ(first_line(heartbeat_ip("192.0.2.13")), set_to("192.0.2.13"));
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::12"});
}

TEST_F(Dynamip, AutoBehindTheTrustedProxyUsesTheForwardedAddress) {
    auto r =
        heartbeat(query(host, kPassword, "AUTO"), {"X-Forwarded-For: 203.0.113.14"}, "127.0.0.2");
    EXPECT_EQ(first_line(r), set_to("203.0.113.14"));
    EXPECT_EQ(a_records(host), Strings{"203.0.113.14"});
    // "auto" in any case, and an absent IPAddr, mean the same.
    r = heartbeat(query(host, kPassword, "Auto"), {"X-Forwarded-For: 203.0.113.15"}, "127.0.0.2");
    EXPECT_EQ(first_line(r), set_to("203.0.113.15"));
    r = heartbeat("SiteID=" + host + "&Password=" + kPassword + "&ProgVer=1.0",
                  {"X-Forwarded-For: 203.0.113.16"}, "127.0.0.2");
    EXPECT_EQ(first_line(r), set_to("203.0.113.16"));
    EXPECT_EQ(a_records(host), Strings{"203.0.113.16"});
    EXPECT_EQ(stored_addresses(host), "203.0.113.16 -");
}

TEST_F(Dynamip, AutoFromAnUntrustedPeerIgnoresForwardingHeaders) {
    const auto r =
        heartbeat(query(host, kPassword, "AUTO"),
                  {"X-Forwarded-For: 203.0.113.17", "Forwarded: for=203.0.113.17"}, "127.0.0.3");
    EXPECT_EQ(first_line(r), set_to("127.0.0.3"));
    EXPECT_EQ(a_records(host), Strings{"127.0.0.3"});
    EXPECT_EQ(stored_addresses(host), "127.0.0.3 -");
}

TEST_F(Dynamip, ParameterNamesAndPathInAnyCase) {
    auto r = stack().get("/LOGIN/UpdateIP.ASP?siteid=" + host + "&PASSWORD=" + kPassword +
                         "&ipaddr=192.0.2.18&PROGVER=1.0");
    EXPECT_EQ(first_line(r), set_to("192.0.2.18"));
    EXPECT_EQ(a_records(host), Strings{"192.0.2.18"});
    r = stack().get("//login/updateip.asp?sItEiD=" + host + "&pAsSwOrD=" + kPassword +
                    "&IpAddr=192.0.2.19");
    EXPECT_EQ(first_line(r), set_to("192.0.2.19"));
    EXPECT_EQ(a_records(host), Strings{"192.0.2.19"});
}

TEST_F(Dynamip, SiteIdIsEchoedAsSentAndMatchedInAnyCase) {
    std::string upper = host;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto r = heartbeat(query(upper, kPassword, "192.0.2.20"));
    EXPECT_EQ(first_line(r), "IP Address for " + upper + " set to 192.0.2.20\r\n");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.20"});
}

TEST_F(Dynamip, UpdateTokensWorkAsPasswordAndHostScopedOnesOnlyForTheirHost) {
    const std::string second = user + "-b." + kZone;
    stack().add_host(second, user);
    const std::string scoped = stack().add_token(user, host);
    const std::string wide = stack().add_token(user);
    ASSERT_EQ(scoped.size(), 32u);
    EXPECT_EQ(first_line(heartbeat(query(host, scoped, "192.0.2.21"))), set_to("192.0.2.21"));
    EXPECT_EQ(a_records(host), Strings{"192.0.2.21"});
    EXPECT_EQ(heartbeat(query(second, scoped, "192.0.2.22")).body, kInvalidPassword);
    EXPECT_TRUE(stack().named().query(second, "A").empty());
    EXPECT_EQ(first_line(heartbeat(query(second, wide, "192.0.2.23"))),
              "IP Address for " + second + " set to 192.0.2.23\r\n");
    EXPECT_EQ(stack().named().query(second, "A"), Strings{"192.0.2.23"});
}

TEST_F(Dynamip, WrongPasswordAndUnknownSiteIdGetTheSameAnswerAndChangeNothing) {
    ASSERT_EQ(first_line(heartbeat_ip("192.0.2.24")), set_to("192.0.2.24"));
    const auto before = zone_serial(kZone);
    const auto wrong = heartbeat(query(host, "not-the-password", "192.0.2.25"));
    const auto unknown = heartbeat(query("nothere-" + host, kPassword, "192.0.2.25"));
    const auto invalid =
        heartbeat(query("bad_name!." + std::string(kZone), kPassword, "192.0.2.25"));
    EXPECT_EQ(wrong.status, 200);
    EXPECT_EQ(wrong.body, kInvalidPassword);
    EXPECT_EQ(unknown.status, 200);
    EXPECT_EQ(unknown.body, wrong.body);
    EXPECT_EQ(invalid.body, wrong.body);
    // Another account's password does not open this host either.
    const std::string other = user + "-other";
    stack().add_account(other, "the-other-password");
    EXPECT_EQ(heartbeat(query(host, "the-other-password", "192.0.2.25")).body, kInvalidPassword);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.24"});
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(stored_addresses(host), "192.0.2.24 -");
}

TEST_F(Dynamip, InvalidIpAddressChangesNothing) {
    ASSERT_EQ(first_line(heartbeat_ip("192.0.2.26")), set_to("192.0.2.26"));
    const auto before = zone_serial(kZone);
    for (const char* bad : {"192.0.2.300", "not-an-address", "192.0.2.27,192.0.2.28"}) {
        EXPECT_EQ(heartbeat_ip(bad).body,
                  "{{{Invalid IP Address|IPAddr must be AUTO or an IPv4 or IPv6 address}}}\r\n")
            << bad;
    }
    for (const char* refused : {"10.1.2.3", "192.168.1.1", "0.0.0.0", "fd00::1"}) {
        EXPECT_EQ(heartbeat_ip(refused).body,
                  "{{{Invalid IP Address|The address is not reachable from the Internet}}}\r\n")
            << refused;
    }
    EXPECT_EQ(a_records(host), Strings{"192.0.2.26"});
    EXPECT_TRUE(aaaa_records(host).empty());
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(stored_addresses(host), "192.0.2.26 -");
}

TEST_F(Dynamip, MissingParameters) {
    const std::string missing = "{{{Missing Parameters|SiteID and Password are required}}}\r\n";
    EXPECT_EQ(heartbeat("SiteID=" + host + "&IPAddr=192.0.2.29").body, missing);
    EXPECT_EQ(heartbeat("SiteID=" + host + "&Password=&IPAddr=192.0.2.29").body, missing);
    EXPECT_EQ(heartbeat(std::string("Password=") + kPassword + "&IPAddr=192.0.2.29").body, missing);
    EXPECT_EQ(heartbeat("").body, missing);
    EXPECT_TRUE(a_records(host).empty());
}

TEST_F(Dynamip, ExpiredAccountIsRefusedOnlyAfterTheRightPassword) {
    ASSERT_EQ(first_line(heartbeat_ip("192.0.2.30")), set_to("192.0.2.30"));
    const auto set = expiry("2001-02-03");
    ASSERT_EQ(set.exit_code, 0) << set.output;
    EXPECT_EQ(set.output, "account " + user + " expires 2001-02-03T00:00:00Z\n");
    const std::string expired =
        "{{{Account Expired|The account has expired; renew it to resume updates}}}\r\n";
    // The running gateway's cached copy of the account sees the expiry within cache.max_lag_ms;
    // asked with the address the host has, an answer from the old copy changes nothing.
    const auto same_address = [&] { return first_line(heartbeat_ip("192.0.2.30")); };
    expect_seen_within_max_lag(std::chrono::steady_clock::now(), same_address, expired);
    const auto before = zone_serial(kZone);
    EXPECT_EQ(heartbeat_ip("192.0.2.31").body, expired);
    // Someone without the password learns nothing about the account.
    EXPECT_EQ(heartbeat(query(host, "not-the-password", "192.0.2.31")).body, kInvalidPassword);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.30"});
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(stored_addresses(host), "192.0.2.30 -");

    const auto cleared = expiry("never");
    ASSERT_EQ(cleared.exit_code, 0) << cleared.output;
    EXPECT_EQ(cleared.output, "account " + user + " expires never\n");
    expect_seen_within_max_lag(std::chrono::steady_clock::now(), same_address,
                               set_to("192.0.2.30"));
    EXPECT_EQ(first_line(heartbeat_ip("192.0.2.31")), set_to("192.0.2.31"));
}

TEST_F(Dynamip, ExpiryAndRemainShowTheAccountsExpiry) {
    const auto set = expiry("2099-06-15T13:45:30Z");
    ASSERT_EQ(set.exit_code, 0) << set.output;
    EXPECT_EQ(set.output, "account " + user + " expires 2099-06-15T13:45:30Z\n");
    using namespace std::chrono;
    const auto expires_at = sys_days{year{2099} / 6 / 15} + hours(13) + minutes(45) + seconds(30);
    const auto hours_left = [&] { return floor<hours>(expires_at - system_clock::now()).count(); };

    const auto most = hours_left();
    const auto r = heartbeat_ip("192.0.2.32");
    const auto least = hours_left();
    ASSERT_EQ(first_line(r), set_to("192.0.2.32"));
    const std::string prefix =
        set_to("192.0.2.32") + "Expiry[[[6/15/2099 1:45:30 PM]]]\r\nRemain[[[";
    ASSERT_EQ(r.body.rfind(prefix, 0), 0u) << r.body;
    ASSERT_GE(r.body.size(), prefix.size() + 5);
    EXPECT_EQ(r.body.substr(r.body.size() - 5), "]]]\r\n") << r.body;
    const auto remain = std::stoll(r.body.substr(prefix.size()));
    EXPECT_GE(remain, least);
    EXPECT_LE(remain, most);

    // The expiry shows in the account list as well.
    const auto list = stack().admin({"account", "list"});
    ASSERT_EQ(list.exit_code, 0) << list.output;
    // The line that starts with the user name.
    const auto line = list.output.find("\n" + user);
    ASSERT_NE(line, std::string::npos) << list.output;
    const std::string row =
        list.output.substr(line + 1, list.output.find('\n', line + 1) - line - 1);
    EXPECT_NE(row.find("2099-06-15T13:45:30Z"), std::string::npos) << row;
}

TEST_F(Dynamip, AccountWithoutExpiryShowsTheFarDate) {
    const auto r = heartbeat_ip("192.0.2.33");
    const std::string prefix =
        set_to("192.0.2.33") + "Expiry[[[1/1/2100 12:00:00 AM]]]\r\nRemain[[[";
    EXPECT_EQ(r.body.rfind(prefix, 0), 0u) << r.body;
}

TEST_F(Dynamip, ExpiryCommandRefusesBadDatesAndUnknownAccounts) {
    // (A time without the Z, or with a space for the T, is UTC too: see parse_utc_time.)
    for (const char* bad : {"2027-02-30", "tomorrow", "2027-03-05T10", "2027-03-05T10:00+01:00"}) {
        const auto r = expiry(bad);
        EXPECT_NE(r.exit_code, 0) << bad;
        EXPECT_NE(r.output.find("expiry must be"), std::string::npos) << r.output;
    }
    EXPECT_EQ(
        stack().sql("select expires_at is null from accounts where username = '" + user + "'"),
        "t");
    const auto r = stack().admin({"account", "expiry", user + "-nobody", "2030-01-01"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("no such account"), std::string::npos) << r.output;
    const auto stored_at = expiry("2030-01-02T03:04Z");
    EXPECT_EQ(stored_at.output, "account " + user + " expires 2030-01-02T03:04:00Z\n");
    EXPECT_EQ(stack().sql("select expires_at = '2030-01-02 03:04:00+00' from accounts where "
                          "username = '" +
                          user + "'"),
              "t");
}

TEST_F(Dynamip, DisabledAccountIsReportedAfterTheRightPassword) {
    stack().sql("update accounts set disabled = true where username = '" + user + "'");
    EXPECT_EQ(heartbeat_ip("192.0.2.34").body,
              "{{{Account Disabled|The account has been disabled by the operator}}}\r\n");
    EXPECT_EQ(heartbeat(query(host, "not-the-password", "192.0.2.34")).body, kInvalidPassword);
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_EQ(stored_addresses(host), "- -");
}

TEST_F(Dynamip, BindDownIsAServerErrorAndNothingIsRecorded) {
    ASSERT_EQ(first_line(heartbeat_ip("192.0.2.35")), set_to("192.0.2.35"));
    stack().named().stop();
    const auto r = heartbeat_ip("192.0.2.36");
    stack().named().start_again();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body,
              "{{{Server Error|The DNS server did not accept the update; try again later}}}\r\n");
    EXPECT_EQ(stored_addresses(host), "192.0.2.35 -");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.35"});
    EXPECT_EQ(first_line(heartbeat_ip("192.0.2.36")), set_to("192.0.2.36"));
}

TEST_F(Dynamip, DatabaseDownIsAServerError) {
    stack().postgres().stop();
    const auto r = heartbeat_ip("192.0.2.37");
    stack().postgres().start_again();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body,
              "{{{Server Error|The service is temporarily unavailable; try again later}}}\r\n");
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_TRUE(
        wait_until([&] { return first_line(heartbeat_ip("192.0.2.37")) == set_to("192.0.2.37"); }));
}

}  // namespace
}  // namespace ddns::test
