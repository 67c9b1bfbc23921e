// Records of domain accounts through `admin record` and `zone add --owner`, against the real
// named and PostgreSQL: what named serves after each command, the rows stored, and the
// refusals that must leave named untouched (its SOA serial proves no UPDATE was applied).
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kOwner = "records-owner";  // the domain account owning kZone
constexpr const char* kZone = "records.test";
constexpr const char* kPassword = "records-test-password";
using Strings = std::vector<std::string>;

// The shared stack, plus the owned zone every test here works in.
class RecordsEnvironment : public StackEnvironment {
public:
    RecordsEnvironment()
        : StackEnvironment([] {
              GatewayStackOptions o;
              o.zones = {"example.test"};
              o.unregistered_zones = {kZone, "spare.test"};
              return o;
          }()) {}
    void SetUp() override {
        StackEnvironment::SetUp();
        g_stack->add_account(kOwner, kPassword, "domain");
        const auto r = g_stack->admin({"zone", "add", kZone, "--server",
                                       "127.0.0.1:" + std::to_string(g_stack->named().port()),
                                       "--key-file", g_stack->named().key_file().string(), "--ttl",
                                       "120", "--owner", kOwner});
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new RecordsEnvironment);

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

class Records : public StackTest {
protected:
    void SetUp() override { label_ = unique_label(); }
    // A name of this test's own in the owned zone.
    std::string fqdn(const std::string& prefix = {}) const {
        return (prefix.empty() ? "" : prefix + ".") + label_ + "." + kZone;
    }
    CommandResult record(const Strings& args) {
        Strings argv{"record"};
        argv.insert(argv.end(), args.begin(), args.end());
        return stack().admin(argv);
    }
    void must(const Strings& args) {
        const auto r = record(args);
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    Strings named(const std::string& name, const std::string& type) {
        return stack().named().query(name, type);
    }
    std::optional<std::uint32_t> serial() { return stack().named().soa_serial(kZone); }
    std::string rows(const std::string& name) {
        return stack().sql("select count(*) from records where name = '" + name + "'");
    }
    // "TTL TYPE DATA" lines of named's answer, sorted (dig +short hides the TTL).
    Strings answer(const std::string& name, const std::string& type) {
        const auto r = run_command({"dig", "+noall", "+answer", "+norec", "@127.0.0.1", "-p",
                                    std::to_string(stack().named().port()), name, type});
        Strings lines;
        std::istringstream in(r.output);
        for (std::string owner, ttl, klass, rtype, data; in >> owner >> ttl >> klass >> rtype;) {
            std::getline(in >> std::ws, data);
            lines.push_back(ttl.append(" ").append(rtype).append(" ").append(data));
        }
        std::sort(lines.begin(), lines.end());
        return lines;
    }

    std::string label_;
};

TEST_F(Records, AddReachesNamedWithTheZoneTtlAndListShowsIt) {
    const auto www = fqdn("www");
    const auto r = record({"add", www, "A", "192.0.2.10"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "added")) << r.output;
    EXPECT_EQ(named(www, "A"), Strings{"192.0.2.10"});
    EXPECT_EQ(answer(www, "A"), Strings{"120 A 192.0.2.10"});
    EXPECT_EQ(stack().sql("select type || ' ' || ttl || ' ' || host(address) from records "
                          "where name = '" +
                          www + "'"),
              "A 120 192.0.2.10");
    must({"add", www, "AAAA", "2001:db8::10", "--ttl", "30"});
    EXPECT_EQ(answer(www, "AAAA"), Strings{"30 AAAA 2001:db8::10"});

    const auto listed = record({"list", kZone});
    EXPECT_EQ(listed.exit_code, 0) << listed.output;
    EXPECT_TRUE(contains(listed.output, www)) << listed.output;
    EXPECT_TRUE(contains(listed.output, "2001:db8::10")) << listed.output;
}

TEST_F(Records, AnotherTtlRetimesTheWholeRrsetInNamedAndTheDatabase) {
    const auto name = fqdn("ttl");
    must({"add", name, "A", "192.0.2.11", "--ttl", "300"});
    must({"add", name, "A", "192.0.2.12", "--ttl", "60"});
    EXPECT_EQ(answer(name, "A"), (Strings{"60 A 192.0.2.11", "60 A 192.0.2.12"}));
    EXPECT_EQ(stack().sql("select string_agg(distinct ttl::text, ',') from records where name = '" +
                          name + "'"),
              "60");
}

TEST_F(Records, ASecondAddressMakesARoundRobinThenRemovalsTakeOneOrAll) {
    const auto rr = fqdn("rr");
    must({"add", rr, "A", "192.0.2.21"});
    must({"add", rr, "A", "192.0.2.22"});
    must({"add", rr, "A", "192.0.2.23"});
    EXPECT_EQ(named(rr, "A"), (Strings{"192.0.2.21", "192.0.2.22", "192.0.2.23"}));
    EXPECT_EQ(rows(rr), "3");

    must({"remove", rr, "A", "192.0.2.22"});
    EXPECT_EQ(named(rr, "A"), (Strings{"192.0.2.21", "192.0.2.23"}));
    EXPECT_EQ(rows(rr), "2");

    // Without data: the whole RRset, in one UPDATE.
    const auto before = serial();
    must({"remove", rr, "A"});
    EXPECT_TRUE(named(rr, "A").empty());
    EXPECT_EQ(rows(rr), "0");
    EXPECT_EQ(serial(), *before + 1) << "one message";

    auto r = record({"remove", rr, "A"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "no such record")) << r.output;
}

TEST_F(Records, MxCarriesItsPreferenceAndCanBeRemovedByIt) {
    const auto domain = fqdn();
    // named refuses an MX whose target inside the zone has no address (check-integrity).
    auto r = record({"add", domain, "MX", "10", "mail." + domain});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "refused")) << r.output;
    must({"add", "mail." + domain, "A", "192.0.2.25"});
    must({"add", domain, "MX", "10", "mail." + domain});
    must({"add", domain, "MX", "20", "backup.example.net"});
    EXPECT_EQ(named(domain, "MX"), (Strings{"10 mail." + domain + ".", "20 backup.example.net."}));
    EXPECT_EQ(stack().sql("select preference || ' ' || target from records where name = '" +
                          domain + "' order by preference"),
              "10 mail." + domain + "\n20 backup.example.net");
    must({"remove", domain, "MX", "20"});
    EXPECT_EQ(named(domain, "MX"), Strings{"10 mail." + domain + "."});
    r = record({"add", domain, "MX", "mail." + domain});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "PREFERENCE")) << r.output;
}

TEST_F(Records, NsDelegatesASubdomainButNeverTheApex) {
    const auto sub = fqdn("sub");
    must({"add", sub, "NS", "ns1.example.net"});
    // named answers for a delegated name with a referral: the NS RRset in the authority section.
    const auto r = run_command({"dig", "+noall", "+authority", "+norec", "@127.0.0.1", "-p",
                                std::to_string(stack().named().port()), "www." + sub, "A"});
    EXPECT_TRUE(contains(r.output, sub + ". 120 IN NS ns1.example.net.")) << r.output;
    EXPECT_EQ(rows(sub), "1");
    const auto before = serial();
    const auto apex = record({"add", kZone, "NS", "ns9.example.net"});
    EXPECT_EQ(apex.exit_code, 1);
    EXPECT_TRUE(contains(apex.output, "zone apex belong to the zone's operator")) << apex.output;
    EXPECT_EQ(serial(), before);
}

TEST_F(Records, TxtKeepsTheTextAndSplitsLongTextIntoStrings) {
    const auto name = fqdn("txt");
    must({"add", name, "TXT", "v=spf1 -all"});
    const std::string long_text(300, 'k');
    must({"add", name, "TXT", long_text});
    EXPECT_EQ(named(name, "TXT"),
              (Strings{"\"" + std::string(255, 'k') + "\" \"" + std::string(45, 'k') + "\"",
                       "\"v=spf1 -all\""}));
    must({"remove", name, "TXT", long_text});
    EXPECT_EQ(named(name, "TXT"), Strings{"\"v=spf1 -all\""});
    EXPECT_EQ(rows(name), "1");
}

TEST_F(Records, ACnameNextToDataIsRefusedWithoutDnsTraffic) {
    const auto name = fqdn("both");
    must({"add", name, "A", "192.0.2.30"});
    const auto before = serial();
    const auto r = record({"add", name, "CNAME", "www." + std::string(kZone)});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "CNAME cannot share its name")) << r.output;
    EXPECT_TRUE(named(name, "CNAME").empty());
    EXPECT_EQ(named(name, "A"), Strings{"192.0.2.30"});
    EXPECT_EQ(serial(), before);
    EXPECT_EQ(rows(name), "1");
}

TEST_F(Records, DataNextToACnameIsRefusedWithoutDnsTraffic) {
    const auto name = fqdn("alias");
    const std::string target = "www." + std::string(kZone);
    must({"add", name, "CNAME", target});
    EXPECT_EQ(named(name, "CNAME"), Strings{target + "."});
    const auto before = serial();
    for (const Strings& data : {Strings{"A", "192.0.2.31"}, Strings{"MX", "10", target},
                                Strings{"TXT", "text"}, Strings{"CNAME", "other." + target}}) {
        Strings args{"add", name};
        args.insert(args.end(), data.begin(), data.end());
        const auto r = record(args);
        EXPECT_EQ(r.exit_code, 1) << data[0];
        EXPECT_TRUE(contains(r.output, "CNAME cannot share its name")) << r.output;
    }
    EXPECT_EQ(named(name, "CNAME"), Strings{target + "."});
    EXPECT_EQ(answer(name, "A"), Strings{"120 CNAME " + target + "."}) << "no address there";
    EXPECT_EQ(serial(), before);
    EXPECT_EQ(rows(name), "1");
}

TEST_F(Records, DataInBindTheDatabaseDoesNotKnowStopsACnameInDns) {
    // Someone changed the zone behind the gateway's back (nsupdate with the same key).
    const auto name = fqdn("behind");
    const auto r = run_command(
        {"nsupdate", "-k", stack().named().key_file().string()}, std::chrono::seconds(30),
        "server 127.0.0.1 " + std::to_string(stack().named().port()) + "\nzone " + kZone +
            "\nupdate add " + name + " 60 TXT \"unknown to the gateway\"\nsend\n");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(named(name, "TXT").size(), 1u);
    const auto before = serial();
    // The database sees a free name; BIND's prerequisite (name not in use) catches it, where
    // BIND would otherwise ignore the CNAME and still answer NOERROR.
    const auto refused = record({"add", name, "CNAME", "www." + std::string(kZone)});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_TRUE(contains(refused.output, "CNAME cannot share its name")) << refused.output;
    EXPECT_TRUE(contains(refused.output, "disagree")) << refused.output;  // the logged warning
    EXPECT_TRUE(named(name, "CNAME").empty());
    EXPECT_EQ(serial(), before);
    EXPECT_EQ(rows(name), "0");
}

TEST_F(Records, OnlyZonesOwnedByADomainAccountTakeRecords) {
    const std::string name = label_ + ".example.test";
    const auto before = stack().named().soa_serial("example.test");
    auto r = record({"add", name, "A", "192.0.2.40"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "not owned by a domain account")) << r.output;
    EXPECT_TRUE(named(name, "A").empty());
    EXPECT_EQ(stack().named().soa_serial("example.test"), before);
    r = record({"list", "example.test"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "not owned by a domain account")) << r.output;
    r = record({"add", label_ + ".nowhere.invalid", "A", "192.0.2.40"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "no registered zone")) << r.output;
    EXPECT_EQ(rows(name), "0");
}

TEST_F(Records, ZoneAddRefusesAnOwnerThatIsNoDomainAccount) {
    const std::string user = label_;
    stack().add_account(user, kPassword);  // free plan
    const Strings zone_add{"zone",
                           "add",
                           "spare.test",
                           "--server",
                           "127.0.0.1:" + std::to_string(stack().named().port()),
                           "--key-file",
                           stack().named().key_file().string(),
                           "--owner"};
    auto args = zone_add;
    args.push_back(user);
    auto r = stack().admin(args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "not on the domain plan")) << r.output;
    args = zone_add;
    args.push_back(user + "-nobody");
    r = stack().admin(args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "no such account")) << r.output;
    EXPECT_EQ(stack().sql("select count(*) from zones where name = 'spare.test'"), "0");
}

TEST_F(Records, HostNamesAndRecordNamesStayApart) {
    const std::string host = fqdn("host");
    stack().add_account(label_, kPassword);
    stack().add_host(host, label_);
    const auto before = serial();
    auto r = record({"add", host, "A", "192.0.2.50"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "dynamic host's name")) << r.output;
    EXPECT_EQ(serial(), before);
    // Mail for the host's name is the zone owner's to give.
    must({"add", host, "MX", "10", "mail.example.net"});

    const std::string taken = fqdn("taken");
    must({"add", taken, "TXT", "mine"});
    r = stack().admin({"host", "add", taken, "--account", label_});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "holds records")) << r.output;
    EXPECT_EQ(stack().sql("select count(*) from hosts where name = '" + taken + "'"), "0");
}

// A host's wildcard mirror (*.<host>) carries the host's addresses: while the host mirrors, or
// may start to (its zone allows the mirror), no record takes A, AAAA, CNAME or NS there.
TEST_F(Records, AHostsWildcardMirrorTakesNoAddressRecords) {
    const std::string host = fqdn("mirror");
    const std::string star = "*." + host;
    stack().add_account(label_, kPassword);
    stack().add_host(host, label_);
    // No mirror and none allowed: the name is the zone owner's, as any other.
    must({"add", star, "A", "192.0.2.60"});
    must({"remove", star, "A"});

    stack().sql("update hosts set wildcard = true where name = '" + host + "'");
    const auto before = serial();
    for (const Strings& add :
         {Strings{"add", star, "A", "192.0.2.61"}, Strings{"add", star, "AAAA", "2001:db8::61"},
          Strings{"add", star, "CNAME", "elsewhere.example.net"}}) {
        const auto r = record(add);
        EXPECT_EQ(r.exit_code, 1) << r.output;
        EXPECT_TRUE(contains(r.output, "wildcard mirror")) << r.output;
    }
    EXPECT_EQ(serial(), before);
    EXPECT_EQ(rows(star), "0");
    must({"add", star, "TXT", "text stays the owner's"});

    stack().sql("update hosts set wildcard = false where name = '" + host + "'");
    ASSERT_EQ(stack().admin({"zone", "wildcard", kZone, "on"}).exit_code, 0);
    const auto allowed = record({"add", star, "A", "192.0.2.62"});
    ASSERT_EQ(stack().admin({"zone", "wildcard", kZone, "off"}).exit_code, 0);
    EXPECT_EQ(allowed.exit_code, 1) << allowed.output;
    EXPECT_EQ(named(star, "A"), Strings{});
}

TEST_F(Records, RemovingTheZoneOrItsOwnerIsRefusedWhileTheyHoldRecords) {
    must({"add", fqdn("keep"), "A", "192.0.2.60"});
    auto r = stack().admin({"zone", "remove", kZone});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "still has hosts or records")) << r.output;
    r = stack().admin({"account", "remove", kOwner});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "owns zone(s) " + std::string(kZone))) << r.output;
    EXPECT_EQ(named(fqdn("keep"), "A"), Strings{"192.0.2.60"});
    EXPECT_EQ(
        stack().sql("select count(*) from accounts where username = '" + std::string(kOwner) + "'"),
        "1");
}

TEST_F(Records, WithBindDownNothingChanges) {
    const auto name = fqdn("down");
    must({"add", name, "A", "192.0.2.70"});
    stack().named().stop();
    const auto add = record({"add", name, "A", "192.0.2.71"});
    const auto remove = record({"remove", name, "A"});
    stack().named().start_again();
    EXPECT_EQ(add.exit_code, 1);
    EXPECT_TRUE(contains(add.output, "nothing changed")) << add.output;
    EXPECT_EQ(remove.exit_code, 1);
    EXPECT_TRUE(contains(remove.output, "nothing changed")) << remove.output;
    EXPECT_EQ(named(name, "A"), Strings{"192.0.2.70"});
    EXPECT_EQ(stack().sql("select host(address) from records where name = '" + name + "'"),
              "192.0.2.70");
}

TEST_F(Records, BadInputIsRefusedBeforeAnything) {
    const auto name = fqdn("bad");
    const auto before = serial();
    for (const Strings& args :
         {Strings{"add", name, "A", "2001:db8::1"}, Strings{"add", name, "AAAA", "192.0.2.1"},
          Strings{"add", name, "SRV", "x"}, Strings{"add", name, "CNAME", "not_a..name"},
          Strings{"add", name, "MX", "70000", "mx.example.test"},
          Strings{"add", name, "A", "192.0.2.1", "--ttl", "-5"},
          Strings{"remove", name, "MX", "many"}}) {
        const auto r = record(args);
        EXPECT_EQ(r.exit_code, 1) << args[2] << ": " << r.output;
    }
    EXPECT_EQ(record({"add", name, "A"}).exit_code, 2) << "missing DATA is a usage error";
    EXPECT_EQ(serial(), before);
    EXPECT_EQ(rows(name), "0");
}

}  // namespace
}  // namespace ddns::test
