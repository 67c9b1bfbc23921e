// What routers ask for beyond /nic/update, end to end against the real named and PostgreSQL:
// /nic/delete (protocols.md §1), IPv6 prefixes and the hosts derived from them (§9), and the
// wildcard mirror (§1). Assertions on what named serves, the SOA serial and the rows.
#include <gtest/gtest.h>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {"example.test", "second.test"};
    return o;
}()));

using Strings = std::vector<std::string>;

class RouterFeatures : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    HttpReply call(const std::string& path, const std::string& query) {
        return stack().get(path + "?" + query, std::pair{user, std::string(kPassword)});
    }
    HttpReply update(const std::string& query) { return call("/nic/update", query); }

    std::string user;
    std::string host;
};

TEST_F(RouterFeatures, NicDeleteWithoutAddressesRemovesBothFamiliesInOneUpdate) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.40,2001:db8::40").body,
              "good 192.0.2.40,2001:db8::40");
    const auto before = zone_serial(kZone);
    const auto r = call("/nic/delete", "hostname=" + host);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "good 0.0.0.0,::");
    EXPECT_EQ(a_records(host), Strings{});
    EXPECT_EQ(aaaa_records(host), Strings{});
    EXPECT_EQ(zone_serial(kZone), before + 1);
    EXPECT_EQ(stored_addresses(host), "- -");
    // Nothing left to remove: nochg, and no DNS traffic.
    EXPECT_EQ(call("/nic/delete", "hostname=" + host).body, "nochg 0.0.0.0,::");
    EXPECT_EQ(zone_serial(kZone), before + 1);
}

TEST_F(RouterFeatures, NicDeleteOfOneFamilyLeavesTheOther) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.41,2001:db8::41").body,
              "good 192.0.2.41,2001:db8::41");
    // The address only names the family (as nsupdate.info): any IPv6 address removes the AAAA.
    EXPECT_EQ(call("/NIC/Delete", "hostname=" + host + "&myip=2001:db8::99").body, "good ::");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.41"});
    EXPECT_EQ(aaaa_records(host), Strings{});
    EXPECT_EQ(stored_addresses(host), "192.0.2.41 -");
    EXPECT_EQ(call("/nic/delete", "hostname=" + host + "&myipv4=192.0.2.1").body, "good 0.0.0.0");
    EXPECT_EQ(a_records(host), Strings{});
    EXPECT_EQ(stored_addresses(host), "- -");
}

TEST_F(RouterFeatures, NicDeleteRefusesMalformedAddressesAndForeignHostsChangingNothing) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.42").body, "good 192.0.2.42");
    const auto before = zone_serial(kZone);
    EXPECT_EQ(call("/nic/delete", "hostname=" + host + "&myip=192.0.2.300").body, "dnserr");
    EXPECT_EQ(call("/nic/delete", "hostname=other." + std::string(kZone)).body, "nohost");
    const auto wrong =
        stack().get("/nic/delete?hostname=" + host, std::pair{user, std::string("wrong")});
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.body, "badauth");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.42"});
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(stored_addresses(host), "192.0.2.42 -");
}

// IPv6 prefixes (protocols.md §9): nas is derived from the router's host.
class Prefixes : public RouterFeatures {
protected:
    void SetUp() override {
        RouterFeatures::SetUp();
        nas = "nas." + host;
        stack().add_host(nas, user);
        const auto r = stack().admin({"host", "derive", nas, "--from", host, "--interface-id",
                                      "::1:2:3:4", "--prefix-length", "56"});
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    // The request a FRITZ!Box sends with the update URL
    // /nic/update?hostname=<domain>&myip=<ipaddr>,<ip6addr>&ip6lanprefix=<ip6lanprefix>
    // and the user name and password in its fields (Basic credentials).
    HttpReply fritzbox(const std::string& ipaddr, const std::string& ip6addr,
                       const std::string& prefix) {
        return stack().get("/nic/update?hostname=" + host + "&myip=" + ipaddr + "," + ip6addr +
                               "&ip6lanprefix=" + prefix,
                           std::pair{user, std::string(kPassword)},
                           {"User-Agent: Fritz!Box DDNS/1.0.1"});
    }
    std::string stored_prefix(const std::string& name) {
        return stack().sql("select coalesce(ipv6_prefix::text, '-') from hosts where name = '" +
                           name + "'");
    }

    std::string nas;
};

TEST_F(Prefixes, TheFritzBoxRequestMovesTheDerivedHostInTheSameUpdate) {
    const auto before = zone_serial(kZone);
    auto r = fritzbox("203.0.113.7", "2001:db8:0:1::1", "2001:db8:1:100::/56");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "good 203.0.113.7,2001:db8:0:1::1");
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8:0:1::1"});
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:1:100:1:2:3:4"});
    EXPECT_EQ(zone_serial(kZone), before + 1) << "router and derived host in one UPDATE";
    EXPECT_EQ(stored_prefix(host), "2001:db8:1:100::/56");
    EXPECT_EQ(stored_addresses(nas), "- 2001:db8:1:100:1:2:3:4");

    // The provider hands out a new prefix; the box keeps its own addresses.
    r = fritzbox("203.0.113.7", "2001:db8:0:1::1", "2001:db8:1:200::/56");
    EXPECT_EQ(r.body, "good 203.0.113.7,2001:db8:0:1::1");
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:1:200:1:2:3:4"});
    EXPECT_EQ(zone_serial(kZone), before + 2);
    EXPECT_EQ(stored_prefix(host), "2001:db8:1:200::/56");

    // The same again: nochg, no DNS traffic.
    r = fritzbox("203.0.113.7", "2001:db8:0:1::1", "2001:db8:1:200::/56");
    EXPECT_EQ(r.body, "nochg 203.0.113.7,2001:db8:0:1::1");
    EXPECT_EQ(zone_serial(kZone), before + 2);

    // A box without IPv6 sends the IPv6 fields empty: only the A changes, the prefix stays.
    r = fritzbox("203.0.113.8", "", "");
    EXPECT_EQ(r.body, "good 203.0.113.8");
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:1:200:1:2:3:4"});
    EXPECT_EQ(stored_prefix(host), "2001:db8:1:200::/56");
}

TEST_F(Prefixes, BadPrefixesAreDnserrAndChangeNothing) {
    ASSERT_EQ(fritzbox("203.0.113.9", "2001:db8:0:1::9", "2001:db8:1:100::/56").body,
              "good 203.0.113.9,2001:db8:0:1::9");
    const auto before = zone_serial(kZone);
    for (const char* prefix : {
             "2001:db8:1:300::/65",   // wrong length: longer than /64
             "2001:db8::/8",          // wrong length: shorter than /16
             "2001:db8:1:300::1/56",  // not a prefix: bits beyond /56
             "2001:db8:1:300::",      // no length
             "fd12:3456:789a::/48",   // unique local: not publicly routable
             "fe80::/64",             // link-local
             "192.0.2.0/24",          // not IPv6
         }) {
        const auto r = fritzbox("203.0.113.10", "2001:db8:0:1::10", prefix);
        EXPECT_EQ(r.status, 200) << prefix;
        EXPECT_EQ(r.body, "dnserr") << prefix;
    }
    // deSEC style: the prefix in myip, too short.
    EXPECT_EQ(update("hostname=" + host + "&myipv6=2001:db8::/8").body, "dnserr");
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(a_records(host), Strings{"203.0.113.9"});
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:1:100:1:2:3:4"});
    EXPECT_EQ(stored_prefix(host), "2001:db8:1:100::/56");
}

TEST_F(Prefixes, APrefixInMyipWithItsLengthWorksLikeDesec) {
    const auto r = update("hostname=" + host + "&myipv6=2001:db8:5:500::1/56");
    EXPECT_EQ(r.body, "good 2001:db8:5:500::1");
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8:5:500::1"});
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:5:500:1:2:3:4"});
    EXPECT_EQ(stored_prefix(host), "2001:db8:5:500::/56");
}

// `admin host derive` writes the AAAA at once, as the API and the pages do (BIND first, then the
// database); the router's next unchanged update then has nothing to send.
TEST_F(Prefixes, AHostDeclaredDerivedByAdminGetsItsAaaaAtOnce) {
    ASSERT_EQ(fritzbox("203.0.113.11", "2001:db8:0:1::11", "2001:db8:1:100::/56").body,
              "good 203.0.113.11,2001:db8:0:1::11");
    const std::string cam = "cam." + host;
    stack().add_host(cam, user);
    const auto r = stack().admin({"host", "derive", cam, "--from", host, "--interface-id",
                                  "0:0:0:2a::10", "--prefix-length", "56"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("2001:db8:1:12a::10"), std::string::npos) << r.output;
    EXPECT_EQ(aaaa_records(cam), Strings{"2001:db8:1:12a::10"});
    EXPECT_EQ(stored_addresses(cam), "- 2001:db8:1:12a::10");
    const auto before = zone_serial(kZone);
    EXPECT_EQ(fritzbox("203.0.113.11", "2001:db8:0:1::11", "2001:db8:1:100::/56").body,
              "nochg 203.0.113.11,2001:db8:0:1::11");
    EXPECT_EQ(zone_serial(kZone), before);
}

// With BIND down, admin host derive records nothing (BIND first) and says why.
TEST_F(Prefixes, AdminDeriveWithBindDownRecordsNothing) {
    ASSERT_EQ(fritzbox("203.0.113.12", "2001:db8:0:1::12", "2001:db8:1:100::/56").body,
              "good 203.0.113.12,2001:db8:0:1::12");
    const std::string cam = "cam." + host;
    stack().add_host(cam, user);
    stack().named().stop();
    const auto r = stack().admin(
        {"host", "derive", cam, "--from", host, "--interface-id", "::10", "--prefix-length", "56"});
    stack().named().start_again();
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("nothing recorded"), std::string::npos) << r.output;
    EXPECT_EQ(stack().sql("select count(*) from hosts where name = '" + cam +
                          "' and derive_from is not null"),
              "0");
}

TEST_F(Prefixes, DeriveRefusesOtherZonesOtherAccountsAndChains) {
    const std::string other_zone_host = user + ".second.test";
    stack().add_host(other_zone_host, user);
    auto r =
        stack().admin({"host", "derive", other_zone_host, "--from", host, "--interface-id", "::5"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    // No chains: nas is derived, so nothing derives from it, and host cannot become derived.
    const std::string cam = "cam." + host;
    stack().add_host(cam, user);
    EXPECT_EQ(
        stack().admin({"host", "derive", cam, "--from", nas, "--interface-id", "::5"}).exit_code,
        1);
    EXPECT_EQ(
        stack().admin({"host", "derive", host, "--from", cam, "--interface-id", "::5"}).exit_code,
        1);
    const std::string stranger = unique_label() + "-x";
    stack().add_account(stranger, kPassword);
    stack().add_host(stranger + "." + kZone, stranger);
    EXPECT_EQ(stack()
                  .admin({"host", "derive", stranger + "." + kZone, "--from", host,
                          "--interface-id", "::5"})
                  .exit_code,
              1);
    EXPECT_EQ(stack()
                  .admin({"host", "derive", cam, "--from", host, "--interface-id", "::5",
                          "--prefix-length", "65"})
                  .exit_code,
              1);
    const auto list = stack().admin({"host", "derived", "--account", user});
    EXPECT_NE(list.output.find(nas), std::string::npos);
    EXPECT_EQ(list.output.find(cam), std::string::npos);
}

// Derived hosts go offline with the router (offline=YES, a domain account) and come back with it.
TEST_F(RouterFeatures, DerivedHostsGoOfflineWithTheRouterAndComeBackWithItsNextUpdate) {
    GatewayStack& stack = this->stack();
    const std::string owner = user + "-d";  // offline=YES is for domain accounts
    const std::string router = owner + "." + kZone;
    const std::string nas = "nas." + router;
    stack.add_account(owner, kPassword, "domain");
    stack.add_host(router, owner);
    stack.add_host(nas, owner);
    ASSERT_EQ(
        stack.admin({"host", "derive", nas, "--from", router, "--interface-id", "::7"}).exit_code,
        0);
    const auto call = [&](const std::string& query) {
        return stack.get("/nic/update?hostname=" + router + "&" + query,
                         std::pair{owner, std::string(kPassword)});
    };
    ASSERT_EQ(call("myip=192.0.2.50&ip6lanprefix=2001:db8:50:1::/64").body, "good 192.0.2.50");
    EXPECT_EQ(stack.named().query(nas, "AAAA"), Strings{"2001:db8:50:1::7"});
    EXPECT_EQ(call("offline=YES").body, "good 0.0.0.0");
    EXPECT_EQ(stack.named().query(nas, "AAAA"), Strings{});
    EXPECT_EQ(stack.sql("select offline_since is not null from hosts where name = '" + nas + "'"),
              "t");
    EXPECT_EQ(call("myip=192.0.2.51&ip6lanprefix=2001:db8:51:1::/64").body, "good 192.0.2.51");
    EXPECT_EQ(stack.named().query(nas, "AAAA"), Strings{"2001:db8:51:1::7"});
    EXPECT_EQ(stack.sql("select offline_since is null from hosts where name = '" + nas + "'"), "t");
}

// wildcard=ON|OFF where the zone allows it (second.test), ignored where it does not.
TEST_F(RouterFeatures, WildcardMirrorsTheAddressesWhereTheZoneAllowsIt) {
    ASSERT_EQ(stack().admin({"zone", "wildcard", "second.test", "on"}).exit_code, 0);
    const std::string h2 = user + ".second.test";
    stack().add_host(h2, user);
    auto r = update("hostname=" + h2 + "&myip=192.0.2.60,2001:db8::60&wildcard=ON");
    EXPECT_EQ(r.body, "good 192.0.2.60,2001:db8::60");
    EXPECT_EQ(a_records("*." + h2), Strings{"192.0.2.60"});
    EXPECT_EQ(a_records("anything." + h2), Strings{"192.0.2.60"});
    EXPECT_EQ(aaaa_records("deep.er." + h2), Strings{"2001:db8::60"});
    // The mirror follows a change.
    EXPECT_EQ(update("hostname=" + h2 + "&myip=192.0.2.61").body, "good 192.0.2.61");
    EXPECT_EQ(a_records("anything." + h2), Strings{"192.0.2.61"});
    // OFF removes it, and nothing else.
    EXPECT_EQ(update("hostname=" + h2 + "&myip=192.0.2.61&wildcard=off").body, "good 192.0.2.61");
    EXPECT_EQ(a_records("anything." + h2), Strings{});
    EXPECT_EQ(aaaa_records("*." + h2), Strings{});
    EXPECT_EQ(a_records(h2), Strings{"192.0.2.61"});
    EXPECT_EQ(stack().sql("select wildcard from hosts where name = '" + h2 + "'"), "f");

    // example.test does not allow it: ignored, and the zone holds nothing at *.host.
    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.62&wildcard=ON").body, "good 192.0.2.62");
    EXPECT_EQ(a_records("anything." + host), Strings{});
    EXPECT_EQ(stack().sql("select wildcard from hosts where name = '" + host + "'"), "f");
}

// DynamIP hosts get the protocol's 20-minute timeout when neither host nor zone set one.
TEST_F(RouterFeatures, ADynamipHostGetsTheProtocolsHeartbeatTimeout) {
    const auto r = stack().get("/Login/updateip.asp?SiteID=" + host +
                               "&Password=" + std::string("correct%20horse%20battery") +
                               "&IPAddr=192.0.2.70&ProgVer=1.0");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body.rfind("IP Address for " + host + " set to 192.0.2.70", 0), 0u) << r.body;
    EXPECT_EQ(
        stack().sql("select protocol_heartbeat_seconds from hosts where name = '" + host + "'"),
        "1200");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.70"});
}

}  // namespace
}  // namespace ddns::test
