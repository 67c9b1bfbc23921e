// MyServer-style FXN commands end to end: requests to the real gateway, assertions on what named
// serves (dig, AXFR, the SOA serial as proof of traffic or of its absence) and on the rows in
// PostgreSQL. Free accounts own one name in the shared zone; domain accounts own whole zones,
// set up with the real admin commands (`account add --plan domain`, `zone add --owner`).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kShared = "example.test";          // free accounts' names live here
constexpr const char* kOwned = "owned.test";             // owned by kDomainUser
constexpr const char* kOtherOwned = "other-owned.test";  // owned by kOtherUser
constexpr const char* kBroken = "broken.test";  // owned by kBrokenUser; BIND refuses its key
constexpr const char* kDomainUser = "domain-owner";
constexpr const char* kOtherUser = "domain-other";
constexpr const char* kBrokenUser = "domain-broken";
constexpr const char* kPassword = "correct horse battery";
// The password as a query value; the form POST sends it as a form would (spaces as %20).
constexpr const char* kPwdParam = "correct%20horse%20battery";
constexpr const char* kAllowed = "A,CNAME,MX 1,MX 10,MX 2,MX 3,MX 4,MX 5,MX 6,MX 7,MX 8,MX 9,NS";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {kShared};
    // Registered by the tests themselves, with owners.
    o.unregistered_zones = {kOwned, kOtherOwned, kBroken};
    o.extra_config = "proxy.trusted = 127.0.0.2/32\n" + kCacheMaxLagConfig;
    return o;
}()));

using Strings = std::vector<std::string>;

// "name TYPE data" with names lower case and without the trailing dot, MX data "pref exchange".
using Rrs = std::set<std::string>;

std::string without_dot(std::string name) {
    if (!name.empty() && name.back() == '.') name.pop_back();
    return name;
}

class MyServer : public StackTest {
protected:
    void SetUp() override {
        prepare_domain_accounts();
        label = unique_label();
        user = label;
        host = label + "." + kShared;
    }

    // The domain accounts and their zones exist once per stack (the stack may outlive a
    // --gtest_repeat iteration, or be recreated for it).
    void prepare_domain_accounts() {
        static GatewayStack* prepared = nullptr;
        if (prepared == &stack()) return;
        const std::string server = "127.0.0.1:" + std::to_string(stack().named().port());
        const auto own = [&](const char* zone, const char* owner, const std::string& key_file,
                             bool check) {
            stack().add_account(owner, kPassword, "domain");
            std::vector<std::string> args{"zone",   "add",   zone, "--server", server, "--key-file",
                                          key_file, "--ttl", "60", "--owner",  owner};
            if (!check) args.push_back("--no-check");
            const auto r = stack().admin(args);
            ASSERT_EQ(r.exit_code, 0) << r.output;
        };
        const std::string key = stack().named().key_file().string();
        own(kOwned, kDomainUser, key, true);
        own(kOtherOwned, kOtherUser, key, true);
        own(kBroken, kBrokenUser, stack().named().ungranted_key_file().string(), false);
        prepared = &stack();
    }

    void add_free_account() {
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }

    HttpReply fxn(const std::string& query, const std::string& path = "/dnslogin3.asp") {
        return stack().get(path + "?" + query, std::nullopt, {"User-Agent: Dynamic DNS App"});
    }
    // A command with credentials: the free account's, or `who`'s.
    HttpReply as(const std::string& who, const std::string& query) {
        return fxn("Usr=" + who + "&Pwd=" + std::string(kPwdParam) + "&" + query);
    }
    std::string body(const HttpReply& r) {
        return r.status == 200 ? r.body : "HTTP " + r.status_line;
    }

    Strings dig(const std::string& name, const std::string& type) {
        return stack().named().query(name, type);
    }
    std::string sql(const std::string& statement) { return stack().sql(statement); }
    std::string stored_ipv4(const std::string& name) {
        return sql("select coalesce(host(ipv4),'-') from hosts where name = '" + name + "'");
    }
    // The host's whole A set as stored: "-" for none, else the addresses in order.
    std::string stored_a_set(const std::string& name) {
        return sql(
            "select coalesce(host(ipv4) || coalesce((select string_agg(' ' || host(x), '') "
            "from unnest(extra_ipv4) x), ''), '-') from hosts where name = '" +
            name + "'");
    }
    static Strings sorted(Strings s) {
        std::sort(s.begin(), s.end());
        return s;
    }
    std::string record_count(const std::string& name, const std::string& type) {
        return sql("select count(*) from records where name = '" + name + "' and type = '" + type +
                   "'");
    }

    // Every RR of `zone` as named serves it (AXFR), minus what the operator's zone file holds
    // (SOA, the apex NS ns.ZONE and its address): those are not the account's records.
    // Signed with the zone's key: named allows transfers to that key only.
    Rrs axfr(const std::string& zone) {
        const auto r = run_command({find_program("dig"), "+noall", "+answer", "+time=2", "+tries=1",
                                    "-k", stack().named().key_file().string(), "@127.0.0.1", "-p",
                                    std::to_string(stack().named().port()), zone, "AXFR"});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        Rrs out;
        std::istringstream lines(r.output);
        std::string line;
        while (std::getline(lines, line)) {
            std::istringstream in(line);
            std::string name, ttl, klass, type, first, second;
            if (!(in >> name >> ttl >> klass >> type >> first) || name.starts_with(";")) continue;
            name = without_dot(name);
            if (type == "SOA") continue;
            if (type == "NS" && name == zone && first == "ns." + zone + ".") continue;
            if (type == "A" && name == "ns." + zone) continue;
            std::string data = without_dot(first);
            if (type == "MX" && in >> second) data = first + " " + without_dot(second);
            out.insert(name + " " + type + " " + data);
        }
        return out;
    }

    // The TYPE;;HOST;;DATA;; groups of a Login reply, in the same form as axfr().
    static Rrs listed(const std::string& reply, const std::string& zone) {
        const auto start = reply.find("RecordTypes:");
        EXPECT_NE(start, std::string::npos) << reply;
        if (start == std::string::npos) return {};
        std::string rest = reply.substr(start + 12, reply.find("\r\n", start) - start - 12);
        Strings fields;
        for (std::size_t at = 0; at <= rest.size();) {
            const auto end = rest.find(";;", at);
            if (end == std::string::npos) break;
            fields.push_back(rest.substr(at, end - at));
            at = end + 2;
        }
        Rrs out;
        // fields[0] is the allowed list; then groups of three.
        EXPECT_EQ((fields.size() - 1) % 3, 0u) << reply;
        for (std::size_t i = 1; i + 2 < fields.size(); i += 3) {
            std::string type = fields[i];
            const std::string& h = fields[i + 1];
            std::string data = fields[i + 2];
            const std::string name =
                h == "@" ? zone : (h.find('.') == std::string::npos ? h + "." + zone : h);
            if (type.starts_with("MX ")) {
                data = type.substr(3) + " " + data;
                type = "MX";
            }
            out.insert(name + " " + type + " " + data);
        }
        return out;
    }

    std::string label;
    std::string user;
    std::string host;
};

TEST_F(MyServer, GetIpAddressAnswersTheClientAddressBehindTheTrustedProxy) {
    const auto r = stack().get("/AutoUpdate/DNSLogin3.ASP?fxn=getipaddress&usr=anyone",
                               std::nullopt, {"X-Forwarded-For: 198.51.100.40"}, "127.0.0.2");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type").value_or("").rfind("text/plain", 0), 0u);
    EXPECT_EQ(r.body, "DNS LOGIN:SUCCESS\r\nIPAddress:198.51.100.40\r\n");
    // An untrusted peer's header is ignored: the TCP peer is the client.
    const auto direct = stack().get("/dnslogin3.asp?FXN=GetIPAddress", std::nullopt,
                                    {"X-Forwarded-For: 198.51.100.40"}, "127.0.0.1");
    EXPECT_EQ(direct.body, "DNS LOGIN:SUCCESS\r\nIPAddress:127.0.0.1\r\n");
}

TEST_F(MyServer, UnknownOrMissingFxnIsInvalidCommand) {
    add_free_account();
    for (const std::string& q :
         {"FXN=Nope&Usr=" + user + "&Pwd=" + kPwdParam, std::string("Usr=x"), std::string("")}) {
        const auto r = fxn(q);
        EXPECT_EQ(r.status, 200) << q;
        EXPECT_EQ(r.body, "Error:Invalid Command\r\n") << q;
    }
    EXPECT_EQ(stored_ipv4(host), "-");
}

TEST_F(MyServer, CredentialsErrors) {
    add_free_account();
    const auto before = zone_serial(kShared);
    const std::string change = "&FXN=Add&IP=192.0.2.50";
    EXPECT_EQ(body(fxn("Usr=" + user + "&Pwd=wrong" + change)), "Error:Invalid Password\r\n");
    EXPECT_EQ(body(fxn("Usr=" + user + change)), "Error:Invalid Password\r\n") << "no Pwd";
    // An unknown user gets the same answer as a wrong password: names cannot be enumerated.
    EXPECT_EQ(body(fxn("Usr=" + user + "-nobody&Pwd=" + kPwdParam + change)),
              "Error:Invalid Password\r\n");
    EXPECT_EQ(body(fxn("Pwd=" + std::string(kPwdParam) + change)), "Error:Invalid Username\r\n");
    EXPECT_EQ(body(fxn("Usr=&Pwd=" + std::string(kPwdParam) + change)),
              "Error:Invalid Username\r\n");
    EXPECT_EQ(body(fxn("Usr=" + user + "&Pwd=wrong&FXN=Login")), "Error:Invalid Password\r\n");
    EXPECT_TRUE(dig(host, "A").empty());
    EXPECT_EQ(zone_serial(kShared), before);
    EXPECT_EQ(stored_ipv4(host), "-");
}

TEST_F(MyServer, ANameWithOuterWhitespaceIsNoName) {
    add_free_account();
    for (const std::string& name : {"%20" + label, label + "%09", "%20" + host}) {
        const std::string answer = body(as(user, "FXN=Add&Host=" + name + "&IP=192.0.2.53"));
        EXPECT_EQ(answer.rfind("Error:", 0), 0u) << name << ": " << answer;
    }
    EXPECT_EQ(dig(host, "A"), Strings{});
    EXPECT_EQ(stored_ipv4(host), "-");
}

// The legacy client's documented round robin (issue #8): a free account's Add joins the name's
// A RRset, Login lists every record, Delete with IP removes that one (the client sends
// Delete(old) then Add(new)), Delete without IP the whole set.
// The router's address is unchanged but its derived host was out of step (its stored AAAA lost):
// the request changed DNS, so it answers success rather than "Record Already Exists", and the
// derived host's update-log line has the word of a change.
TEST_F(MyServer, AnAddThatOnlyPutsADerivedHostRightIsASuccess) {
    add_free_account();
    const std::string nas = "nas." + host;
    stack().add_host(nas, user);
    ASSERT_EQ(stack()
                  .get("/nic/update?hostname=" + host + "&myip=192.0.2.81,2001:db8:81::1",
                       std::pair{user, std::string(kPassword)})
                  .body,
              "good 192.0.2.81,2001:db8:81::1");
    const auto derived =
        stack().admin({"host", "derive", nas, "--from", host, "--interface-id", "::5"});
    ASSERT_EQ(derived.exit_code, 0) << derived.output;
    sql("update hosts set ipv6 = NULL where name = '" + nas + "'");
    // Changed by another process: the principal cache may answer from the state it holds until
    // the notification arrives (cache.max_lag_ms); such an answer changes nothing.
    std::string answer;
    EXPECT_TRUE(wait_until([&] {
        answer = body(as(user, "FXN=Add&Host=" + label + "&IP=192.0.2.81"));
        return answer != "Error:Record Already Exists\r\n";
    }));
    EXPECT_EQ(answer, "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(sql("select coalesce(host(ipv6), '-') from hosts where name = '" + nas + "'"),
              "2001:db8:81::5");
    EXPECT_TRUE(wait_until(
        [&] {
            return sql("select count(*) from update_log where hostname = '" + nas +
                       "' and outcome ilike '%success%'") == "1";
        },
        std::chrono::seconds(10)))
        << sql("select string_agg(hostname || ' ' || outcome, ', ') from update_log");
}

TEST_F(MyServer, FreeAccountAddMakesARoundRobinAndDeleteRemovesOne) {
    add_free_account();
    // Host and Type default to the account's only name and A.
    EXPECT_EQ(body(as(user, "FXN=Add&IP=192.0.2.51")), "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(dig(host, "A"), Strings{"192.0.2.51"});
    EXPECT_EQ(stored_a_set(host), "192.0.2.51");
    EXPECT_EQ(body(as(user, "FXN=Add&Host=" + label + "&Type=A&IP=192.0.2.52")),
              "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(sorted(dig(host, "A")), (Strings{"192.0.2.51", "192.0.2.52"}));
    EXPECT_EQ(stored_a_set(host), "192.0.2.51 192.0.2.52");
    EXPECT_EQ(body(as(user, "FXN=Login")).substr(body(as(user, "FXN=Login")).find("RecordTypes")),
              "RecordTypes:A;;A;;" + label + ";;192.0.2.51;;A;;" + label + ";;192.0.2.52;;\r\n");

    auto before = zone_serial(kShared);
    EXPECT_EQ(body(as(user, "FXN=Add&Host=" + host + "&IP=192.0.2.52")),
              "Error:Record Already Exists\r\n");
    EXPECT_EQ(body(as(user, "FXN=Add&IP=192.0.2.51")), "Error:Record Already Exists\r\n");
    EXPECT_EQ(body(as(user, "FXN=Delete&IP=192.0.2.99")), "Error:Record Not Found\r\n");
    EXPECT_EQ(zone_serial(kShared), before);

    // Delete(old), then Add(new): the other record stays throughout.
    EXPECT_EQ(body(as(user, "FXN=Delete&Host=" + label + "&IP=192.0.2.51")),
              "DNS DELETE:SUCCESS\r\n");
    EXPECT_EQ(dig(host, "A"), Strings{"192.0.2.52"});
    EXPECT_EQ(stored_a_set(host), "192.0.2.52");
    EXPECT_EQ(body(as(user, "FXN=Add&IP=192.0.2.53")), "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(sorted(dig(host, "A")), (Strings{"192.0.2.52", "192.0.2.53"}));

    // Delete without IP removes the whole set.
    EXPECT_EQ(body(as(user, "FXN=Delete&Type=A")), "DNS DELETE:SUCCESS\r\n");
    EXPECT_TRUE(dig(host, "A").empty());
    EXPECT_EQ(stored_a_set(host), "-");
    before = zone_serial(kShared);
    EXPECT_EQ(body(as(user, "FXN=Delete")), "Error:Record Not Found\r\n");
    EXPECT_EQ(zone_serial(kShared), before);
}

// At most 10 A records; every other dialect replaces the whole set with its one address.
TEST_F(MyServer, FreeRoundRobinIsCappedAndAnotherDialectReplacesIt) {
    add_free_account();
    Strings all;
    for (int i = 60; i < 70; ++i) {
        all.push_back("192.0.2." + std::to_string(i));
        ASSERT_EQ(body(as(user, "FXN=Add&IP=" + all.back())), "DNS ADD:SUCCESS\r\n") << i;
    }
    const auto before = zone_serial(kShared);
    EXPECT_EQ(body(as(user, "FXN=Add&IP=192.0.2.70")), "Error:Invalid Data\r\n");
    EXPECT_EQ(zone_serial(kShared), before);
    EXPECT_EQ(sorted(dig(host, "A")), all);

    // dyndns2 with the first address of the set: the set becomes that one address.
    EXPECT_EQ(stack()
                  .get("/nic/update?hostname=" + host + "&myip=192.0.2.60",
                       std::pair{user, std::string(kPassword)})
                  .body,
              "good 192.0.2.60");
    EXPECT_EQ(dig(host, "A"), Strings{"192.0.2.60"});
    EXPECT_EQ(stored_a_set(host), "192.0.2.60");
}

TEST_F(MyServer, FreeAccountWithoutIpUsesTheForwardedClientAddress) {
    add_free_account();
    const auto r = stack().get("/dnslogin3.asp?FXN=Add&Usr=" + user + "&Pwd=" + kPwdParam,
                               std::nullopt, {"X-Forwarded-For: 198.51.100.54"}, "127.0.0.2");
    EXPECT_EQ(r.body, "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(dig(host, "A"), Strings{"198.51.100.54"});
}

TEST_F(MyServer, FreeAccountStaysInsideItsName) {
    add_free_account();
    ASSERT_EQ(body(as(user, "FXN=Add&IP=192.0.2.55")), "DNS ADD:SUCCESS\r\n");
    const auto before = zone_serial(kShared);
    const auto owned_before = zone_serial(kOwned);
    const std::string other = label + "-x";
    EXPECT_EQ(body(as(user, "FXN=Add&Host=" + other + "&IP=192.0.2.56")),
              "Error:Permission Denied\r\n");
    EXPECT_EQ(body(as(user, "FXN=Add&Host=@&IP=192.0.2.56")), "Error:Permission Denied\r\n");
    EXPECT_EQ(body(as(user, "FXN=Add&Host=" + label + "." + kOwned + "&IP=192.0.2.56")),
              "Error:Permission Denied\r\n");
    EXPECT_EQ(body(as(user, "FXN=Add&Domain=" + std::string(kOwned) + "&IP=192.0.2.56")),
              "Error:Permission Denied\r\n");
    EXPECT_EQ(body(as(user, "FXN=Add&Type=CNAME&Data=www.example.org")),
              "Error:Invalid Record Type\r\n");
    EXPECT_EQ(body(as(user, "FXN=Add&Type=MX%2010&Data=mail.example.org")),
              "Error:Invalid Record Type\r\n");
    for (const char* bad :
         {"10.1.2.3", "127.0.0.1", "192.168.1.1", "2001:db8::1", "192.0.2.300", "example.org"})
        EXPECT_EQ(body(as(user, std::string("FXN=Add&IP=") + bad)), "Error:Invalid IP Address\r\n")
            << bad;
    EXPECT_EQ(body(as(user, "FXN=Add&Host=-bad-&IP=192.0.2.56")), "Error:Invalid Host\r\n");
    EXPECT_EQ(zone_serial(kShared), before);
    EXPECT_EQ(zone_serial(kOwned), owned_before);
    EXPECT_EQ(dig(host, "A"), Strings{"192.0.2.55"});
    EXPECT_TRUE(dig(other + "." + kShared, "A").empty());
    EXPECT_EQ(stored_ipv4(host), "192.0.2.55");
}

TEST_F(MyServer, FreeLoginListsItsAddressesAndTheExpiryDate) {
    add_free_account();
    ASSERT_EQ(body(as(user, "FXN=Add&IP=192.0.2.57")), "DNS ADD:SUCCESS\r\n");
    // An AAAA set through dyndns2 shows up too.
    ASSERT_EQ(stack()
                  .get("/nic/update?hostname=" + host + "&myip=2001:db8::57",
                       std::pair{user, std::string(kPassword)})
                  .body,
              "good 2001:db8::57");
    EXPECT_EQ(body(as(user, "FXN=Login")),
              "DNS LOGIN:SUCCESS\r\n"
              "ExpirationDate:Dec 31 9999 11:59PM\r\n"
              "UserName:" +
                  user +
                  "\r\n"
                  "UserLevel:1\r\n"
                  "RecordTypes:A;;A;;" +
                  label + ";;192.0.2.57;;AAAA;;" + label + ";;2001:db8::57;;\r\n");
    sql("update accounts set expires_at = '2099-06-01 21:05:00+00' where username = '" + user +
        "'");
    // Another process changed the account: the principal cache may answer from the state it
    // holds until the change's notification arrives (at most cache.max_lag_ms).
    std::string r;
    EXPECT_TRUE(wait_until([&] {
        r = body(as(user, "fxn=LOGIN"));
        return r.find("\r\nExpirationDate:Jun  1 2099  9:05PM\r\n") != std::string::npos;
    })) << r;
}

TEST_F(MyServer, ExpiredAccountIsRefusedAndNothingChanges) {
    add_free_account();
    ASSERT_EQ(body(as(user, "FXN=Add&IP=192.0.2.58")), "DNS ADD:SUCCESS\r\n");
    sql("update accounts set expires_at = now() - interval '1 day' where username = '" + user +
        "'");
    // Changed by another process: the running gateway's cached copy of the account sees it
    // within cache.max_lag_ms. A login changes nothing, whichever state answers it.
    expect_seen_within_max_lag(
        std::chrono::steady_clock::now(), [&] { return body(as(user, "FXN=Login")); },
        "Error:Account Expired\r\n");
    const auto before = zone_serial(kShared);
    EXPECT_EQ(body(as(user, "FXN=Login")), "Error:Account Expired\r\n");
    EXPECT_EQ(body(as(user, "FXN=Add&IP=192.0.2.59")), "Error:Account Expired\r\n");
    EXPECT_EQ(body(as(user, "FXN=Delete")), "Error:Account Expired\r\n");
    // A wrong password still reads as a wrong password (expiry is told only to the owner).
    EXPECT_EQ(body(fxn("FXN=Login&Usr=" + user + "&Pwd=nope")), "Error:Invalid Password\r\n");
    EXPECT_EQ(zone_serial(kShared), before);
    EXPECT_EQ(dig(host, "A"), Strings{"192.0.2.58"});
    EXPECT_EQ(stored_ipv4(host), "192.0.2.58");
}

TEST_F(MyServer, DisabledAccountIsDenied) {
    add_free_account();
    sql("update accounts set disabled = true where username = '" + user + "'");
    EXPECT_EQ(body(as(user, "FXN=Add&IP=192.0.2.60")), "Error:Permission Denied\r\n");
    EXPECT_EQ(body(as(user, "FXN=Login")), "Error:Permission Denied\r\n");
    EXPECT_TRUE(dig(host, "A").empty());
}

TEST_F(MyServer, DomainAddIsAdditiveDeleteTakesOneRrOrTheRrset) {
    const std::string name = label + "." + kOwned;
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + label + "&Type=A&IP=192.0.2.61")),
              "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(dig(name, "A"), Strings{"192.0.2.61"});
    // A second A makes a round robin.
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + label + "&Type=A&IP=192.0.2.62")),
              "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(dig(name, "A"), (Strings{"192.0.2.61", "192.0.2.62"}));
    EXPECT_EQ(record_count(name, "A"), "2");

    auto before = zone_serial(kOwned);
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + label + "&Type=A&IP=192.0.2.61")),
              "Error:Record Already Exists\r\n");
    EXPECT_EQ(body(as(kDomainUser, "FXN=Delete&Host=" + label + "&Type=A&IP=192.0.2.69")),
              "Error:Record Not Found\r\n");
    EXPECT_EQ(zone_serial(kOwned), before);

    EXPECT_EQ(body(as(kDomainUser, "FXN=Delete&Host=" + label + "&Type=A&IP=192.0.2.61")),
              "DNS DELETE:SUCCESS\r\n");
    EXPECT_EQ(dig(name, "A"), Strings{"192.0.2.62"});
    EXPECT_EQ(record_count(name, "A"), "1");

    ASSERT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + label + "&Type=A&IP=192.0.2.63")),
              "DNS ADD:SUCCESS\r\n");
    // Without IP: the whole RRset.
    EXPECT_EQ(body(as(kDomainUser, "FXN=Delete&Host=" + label + "&Type=A")),
              "DNS DELETE:SUCCESS\r\n");
    EXPECT_TRUE(dig(name, "A").empty());
    EXPECT_EQ(record_count(name, "A"), "0");
    before = zone_serial(kOwned);
    EXPECT_EQ(body(as(kDomainUser, "FXN=Delete&Host=" + label + "&Type=A")),
              "Error:Record Not Found\r\n");
    EXPECT_EQ(zone_serial(kOwned), before);
}

TEST_F(MyServer, MixedCaseNamesValuesAndAFormPost) {
    const std::string name = label + "." + kOwned;
    const std::string form = "fXn=aDD&uSR=" + std::string(kDomainUser) + "&pwD=" + kPwdParam +
                             "&HOST=" + label + "&tYpE=a&iP=192.0.2.64&dOmAiN=OWNED.test";
    const auto r = stack().raw(
        "POST /DNSLOGIN3.asp HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
        std::to_string(form.size()) + "\r\n\r\n" + form);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(dig(name, "A"), Strings{"192.0.2.64"});
    EXPECT_EQ(body(fxn("FXN=DELETE&USR=" + std::string(kDomainUser) + "&PWD=" + kPwdParam +
                           "&Host=" + name + "&TYPE=A",
                       "/autoupdate/dnslogin3.asp")),
              "DNS DELETE:SUCCESS\r\n");
    EXPECT_TRUE(dig(name, "A").empty());
}

TEST_F(MyServer, MxCarriesItsPreferenceAndDeleteMxNTakesThatPreferenceOnly) {
    const std::string name = label + "." + kOwned;
    // Exchanges outside the zone: BIND refuses an MX whose in-zone target has no address.
    const std::string mail1 = "mail1." + label + ".example.net";
    const std::string mail2 = "mail2." + label + ".example.net";
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + label + "&Type=MX%2010&Data=" + mail1 + ".")),
              "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + label + "&Type=MX+5&Data=" + mail2)),
              "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(dig(name, "MX"), (Strings{"10 " + mail1 + ".", "5 " + mail2 + "."}));
    EXPECT_EQ(sql("select preference || ' ' || target from records where name = '" + name +
                  "' and type = 'MX' order by preference"),
              "5 " + mail2 + "\n10 " + mail1);
    const auto before = zone_serial(kOwned);
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + label + "&Type=MX%2011&Data=" + mail1)),
              "Error:Invalid Record Type\r\n");
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + label + "&Type=MX%201&Data=-bad-")),
              "Error:Invalid Data\r\n");
    EXPECT_EQ(zone_serial(kOwned), before);
    EXPECT_EQ(body(as(kDomainUser, "FXN=Delete&Host=" + label + "&Type=MX%2010")),
              "DNS DELETE:SUCCESS\r\n");
    EXPECT_EQ(dig(name, "MX"), Strings{"5 " + mail2 + "."});
    EXPECT_EQ(body(as(kDomainUser, "FXN=Delete&Host=" + label + "&Type=MX%205&Data=" + mail2)),
              "DNS DELETE:SUCCESS\r\n");
    EXPECT_TRUE(dig(name, "MX").empty());
}

// BIND (9.18) refuses an MX whose exchange lies in the zone and has no A/AAAA there (its update
// integrity check) with REFUSED. That is the client's data, not an outage: Invalid Data, and
// nothing changes. With an address at the target the same Add succeeds. An NS to such a target
// is accepted by BIND, so the gateway accepts it too (README, MyServer section).
TEST_F(MyServer, MxToAnInZoneTargetWithoutAddressIsInvalidData) {
    const std::string name = label + "." + kOwned;
    const std::string target = "mx-" + label;
    const std::string target_name = target + "." + kOwned;
    const std::string add_mx = "FXN=Add&Host=" + label + "&Type=MX%2010&Data=" + target_name;
    const auto before = zone_serial(kOwned);
    EXPECT_EQ(body(as(kDomainUser, add_mx)), "Error:Invalid Data\r\n");
    EXPECT_EQ(zone_serial(kOwned), before);
    EXPECT_TRUE(dig(name, "MX").empty());
    EXPECT_EQ(record_count(name, "MX"), "0");

    ASSERT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + target + "&Type=A&IP=192.0.2.67")),
              "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(body(as(kDomainUser, add_mx)), "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(dig(name, "MX"), Strings{"10 " + target_name + "."});
}

TEST_F(MyServer, NsToAnInZoneTargetWithoutAddressIsWhatBindAccepts) {
    const std::string sub = "sub-" + label;
    const std::string target_name = "ns-" + label + "." + kOwned;
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + sub + "&Type=NS&Data=" + target_name)),
              "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(record_count(sub + "." + kOwned, "NS"), "1");
    // A target below the delegation itself (one that would need glue) is accepted alike.
    const std::string glued = "glue-" + label;
    EXPECT_EQ(
        body(as(kDomainUser, "FXN=Add&Host=" + glued + "&Type=NS&Data=ns." + glued + "." + kOwned)),
        "DNS ADD:SUCCESS\r\n");
}

TEST_F(MyServer, CnameConflictIsRefusedAndNamedIsUnchanged) {
    const std::string name = label + "." + kOwned;
    const std::string alias = "alias-" + label;
    ASSERT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + label + "&Type=A&IP=192.0.2.65")),
              "DNS ADD:SUCCESS\r\n");
    ASSERT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + alias + "&Type=CNAME&Data=www.example.org")),
              "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(dig(alias + "." + kOwned, "CNAME"), Strings{"www.example.org."});
    const auto before = zone_serial(kOwned);
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + label + "&Type=CNAME&Data=www.example.org")),
              "Error:CNAME Conflict\r\n");
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + alias + "&Type=A&IP=192.0.2.66")),
              "Error:CNAME Conflict\r\n");
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=@&Type=CNAME&Data=www.example.org")),
              "Error:CNAME Conflict\r\n");
    EXPECT_EQ(zone_serial(kOwned), before);
    EXPECT_EQ(dig(name, "A"), Strings{"192.0.2.65"});
    EXPECT_TRUE(dig(name, "CNAME").empty());
    EXPECT_EQ(dig(alias + "." + kOwned, "CNAME"), Strings{"www.example.org."});
    EXPECT_EQ(axfr(kOwned).count(alias + "." + kOwned + " A 192.0.2.66"), 0u);
    EXPECT_EQ(record_count(name, "CNAME"), "0");
}

TEST_F(MyServer, ZonesTheAccountDoesNotOwnAreDeniedAndUnchanged) {
    const std::string owned_before = std::to_string(zone_serial(kOwned));
    const auto other_before = zone_serial(kOtherOwned);
    const auto shared_before = zone_serial(kShared);
    const std::string a = "&Type=A&IP=192.0.2.67";
    for (const std::string& q :
         {"FXN=Add&Domain=" + std::string(kOtherOwned) + "&Host=" + label + a,
          "FXN=Add&Host=" + label + "." + kOtherOwned + a,
          "FXN=Add&Host=" + label + "." + kShared + a,
          "FXN=Add&Domain=" + std::string(kShared) + "&Host=" + label + a,
          "FXN=Delete&Domain=" + std::string(kOtherOwned) + "&Host=" + label + "&Type=A",
          "FXN=Add&Domain=" + std::string(kOwned) + "&Host=" + label + "." + kOtherOwned + a,
          "FXN=Login&Domain=" + std::string(kOtherOwned)})
        EXPECT_EQ(body(as(kDomainUser, q)), "Error:Permission Denied\r\n") << q;
    EXPECT_EQ(zone_serial(kOtherOwned), other_before);
    EXPECT_EQ(zone_serial(kShared), shared_before);
    EXPECT_EQ(std::to_string(zone_serial(kOwned)), owned_before);
    EXPECT_TRUE(dig(label + "." + kOtherOwned, "A").empty());
    EXPECT_TRUE(dig(label + "." + kShared, "A").empty());
    EXPECT_EQ(sql("select count(*) from records where name like '" + label + ".%'"), "0");
}

TEST_F(MyServer, DomainRequestErrors) {
    const std::string name = label + "." + kOwned;
    const auto before = zone_serial(kOwned);
    const std::string h = "&Host=" + label;
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add" + h + "&Type=TXT&Data=hello")),
              "Error:Invalid Record Type\r\n");
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add" + h + "&Type=AAAA&IP=2001:db8::1")),
              "Error:Invalid Record Type\r\n");
    for (const char* bad : {"10.0.0.1", "192.0.2.256", "2001:db8::1", "mail.example.org"})
        EXPECT_EQ(body(as(kDomainUser, "FXN=Add" + h + "&Type=A&IP=" + bad)),
                  "Error:Invalid IP Address\r\n")
            << bad;
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add" + h + "&Type=CNAME&Data=bad..name")),
              "Error:Invalid Data\r\n");
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add" + h + "&Type=NS")), "Error:Invalid Data\r\n");
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=-x-&Type=A&IP=192.0.2.68")),
              "Error:Invalid Host\r\n");
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Domain=bad..domain" + h + "&Type=A&IP=192.0.2.68")),
              "Error:Invalid Domain\r\n");
    EXPECT_EQ(zone_serial(kOwned), before);
    EXPECT_TRUE(dig(name, "A").empty());
    EXPECT_EQ(sql("select count(*) from records where name = '" + name + "'"), "0");
}

TEST_F(MyServer, BindRefusingTheChangeIsAServerErrorAndNothingIsStored) {
    const auto r = as(kBrokenUser, "FXN=Add&Host=" + label + "&Type=A&IP=192.0.2.70");
    EXPECT_EQ(body(r), "Error:Server Error\r\n");
    EXPECT_TRUE(dig(label + "." + kBroken, "A").empty());
    EXPECT_EQ(sql("select count(*) from records where name = '" + label + "." + kBroken + "'"),
              "0");
}

TEST_F(MyServer, NsRecordsBelowTheApex) {
    const std::string name = label + "." + kOwned;
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + label + "&Type=NS&IP=ns1.example.net")),
              "DNS ADD:SUCCESS\r\n");
    EXPECT_EQ(record_count(name, "NS"), "1");
    EXPECT_EQ(axfr(kOwned).count(name + " NS ns1.example.net"), 1u);
    EXPECT_EQ(body(as(kDomainUser, "FXN=Delete&Host=" + label + "&Type=NS&Data=ns1.example.net")),
              "DNS DELETE:SUCCESS\r\n");
    EXPECT_EQ(record_count(name, "NS"), "0");
    EXPECT_EQ(axfr(kOwned).count(name + " NS ns1.example.net"), 0u);
}

TEST_F(MyServer, DomainLoginListsExactlyWhatNamedHolds) {
    const std::string h = "&Host=" + label;
    ASSERT_EQ(body(as(kDomainUser, "FXN=Add" + h + "&Type=A&IP=192.0.2.71")),
              "DNS ADD:SUCCESS\r\n");
    ASSERT_EQ(body(as(kDomainUser, "FXN=Add" + h + "&Type=A&IP=192.0.2.72")),
              "DNS ADD:SUCCESS\r\n");
    ASSERT_EQ(
        body(as(kDomainUser, "FXN=Add" + h + "&Type=MX%203&Data=mx." + label + ".example.org")),
        "DNS ADD:SUCCESS\r\n");
    ASSERT_EQ(body(as(kDomainUser,
                      "FXN=Add&Host=www-" + label + "&Type=CNAME&Data=" + label + "." + kOwned)),
              "DNS ADD:SUCCESS\r\n");
    // An in-zone exchange needs its address first: BIND refuses an MX pointing nowhere, and the
    // client is told its data is wrong (not that the server failed).
    const std::string mx = "mx-" + label;
    EXPECT_EQ(body(as(kDomainUser, "FXN=Add&Host=@&Type=MX%2010&Data=" + mx + "." + kOwned)),
              "Error:Invalid Data\r\n");
    ASSERT_EQ(body(as(kDomainUser, "FXN=Add&Host=" + mx + "&Type=A&IP=192.0.2.73")),
              "DNS ADD:SUCCESS\r\n");
    ASSERT_EQ(body(as(kDomainUser, "FXN=Add&Host=@&Type=MX%2010&Data=" + mx + "." + kOwned)),
              "DNS ADD:SUCCESS\r\n");

    const std::string reply = body(as(kDomainUser, "FXN=Login"));
    ASSERT_EQ(reply.rfind("DNS LOGIN:SUCCESS\r\nExpirationDate:Dec 31 9999 11:59PM\r\nUserName:" +
                              std::string(kDomainUser) +
                              "\r\nUserLevel:2\r\nRecordTypes:" + kAllowed + ";;",
                          0),
              0u)
        << reply;
    ASSERT_TRUE(reply.ends_with(";;\r\n")) << reply;
    const Rrs from_login = listed(reply, kOwned);
    EXPECT_EQ(from_login, axfr(kOwned)) << reply;
    // The records this test made, in the HOST and DATA forms the client sees.
    EXPECT_NE(reply.find(";;A;;" + label + ";;192.0.2.71;;A;;" + label + ";;192.0.2.72;;"),
              std::string::npos)
        << reply;
    EXPECT_NE(reply.find(";;MX 3;;" + label + ";;mx." + label + ".example.org;;"),
              std::string::npos)
        << reply;
    EXPECT_NE(reply.find(";;CNAME;;www-" + label + ";;" + label + "." + kOwned + ";;"),
              std::string::npos)
        << reply;
    EXPECT_NE(reply.find(";;MX 10;;@;;" + mx + "." + kOwned + ";;"), std::string::npos) << reply;
    // Same with Domain named explicitly.
    EXPECT_EQ(body(as(kDomainUser, "FXN=Login&Domain=Owned.Test.")), reply);
}

}  // namespace
}  // namespace ddns::test
