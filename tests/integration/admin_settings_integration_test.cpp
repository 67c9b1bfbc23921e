// The admin commands that change settings without SQL, against the real binary, named and
// PostgreSQL: disabling an account (every dialect, the API), its plan, TTLs, moving a zone to a
// second named and rotating its key (both still update through dyndns2), zone check, removing a
// host BIND refuses to clear, and --json output that parses.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kMovedZone = "moved.test";
constexpr const char* kPassword = "settings-test-password";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {kZone, kMovedZone};
    o.extra_config = "web.enabled = true\n" + kCacheMaxLagConfig;
    return o;
}()));

using Strings = std::vector<std::string>;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

Poco::Dynamic::Var parse_json(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text);
}

class AdminSettings : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    std::string admin_ok(const Strings& args) {
        const auto r = stack().admin(args);
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return r.output;
    }
    // Only stdout: the JSON a script reads.
    std::string admin_stdout(const Strings& args) {
        std::vector<std::string> argv{gateway_binary(), "admin", "--config",
                                      stack().config_path().string()};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.begin(), {"/bin/sh", "-c", "exec \"$@\" 2>/dev/null", "sh"});
        const auto r = run_command(argv);
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return r.output;
    }
    std::string dyndns2(const std::string& name, const std::string& address,
                        const std::string& secret = kPassword) {
        return stack()
            .get("/nic/update?hostname=" + name + "&myip=" + address, std::pair{user, secret})
            .body;
    }
    std::string zone_column(const std::string& zone, const std::string& column) {
        return stack().sql("select " + column + " from zones where name = '" + zone + "'");
    }

    std::string user;
    std::string host;
};

TEST_F(AdminSettings, DisabledAccountIsRefusedByEveryDialectAndTheApiUntilEnabled) {
    const std::string token = stack().add_token(user);
    admin_ok({"account", "enable-updates", user});
    const std::string api_token = [&] {
        const auto r = stack().admin({"apitoken", "add", user});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return r.output.substr(0, r.output.find('\n'));
    }();
    const auto api_account = [&] {
        return stack().raw(
            "GET /api/v1/account HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
            "close\r\nAuthorization: Bearer " +
            api_token + "\r\n\r\n");
    };
    ASSERT_EQ(dyndns2(host, "192.0.2.10"), "good 192.0.2.10");
    ASSERT_EQ(api_account().status, 200) << api_account().raw;

    EXPECT_TRUE(contains(admin_ok({"account", "disable", user}), "disabled"));
    // The running gateway's cached copy of the account sees the change within
    // cache.max_lag_ms; asked with the address the host has, an answer from it changes nothing.
    expect_seen_within_max_lag(
        std::chrono::steady_clock::now(), [&] { return dyndns2(host, "192.0.2.10"); }, "badauth");
    EXPECT_EQ(dyndns2(host, "192.0.2.11"), "badauth");
    EXPECT_EQ(dyndns2(host, "192.0.2.11", token), "badauth");
    const auto dynamic =
        stack().get("/dynamic?host=" + host + "&ip=192.0.2.11&user=" + user + "&password=" + token);
    EXPECT_EQ(dynamic.status, 403);
    EXPECT_EQ(dynamic.body, "account disabled");
    EXPECT_EQ(stack()
                  .get("/Login/updateip.asp?SiteID=" + host + "&Password=" + kPassword +
                       "&IPAddr=192.0.2.11&ProgVer=1.0")
                  .body.rfind("{{{Account Disabled|", 0),
              0u);
    EXPECT_EQ(
        stack()
            .get("/dnslogin3.asp?Usr=" + user + "&Pwd=" + kPassword + "&FXN=Add&IP=192.0.2.11")
            .body,
        "Error:Permission Denied\r\n");
    EXPECT_EQ(api_account().status, 403);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.10"});
    EXPECT_EQ(stored_ipv4(host), "192.0.2.10");
    const auto list = parse_json(admin_stdout({"account", "list", "--json"}));
    bool listed = false;
    for (const auto& row : *list.extract<Poco::JSON::Array::Ptr>()) {
        const auto o = row.extract<Poco::JSON::Object::Ptr>();
        if (o->getValue<std::string>("user") != user) continue;
        listed = true;
        EXPECT_EQ(o->getValue<std::string>("state"), "disabled");
        EXPECT_TRUE(o->getValue<bool>("dynamic_updates"));
        EXPECT_EQ(o->getValue<int>("hosts"), 1);
        EXPECT_TRUE(o->isNull("expires"));
    }
    EXPECT_TRUE(listed);

    admin_ok({"account", "enable", user});
    expect_seen_within_max_lag(
        std::chrono::steady_clock::now(), [&] { return dyndns2(host, "192.0.2.10"); },
        "nochg 192.0.2.10");
    EXPECT_EQ(dyndns2(host, "192.0.2.12"), "good 192.0.2.12");
    EXPECT_EQ(api_account().status, 200);
    EXPECT_EQ(stack().admin({"account", "disable", user + "-nobody"}).exit_code, 1);
}

TEST_F(AdminSettings, PlanChangesAndLeavingTheDomainPlanIsRefusedWhileOwningAZone) {
    admin_ok({"account", "plan", user, "domain"});
    EXPECT_EQ(stack().sql("select plan from accounts where username = '" + user + "'"), "domain");
    const std::string owned = user + ".owned.test";
    // An owned zone (not served by named, hence --no-check) keeps the account on the domain plan.
    admin_ok({"zone", "add", owned, "--server",
              "127.0.0.1:" + std::to_string(stack().named().port()), "--key-file",
              stack().named().key_file().string(), "--owner", user, "--no-check"});
    auto r = stack().admin({"account", "plan", user, "free"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, owned)) << r.output;
    EXPECT_EQ(stack().sql("select plan from accounts where username = '" + user + "'"), "domain");
    admin_ok({"zone", "remove", owned});
    admin_ok({"account", "plan", user, "free"});
    EXPECT_EQ(stack().sql("select plan from accounts where username = '" + user + "'"), "free");
    r = stack().admin({"account", "plan", user, "gold"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(stack().admin({"account", "plan", user + "-nobody", "free"}).exit_code, 1);
}

// A TTL is stored and written to BIND at once, for the host's current records, under the
// prerequisite that BIND holds what the database says.
TEST_F(AdminSettings, HostTtlIsItsOwnOrFollowsTheZoneAndReachesBindAtOnce) {
    const std::string other = user + "-b." + kZone;
    stack().add_host(other, user);
    ASSERT_EQ(dyndns2(host, "192.0.2.20,2001:db8::20"), "good 192.0.2.20,2001:db8::20");
    ASSERT_EQ(dyndns2(other, "192.0.2.22"), "good 192.0.2.22");
    const auto ttl_in_bind = [&](const std::string& name, const std::string& type = "A") {
        const auto r = run_command({"dig", "+noall", "+answer", "+norec", "@127.0.0.1", "-p",
                                    std::to_string(stack().named().port()), name, type});
        std::istringstream in(r.output);
        std::string owner, ttl;
        in >> owner >> ttl;
        return ttl;
    };
    const std::string zone_ttl = zone_column(kZone, "default_ttl");
    EXPECT_EQ(ttl_in_bind(host), zone_ttl);
    admin_ok({"host", "ttl", host, "1234"});
    EXPECT_EQ(stack().sql("select ttl from hosts where name = '" + host + "'"), "1234");
    EXPECT_EQ(ttl_in_bind(host), "1234");
    EXPECT_EQ(ttl_in_bind(host, "AAAA"), "1234");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.20"});
    auto shown = parse_json(admin_stdout({"host", "show", host, "--json"}))
                     .extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(shown->getValue<int>("ttl"), 1234);
    EXPECT_EQ(shown->getValue<std::string>("ttl_source"), "host");
    EXPECT_EQ(shown->getValue<std::string>("ipv4"), "192.0.2.20");
    EXPECT_EQ(shown->getValue<std::string>("ipv6"), "2001:db8::20");
    // Later changes keep it. A change writes the TTL of the running gateway's cached copy of
    // the host, which sees the new one within cache.max_lag_ms (and no answer shows it).
    wait_out_cache_max_lag();
    ASSERT_EQ(dyndns2(host, "192.0.2.21"), "good 192.0.2.21");
    EXPECT_EQ(ttl_in_bind(host), "1234");

    // The zone's TTL reaches the host that follows it, not the one with its own.
    admin_ok({"zone", "ttl", kZone, "77"});
    EXPECT_EQ(stack().sql("select ttl from hosts where name = '" + other + "'"), "77");
    EXPECT_EQ(ttl_in_bind(other), "77");
    EXPECT_EQ(stack().sql("select ttl from hosts where name = '" + host + "'"), "1234");
    EXPECT_EQ(ttl_in_bind(host), "1234");
    admin_ok({"host", "ttl", host, "zone"});
    EXPECT_EQ(stack().sql("select ttl from hosts where name = '" + host + "'"), "77");
    EXPECT_EQ(ttl_in_bind(host), "77");

    // BIND down: the TTL is stored, the command says BIND still has the old one, and the next
    // change writes it.
    stack().named().stop();
    const auto down = stack().admin({"host", "ttl", host, "300"});
    stack().named().start_again();
    EXPECT_EQ(down.exit_code, 1) << down.output;
    EXPECT_TRUE(contains(down.output, "BIND still serves the old one")) << down.output;
    EXPECT_EQ(ttl_in_bind(host), "77");
    wait_out_cache_max_lag();
    ASSERT_EQ(dyndns2(host, "192.0.2.23"), "good 192.0.2.23");
    EXPECT_EQ(ttl_in_bind(host), "300");
    admin_ok({"zone", "ttl", kZone, zone_ttl});
    EXPECT_EQ(stack().sql("select ttl from hosts where name = '" + other + "'"), zone_ttl);
    EXPECT_EQ(stack().sql("select ttl from hosts where name = '" + host + "'"), "300");

    for (const Strings& bad :
         {Strings{"host", "ttl", host, "86401"}, Strings{"host", "ttl", host, "-1"},
          Strings{"host", "ttl", user + "-none." + kZone, "60"},
          Strings{"zone", "ttl", kZone, "ten"}, Strings{"zone", "ttl", "nosuch.test", "60"}}) {
        const auto r = stack().admin(bad);
        EXPECT_EQ(r.exit_code, 1) << bad[2] << " " << bad[3] << ": " << r.output;
    }
    EXPECT_EQ(zone_column(kZone, "default_ttl"), zone_ttl);
}

// A zone moved to a second named and its key rotated there; both times the probe comes first,
// a failed probe changes nothing, and dyndns2 updates reach the server the zone now names.
TEST_F(AdminSettings, ZoneUpdateMovesAZoneToAnotherPrimaryAndRotatesItsKey) {
    NamedServerOptions options;
    options.zones = {kMovedZone};
    options.key_name = "second-named-key";
    options.second_key_name = "second-named-key-2";
    const auto second = NamedServer::start(options);
    const std::string second_server = "127.0.0.1:" + std::to_string(second->port());
    const std::string moved_host = user + "." + kMovedZone;
    stack().add_host(moved_host, user);
    ASSERT_EQ(dyndns2(moved_host, "192.0.2.30"), "good 192.0.2.30");
    ASSERT_EQ(stack().named().query(moved_host, "A"), Strings{"192.0.2.30"});

    // The first named's key is unknown to the second: refused, nothing stored.
    auto r = stack().admin({"zone", "update", kMovedZone, "--server", second_server});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "zone unchanged")) << r.output;
    EXPECT_EQ(zone_column(kMovedZone, "server_port"), std::to_string(stack().named().port()));

    admin_ok({"zone", "update", kMovedZone, "--server", second_server, "--key-file",
              second->key_file().string()});
    EXPECT_EQ(zone_column(kMovedZone, "server_port"), std::to_string(second->port()));
    EXPECT_EQ(zone_column(kMovedZone, "tsig_key_name"), "second-named-key");
    // A change goes to the server and with the key of the running gateway's cached copy of the
    // zone, which sees the new ones within cache.max_lag_ms (and no answer shows them).
    wait_out_cache_max_lag();
    EXPECT_EQ(dyndns2(moved_host, "192.0.2.31"), "good 192.0.2.31");
    EXPECT_EQ(second->query(moved_host, "A"), Strings{"192.0.2.31"});
    EXPECT_EQ(stack().named().query(moved_host, "A"), Strings{"192.0.2.30"});

    // Key rotation on the new primary (another algorithm, too).
    r = stack().admin(
        {"zone", "update", kMovedZone, "--key-file", second->ungranted_key_file().string()});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(zone_column(kMovedZone, "tsig_key_name"), "second-named-key");
    admin_ok({"zone", "update", kMovedZone, "--key-file", second->second_key_file().string()});
    EXPECT_EQ(zone_column(kMovedZone, "tsig_key_name"), "second-named-key-2");
    EXPECT_EQ(zone_column(kMovedZone, "tsig_algorithm"), "hmac-sha512");
    wait_out_cache_max_lag();
    EXPECT_EQ(dyndns2(moved_host, "192.0.2.32"), "good 192.0.2.32");
    EXPECT_EQ(second->query(moved_host, "A"), Strings{"192.0.2.32"});

    // zone check probes the stored pair: fine now, and a failure once that named is gone.
    auto checked = parse_json(admin_stdout({"zone", "check", kMovedZone, "--json"}))
                       .extract<Poco::JSON::Array::Ptr>();
    ASSERT_EQ(checked->size(), 1u);
    EXPECT_TRUE(checked->getObject(0)->getValue<bool>("ok"));
    EXPECT_EQ(checked->getObject(0)->getValue<std::string>("server"), second_server);
    second->stop();
    r = stack().admin({"zone", "check", kMovedZone});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    // UDP to a closed port: refused at once, or no answer at all.
    EXPECT_TRUE(contains(r.output, "network-error") || contains(r.output, "timeout")) << r.output;
    EXPECT_TRUE(contains(r.output, "did not accept the probe")) << r.output;
    EXPECT_EQ(dyndns2(moved_host, "192.0.2.33"), "dnserr");

    // Back to the first named with its own key; it holds the zone's old state.
    admin_ok({"zone", "update", kMovedZone, "--server",
              "127.0.0.1:" + std::to_string(stack().named().port()), "--key-file",
              stack().named().key_file().string()});
    wait_out_cache_max_lag();
    EXPECT_EQ(dyndns2(moved_host, "192.0.2.34"), "good 192.0.2.34");
    EXPECT_EQ(stack().named().query(moved_host, "A"), Strings{"192.0.2.34"});
    EXPECT_EQ(stack().admin({"zone", "update", kMovedZone}).exit_code, 2);
    EXPECT_EQ(stack().admin({"zone", "update", "nosuch.test", "--server", second_server}).exit_code,
              1);
}

TEST_F(AdminSettings, ZoneCheckProbesEveryZone) {
    const auto checked =
        parse_json(admin_stdout({"zone", "check", "--json"})).extract<Poco::JSON::Array::Ptr>();
    Strings zones;
    for (unsigned i = 0; i < checked->size(); ++i) {
        zones.push_back(checked->getObject(i)->getValue<std::string>("zone"));
        EXPECT_EQ(checked->getObject(i)->getValue<std::string>("result"), "success");
    }
    EXPECT_NE(std::find(zones.begin(), zones.end(), kZone), zones.end());
    const auto text = admin_ok({"zone", "check", kZone});
    EXPECT_TRUE(contains(text, "RESULT")) << text;
    EXPECT_EQ(stack().admin({"zone", "check", "nosuch.test"}).exit_code, 1);
}

// When BIND refuses to clear a host, the operator can still remove it: --force tries BIND and
// removes it anyway, --keep-dns does not ask BIND at all; without either the host stays.
TEST_F(AdminSettings, HostRemoveForceAndKeepDnsRemoveWhatBindWillNotClear) {
    const std::string kept = user + "-kept." + kZone;
    stack().add_host(kept, user);
    ASSERT_EQ(dyndns2(host, "192.0.2.40"), "good 192.0.2.40");
    ASSERT_EQ(dyndns2(kept, "192.0.2.41"), "good 192.0.2.41");
    stack().named().stop();
    auto r = stack().admin({"host", "remove", host});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "--force")) << r.output;
    EXPECT_EQ(stack().sql("select count(*) from hosts where name = '" + host + "'"), "1");
    r = stack().admin({"host", "remove", host, "--force"});
    const auto keep = stack().admin({"host", "remove", kept, "--keep-dns"});
    const auto both = stack().admin({"host", "remove", kept, "--keep-dns", "--force"});
    stack().named().start_again();
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "not in DNS")) << r.output;
    EXPECT_EQ(keep.exit_code, 0) << keep.output;
    EXPECT_EQ(both.exit_code, 2) << both.output;
    EXPECT_EQ(
        stack().sql("select count(*) from hosts where name in ('" + host + "', '" + kept + "')"),
        "0");
    // What BIND held stays there: the operator was told so.
    EXPECT_EQ(a_records(host), Strings{"192.0.2.40"});
    EXPECT_EQ(a_records(kept), Strings{"192.0.2.41"});
    // With BIND up, --keep-dns still leaves the records alone.
    const std::string third = user + "-third." + kZone;
    stack().add_host(third, user);
    // The running gateway's cached copy of the account lacks the new host ("nohost", no
    // change) until the notification arrives (cache.max_lag_ms).
    expect_seen_within_max_lag(
        std::chrono::steady_clock::now(), [&] { return dyndns2(third, "192.0.2.42"); },
        "good 192.0.2.42");
    admin_ok({"host", "remove", third, "--keep-dns"});
    EXPECT_EQ(a_records(third), Strings{"192.0.2.42"});
}

// Every list and show command has --json; each parses, and a host's row carries its values.
TEST_F(AdminSettings, EveryListAndShowCommandPrintsJsonThatParses) {
    ASSERT_EQ(dyndns2(host, "192.0.2.50"), "good 192.0.2.50");
    stack().add_token(user, host);
    for (const Strings& command :
         {Strings{"zone", "list", "--json"}, Strings{"account", "list", "--json"},
          Strings{"host", "list", "--account", user, "--json"},
          Strings{"host", "show", host, "--json"}, Strings{"apitoken", "list", "--json"},
          Strings{"token", "list", "--json"}, Strings{"log", "--host", host, "--json"},
          Strings{"mail", "queue", "--json"}, Strings{"zone", "check", "--json"}}) {
        const std::string out = admin_stdout(command);
        EXPECT_NO_THROW(parse_json(out)) << command[0] << " " << command[1] << ": " << out;
    }
    const auto hosts = parse_json(admin_stdout({"host", "list", "--account", user, "--json"}))
                           .extract<Poco::JSON::Array::Ptr>();
    ASSERT_EQ(hosts->size(), 1u);
    EXPECT_EQ(hosts->getObject(0)->getValue<std::string>("host"), host);
    EXPECT_EQ(hosts->getObject(0)->getValue<std::string>("ipv4"), "192.0.2.50");
    EXPECT_TRUE(hosts->getObject(0)->isNull("ipv6"));
    const auto log = parse_json(admin_stdout({"log", "--host", host, "--json"}))
                         .extract<Poco::JSON::Array::Ptr>();
    ASSERT_GE(log->size(), 1u);
    EXPECT_EQ(log->getObject(0)->getValue<std::string>("outcome"), "good");
    EXPECT_FALSE(log->getObject(0)->getValue<bool>("tls"));
    const auto zones =
        parse_json(admin_stdout({"zone", "list", "--json"})).extract<Poco::JSON::Array::Ptr>();
    bool found = false;
    for (unsigned i = 0; i < zones->size(); ++i)
        if (zones->getObject(i)->getValue<std::string>("zone") == kZone) {
            found = true;
            EXPECT_GE(zones->getObject(i)->getValue<int>("hosts"), 1);
            EXPECT_EQ(zones->getObject(i)->getValue<std::string>("algorithm"), "hmac-sha256");
        }
    EXPECT_TRUE(found);
}

// token list --json: the limits of each token (migration 019) and its last use, typed.
TEST_F(AdminSettings, TokenListJsonCarriesPurposeLimitsAndLastUse) {
    auto r =
        stack().admin({"token", "add", user, "--host", host, "--name", "router", "--from",
                       "127.0.0.0/8, 2001:db8::/48", "--max-age", "30d", "--max-unused", "7d"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string secret = r.output.substr(0, r.output.find('\n'));
    admin_ok({"token", "add", user, "--purpose", "acme"});
    ASSERT_EQ(stack()
                  .get("/nic/update?hostname=" + host + "&myip=192.0.2.52", std::pair{user, secret})
                  .body,
              "good 192.0.2.52");
    const auto list = parse_json(admin_stdout({"token", "list", "--account", user, "--json"}))
                          .extract<Poco::JSON::Array::Ptr>();
    ASSERT_EQ(list->size(), 2u);
    const auto router = list->getObject(0);
    EXPECT_GT(router->getValue<std::int64_t>("id"), 0);
    EXPECT_EQ(router->getValue<std::string>("account"), user);
    EXPECT_EQ(router->getValue<std::string>("name"), "router");
    EXPECT_EQ(router->getValue<std::string>("purpose"), "update");
    EXPECT_EQ(router->getValue<std::string>("host"), host);
    const auto networks = router->getArray("networks");
    ASSERT_TRUE(networks);
    ASSERT_EQ(networks->size(), 2u);
    EXPECT_EQ(networks->getElement<std::string>(0), "127.0.0.0/8");
    EXPECT_EQ(networks->getElement<std::string>(1), "2001:db8::/48");
    EXPECT_EQ(router->getValue<std::int64_t>("max_age_seconds"), 30 * 86400);
    EXPECT_EQ(router->getValue<std::int64_t>("max_unused_seconds"), 7 * 86400);
    EXPECT_FALSE(router->getValue<std::string>("created").empty());
    EXPECT_FALSE(router->isNull("last_used")) << "the update above was a use";
    EXPECT_EQ(router->getValue<std::string>("last_used_address"), "127.0.0.1");

    const auto acme = list->getObject(1);
    EXPECT_EQ(acme->getValue<std::string>("purpose"), "acme");
    EXPECT_TRUE(acme->isNull("name"));
    EXPECT_TRUE(acme->isNull("host")) << "any host of the account";
    EXPECT_EQ(acme->getArray("networks")->size(), 0u) << "from anywhere";
    EXPECT_TRUE(acme->isNull("max_age_seconds"));
    EXPECT_TRUE(acme->isNull("max_unused_seconds"));
    EXPECT_TRUE(acme->isNull("last_used"));
    EXPECT_TRUE(acme->isNull("last_used_address"));
}

}  // namespace
}  // namespace ddns::test
