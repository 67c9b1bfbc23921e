// The reconciler in the real binary against real named and PostgreSQL: a record changed by hand
// in BIND, a host in doubt whose UPDATE reached BIND but not the database, a host BIND holds
// although the database says it has no address (a zone restored from an old copy), and a name
// the gateway does not manage, which must survive every pass, a domain account's record
// edited by hand, and record changes whose replies were lost (marked in doubt, then settled).
// Assertions on what named serves and on the rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "ddns/nsupdate/update_client.hpp"
#include "stack_environment.hpp"
#include "udp_relay.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct-horse-battery";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config = "reconcile.interval = 2\nreconcile.in_doubt_poll = 1\n" + kCacheMaxLagConfig;
    o.zones = {kZone, "wild.test"};  // wild.test gets a zone-level wildcard (*.wild.test)
    o.unregistered_zones = {"owned.test", "lost.test"};  // given to domain accounts
    return o;
}()));

using Strings = std::vector<std::string>;
using std::chrono::seconds;

class Reconcile : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    std::string update(const std::string& address) {
        return nic_update("hostname=" + host + "&myip=" + address);
    }
    std::string nic_update(const std::string& query) {
        return stack().get("/nic/update?" + query, std::pair{user, std::string(kPassword)}).body;
    }
    // Changes BIND behind the gateway's back, as an operator with the zone's key would: the
    // RRset of `address`'s family (A when empty and `type` is not given) holds it, or nothing.
    void set_in_bind(const std::string& name, const std::string& address,
                     RecordType type = RecordType::A) {
        auto key = parse_tsig_key_file(read_file(stack().named().key_file()));
        ASSERT_TRUE(key.has_value());
        const auto owner = *DnsName::parse(name);
        const auto ip = IpAddress::parse(address);
        if (ip) type = ip->is_v4() ? RecordType::A : RecordType::AAAA;
        UpdateRequest request{*DnsName::parse(kZone), {}, {DeleteRRset{owner, type}}};
        if (ip) request.operations.emplace_back(AddRecord{ResourceRecord::address(owner, 60, *ip)});
        UpdateClient client;
        const auto r =
            client.send(request, *key, {*IpAddress::parse("127.0.0.1"), stack().named().port()});
        ASSERT_TRUE(r.ok()) << r.detail;
    }
    bool eventually_serves(const std::string& name, const Strings& want) {
        return wait_until([&] { return a_records(name) == want; }, seconds(20),
                          std::chrono::milliseconds(100));
    }
    std::string in_doubt() {
        return stack().sql("select dns_in_doubt_since is not null from hosts where name = '" +
                           host + "'");
    }

    std::string user, host;
};

// A zone-level wildcard (*.wild.test, RFC 4592) answers queries for names without records of
// their own. A host in doubt that holds no address then reads as holding the wildcard's: the
// reconciler tells that synthesized answer from a real RRset, settles the host and repairs
// nothing (before, its guarded repair failed with NXRRSET on every pass).
TEST_F(Reconcile, AZoneWildcardsSynthesizedAnswerIsNotTakenForAHostsRecords) {
    const std::string wild = user + ".wild.test";
    stack().add_host(wild, user);
    auto key = parse_tsig_key_file(read_file(stack().named().key_file()));
    ASSERT_TRUE(key.has_value());
    const auto star = *DnsName::parse("*.wild.test");
    auto wildcard = [&](bool present) {
        UpdateRequest request{*DnsName::parse("wild.test"), {}, {DeleteRRset{star, RecordType::A}}};
        if (present)
            request.operations.emplace_back(
                AddRecord{ResourceRecord::address(star, 60, *IpAddress::parse("192.0.2.250"))});
        UpdateClient client;
        return client.send(request, *key, {*IpAddress::parse("127.0.0.1"), stack().named().port()});
    };
    ASSERT_TRUE(wildcard(true).ok());
    ASSERT_EQ(a_records(wild), Strings{"192.0.2.250"}) << "synthesized from the wildcard";
    stack().sql("update hosts set dns_in_doubt_since = now() where name = '" + wild + "'");
    const bool settled = wait_until(
        [&] {
            return stack().sql("select dns_in_doubt_since is null from hosts where name = '" +
                               wild + "'") == "t";
        },
        seconds(20), std::chrono::milliseconds(100));
    const auto after = a_records("*.wild.test");
    EXPECT_TRUE(wildcard(false).ok());
    EXPECT_TRUE(settled) << "the host stays in doubt\n" << stack().gateway_log();
    EXPECT_EQ(after, Strings{"192.0.2.250"}) << "the zone's wildcard is not the gateway's";
}

TEST_F(Reconcile, ARecordChangedByHandIsPutBack) {
    ASSERT_EQ(update("192.0.2.10"), "good 192.0.2.10");
    set_in_bind(host, "192.0.2.99");
    ASSERT_EQ(a_records(host), Strings{"192.0.2.99"});
    EXPECT_TRUE(eventually_serves(host, {"192.0.2.10"}));
    EXPECT_EQ(stored_ipv4(host), "192.0.2.10");
}

TEST_F(Reconcile, AHostInDoubtIsSettledToTheDatabase) {
    ASSERT_EQ(update("192.0.2.20"), "good 192.0.2.20");
    // An UPDATE to .21 reached BIND, its reply was lost, the database still says .20.
    set_in_bind(host, "192.0.2.21");
    stack().sql("update hosts set dns_in_doubt_since = now() where name = '" + host + "'");
    EXPECT_TRUE(eventually_serves(host, {"192.0.2.20"}));
    EXPECT_TRUE(wait_until([&] { return in_doubt() == "f"; }, seconds(10)));
    // And the next request that changes nothing is answered from a database that tells the truth.
    EXPECT_EQ(update("192.0.2.20"), "nochg 192.0.2.20");
}

TEST_F(Reconcile, AnAddressTheDatabaseDoesNotHoldIsRemoved) {
    // The host never updated: no address in the database. A restored zone file brought one back.
    set_in_bind(host, "192.0.2.30");
    EXPECT_TRUE(eventually_serves(host, {}));
}

TEST_F(Reconcile, NamesTheGatewayDoesNotManageAreNeverTouched) {
    const std::string other = user + "-static." + kZone;
    set_in_bind(other, "192.0.2.40");
    // A managed host's repair proves at least one pass ran over the zone meanwhile.
    ASSERT_EQ(update("192.0.2.41"), "good 192.0.2.41");
    set_in_bind(host, "192.0.2.42");
    ASSERT_TRUE(eventually_serves(host, {"192.0.2.41"}));
    EXPECT_EQ(a_records(other), Strings{"192.0.2.40"});
}

// The wildcard mirror (wildcard=ON) is the host's state like its own name: changed or deleted
// by hand, it is put back to the database's addresses.
TEST_F(Reconcile, AWildcardMirrorChangedOrDeletedByHandIsPutBack) {
    ASSERT_EQ(stack().admin({"zone", "wildcard", kZone, "on"}).exit_code, 0);
    ASSERT_EQ(nic_update("hostname=" + host + "&myip=192.0.2.80,2001:db8::80&wildcard=ON"),
              "good 192.0.2.80,2001:db8::80");
    const std::string mirror = "*." + host;
    ASSERT_EQ(a_records(mirror), Strings{"192.0.2.80"});
    set_in_bind(mirror, "192.0.2.99");
    set_in_bind(mirror, "", RecordType::AAAA);
    EXPECT_TRUE(eventually_serves(mirror, {"192.0.2.80"}));
    EXPECT_TRUE(wait_until([&] { return aaaa_records(mirror) == Strings{"2001:db8::80"}; },
                           seconds(20), std::chrono::milliseconds(100)));
    set_in_bind(mirror, "");
    EXPECT_TRUE(eventually_serves(mirror, {"192.0.2.80"}));
    EXPECT_EQ(a_records(host), Strings{"192.0.2.80"});
}

// Without a mirror in the database (wildcard OFF), a copy of the host's addresses at *.<host> is
// one the gateway left behind and is removed; other addresses there are someone else's.
TEST_F(Reconcile, AMirrorLeftBehindIsRemovedButNotAWildcardThatIsNoCopy) {
    ASSERT_EQ(update("192.0.2.82"), "good 192.0.2.82");
    const std::string other = user + "-other." + kZone;
    stack().add_host(other, user);
    // The running gateway's cached copy of the account lacks the new host ("nohost", no change)
    // until the notification arrives (cache.max_lag_ms).
    ASSERT_EQ(expect_seen_within_max_lag(
                  std::chrono::steady_clock::now(),
                  [&] { return nic_update("hostname=" + other + "&myip=192.0.2.83"); },
                  "good 192.0.2.83"),
              "good 192.0.2.83");
    set_in_bind("*." + other, "192.0.2.84");  // not a copy: the operator's
    set_in_bind("*." + host, "192.0.2.82");   // a copy: left behind
    EXPECT_TRUE(eventually_serves("*." + host, {}));
    // A repair after that proves a pass went over the zone since.
    set_in_bind(host, "192.0.2.85");
    ASSERT_TRUE(eventually_serves(host, {"192.0.2.82"}));
    EXPECT_EQ(a_records("*." + other), Strings{"192.0.2.84"});
    EXPECT_EQ(stack().sql("select wildcard from hosts where name = '" + host + "'"), "f");
}

// A derived host's AAAA is "router prefix + interface ID" (stored as its ipv6): edited by hand in
// BIND, it is put back like any host's.
TEST_F(Reconcile, ADerivedHostsAddressChangedByHandIsPutBack) {
    const std::string nas = "nas." + host;
    stack().add_host(nas, user);
    auto r = stack().admin({"host", "derive", nas, "--from", host, "--interface-id", "::1:2:3:4",
                            "--prefix-length", "56"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(nic_update("hostname=" + host +
                         "&myip=192.0.2.86,2001:db8:0:1::1&ip6lanprefix=2001:db8:1:100::/56"),
              "good 192.0.2.86,2001:db8:0:1::1");
    ASSERT_EQ(aaaa_records(nas), Strings{"2001:db8:1:100:1:2:3:4"});
    set_in_bind(nas, "2001:db8:1:100::99");
    EXPECT_TRUE(wait_until([&] { return aaaa_records(nas) == Strings{"2001:db8:1:100:1:2:3:4"}; },
                           seconds(20), std::chrono::milliseconds(100)));
    set_in_bind(nas, "", RecordType::AAAA);
    EXPECT_TRUE(wait_until([&] { return aaaa_records(nas) == Strings{"2001:db8:1:100:1:2:3:4"}; },
                           seconds(20), std::chrono::milliseconds(100)));
    EXPECT_EQ(stored_addresses(nas), "- 2001:db8:1:100:1:2:3:4");
}

// The operator's command, with serve stopped so that only the command repairs.
TEST_F(Reconcile, AdminReconcilePrintsTheDifferencesAndRepairsThemUnlessDryRun) {
    ASSERT_EQ(update("192.0.2.50"), "good 192.0.2.50");
    stack().stop_gateway();
    struct Restart {
        GatewayStack& stack;
        ~Restart() { stack.start_gateway(); }
    } restart{stack()};  // also when an assertion ends the test early
    set_in_bind(host, "192.0.2.51");
    auto r = stack().admin({"reconcile", "--zone", kZone, "--dry-run"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(host + ".: BIND 192.0.2.51 ttl 60, database 192.0.2.50"),
              std::string::npos)
        << r.output;
    EXPECT_EQ(a_records(host), Strings{"192.0.2.51"});

    r = stack().admin({"reconcile"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("1 repaired, 0 failed"), std::string::npos) << r.output;
    // The test named allows the zone's key to transfer the zones: one AXFR per zone, not a query
    // per host (other tests of this suite may have added zones before this one runs). A zone
    // with neither hosts nor records is not read at all.
    const std::string zones = stack().sql(
        "select count(*) from zones z where exists (select 1 from hosts h where h.zone_id = z.id) "
        "or exists (select 1 from records r where r.zone_id = z.id)");
    EXPECT_NE(r.output.find("(" + zones + " zone(s) read by transfer)"), std::string::npos)
        << r.output;
    EXPECT_EQ(a_records(host), Strings{"192.0.2.50"});
    EXPECT_EQ(stack().admin({"reconcile", "--bogus"}).exit_code, 2);
}

TEST_F(Reconcile, ADomainRecordChangedByHandIsPutBackAndLogged) {
    const std::string owner = user + "-domain";
    stack().add_account(owner, kPassword, "domain");
    auto r = stack().admin({"zone", "add", "owned.test", "--server",
                            "127.0.0.1:" + std::to_string(stack().named().port()), "--key-file",
                            stack().named().key_file().string(), "--ttl", "60", "--owner", owner});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = stack().admin({"record", "add", "www.owned.test", "A", "192.0.2.60"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = stack().admin({"record", "add", "www.owned.test", "A", "192.0.2.61"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto served = [&] {
        auto v = stack().named().query("www.owned.test", "A");
        std::sort(v.begin(), v.end());
        return v;
    };
    ASSERT_EQ(served(), (Strings{"192.0.2.60", "192.0.2.61"}));

    // By hand: one of the two replaced, and a name the gateway does not manage added.
    auto key = parse_tsig_key_file(read_file(stack().named().key_file()));
    ASSERT_TRUE(key.has_value());
    const auto www = *DnsName::parse("www.owned.test");
    const auto other = *DnsName::parse("static.owned.test");
    UpdateRequest edit{
        *DnsName::parse("owned.test"),
        {},
        {DeleteRRset{www, RecordType::A},
         AddRecord{ResourceRecord::address(www, 60, *IpAddress::parse("192.0.2.60"))},
         AddRecord{ResourceRecord::address(www, 60, *IpAddress::parse("192.0.2.99"))},
         AddRecord{ResourceRecord::address(other, 60, *IpAddress::parse("192.0.2.98"))}}};
    UpdateClient client;
    const auto sent =
        client.send(edit, *key, {*IpAddress::parse("127.0.0.1"), stack().named().port()});
    ASSERT_TRUE(sent.ok()) << sent.detail;

    // The edit landed (sent.ok()); the reconciler may put it back before anyone looks.
    EXPECT_TRUE(wait_until(
        [&] {
            return served() == Strings{"192.0.2.60", "192.0.2.61"};
        },
        seconds(20), std::chrono::milliseconds(100)));
    EXPECT_EQ(stack().named().query("static.owned.test", "A"), Strings{"192.0.2.98"});
    EXPECT_NE(stack().gateway_log().find("192.0.2.99"), std::string::npos)
        << "the repair is logged with what BIND held";
}

// A record change whose reply is lost reaches BIND but not the database: the record service marks
// its RRset in doubt, and once BIND can be read again the reconciler puts back what the
// database says and deletes the mark, in seconds rather than at the next full pass.
TEST_F(Reconcile, RecordChangesWhoseRepliesWereLostAreSettledToTheDatabase) {
    const std::string owner = user + "-lost";
    stack().add_account(owner, kPassword, "domain");
    UdpRelay relay(stack().named().port());
    const auto route = [&](std::uint16_t port) {
        stack().sql("update zones set server_port = " + std::to_string(port) +
                    " where name = 'lost.test'");
    };
    auto r = stack().admin({"zone", "add", "lost.test", "--server",
                            "127.0.0.1:" + std::to_string(stack().named().port()), "--key-file",
                            stack().named().key_file().string(), "--ttl", "60", "--owner", owner});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(stack().admin({"record", "add", "kept.lost.test", "A", "192.0.2.70"}).exit_code, 0);
    const auto marks = [&] {
        return stack().sql(
            "select count(*) from record_rrsets_in_doubt m join zones z on z.id = m.zone_id "
            "where z.name = 'lost.test'");
    };
    const auto rows = [&](const std::string& name) {
        return stack().sql("select count(*) from records where name = '" + name + "'");
    };

    // Through the relay, which drops every reply: an add and a removal both reach BIND unheard.
    // (The reconciler's TCP reads cannot pass the relay, so the marks stay meanwhile.)
    relay.drop = true;
    route(relay.port());
    r = stack().admin({"record", "add", "added.lost.test", "A", "192.0.2.71"});
    EXPECT_NE(r.exit_code, 0) << r.output;
    r = stack().admin({"record", "remove", "kept.lost.test", "A", "192.0.2.70"});
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_GT(relay.dropped.load(), 0) << "no reply was dropped";
    EXPECT_EQ(stack().named().query("added.lost.test", "A"), Strings{"192.0.2.71"});
    EXPECT_TRUE(stack().named().query("kept.lost.test", "A").empty());
    EXPECT_EQ(rows("added.lost.test"), "0");
    EXPECT_EQ(rows("kept.lost.test"), "1");
    EXPECT_EQ(marks(), "2");

    route(stack().named().port());
    EXPECT_TRUE(wait_until([&] { return marks() == "0"; }, seconds(10)));
    EXPECT_TRUE(stack().named().query("added.lost.test", "A").empty());
    EXPECT_EQ(stack().named().query("kept.lost.test", "A"), Strings{"192.0.2.70"});
    EXPECT_EQ(rows("added.lost.test"), "0");
    EXPECT_EQ(rows("kept.lost.test"), "1");
}

}  // namespace
}  // namespace ddns::test
