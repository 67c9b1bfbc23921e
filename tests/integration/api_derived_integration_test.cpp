// Derived hosts and IPv6 prefixes through the JSON API (/api/v1/hosts/{name}/derive; protocols.md
// §9, api.md) against the real binary, PostgreSQL and named: a host declared derived gets its
// AAAA from the router's prefix at once, follows the real FRITZ!Box request, becomes ordinary
// again; bad input, broken rules and another account's hosts change nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "api_client.hpp"
#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {"example.test", "second.test"};
    o.extra_config = "web.enabled = true\n";
    return o;
}()));

using Strings = std::vector<std::string>;

class ApiDerived : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        router = user + "." + kZone;
        nas = "nas." + router;
        stack().add_account(user, kPassword);
        stack().add_host(router, user);
        stack().add_host(nas, user);
        token = api_token(user);
    }
    std::string api_token(const std::string& account) {
        const auto t = stack().admin({"apitoken", "add", account});
        EXPECT_EQ(t.exit_code, 0) << t.output;
        return t.output.substr(0, t.output.find('\n'));
    }
    ApiReply call(const std::string& method, const std::string& path, const std::string& body = {},
                  const std::string& bearer = {}) {
        return api_call(stack(), "127.0.0.1", method, path, body, bearer.empty() ? token : bearer);
    }
    ApiReply derive(const std::string& host, const std::string& from, const std::string& iid,
                    int length, const std::string& bearer = {}) {
        return call("PUT", "hosts/" + host + "/derive",
                    R"({"from":")" + from + R"(","interface_id":")" + iid +
                        R"(","prefix_length":)" + std::to_string(length) + "}",
                    bearer);
    }
    // The request a FRITZ!Box sends for the router host (user-defined provider, Basic
    // credentials): myip=<ipaddr>,<ip6addr>&ip6lanprefix=<ip6lanprefix>.
    std::string fritzbox(const std::string& ipaddr, const std::string& ip6addr,
                         const std::string& prefix) {
        return stack()
            .get("/nic/update?hostname=" + router + "&myip=" + ipaddr + "," + ip6addr +
                     "&ip6lanprefix=" + prefix,
                 std::pair{user, std::string(kPassword)}, {"User-Agent: Fritz!Box DDNS/1.0.1"})
            .body;
    }
    std::string derive_from(const std::string& host) {
        return stack().sql(
            "select coalesce(p.name, '-') || ' ' || coalesce(host(h.interface_id), '-') || ' ' || "
            "coalesce(h.prefix_length::text, '-') from hosts h left join hosts p on p.id = "
            "h.derive_from where h.name = '" +
            host + "'");
    }
    // The newest line of the host's history (the update log) that names it derived, waiting
    // for the log writer; null when none comes.
    Poco::JSON::Object::Ptr derived_history_line(const std::string& host) {
        for (int i = 0; i < 100; ++i) {
            const auto r = call("GET", "hosts/" + host + "/history");
            if (r.json && r.json->getArray("history"))
                for (const auto& entry : *r.json->getArray("history")) {
                    const auto o = entry.extract<Poco::JSON::Object::Ptr>();
                    if (o->getValue<std::string>("detail") == "derived from " + router) return o;
                }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return nullptr;
    }
    static Strings names(const Poco::JSON::Array::Ptr& list) {
        Strings out;
        if (list)
            for (std::size_t i = 0; i < list->size(); ++i)
                out.push_back(list->getElement<std::string>(static_cast<unsigned>(i)));
        return out;
    }

    std::string user, router, nas, token;
};

TEST_F(ApiDerived, ADeclaredHostGetsItsAaaaAtOnceAndFollowsTheFritzBox) {
    ASSERT_EQ(fritzbox("203.0.113.7", "2001:db8:0:1::1", "2001:db8:1:100::/56"),
              "good 203.0.113.7,2001:db8:0:1::1");
    auto r = call("GET", "hosts/" + router);
    ASSERT_EQ(r.status, 200) << r.http.body;
    EXPECT_EQ(r.text("ipv6_prefix"), "2001:db8:1:100::/56");
    EXPECT_TRUE(r.json->isNull("derived_from"));
    EXPECT_EQ(names(r.json->getArray("derived_hosts")), Strings{});

    const auto before = zone_serial(kZone);
    r = derive(nas, router, "::1:2:3:4", 56);
    ASSERT_EQ(r.status, 200) << r.http.body;
    EXPECT_EQ(r.text("derived_from"), router);
    EXPECT_EQ(r.text("interface_id"), "::1:2:3:4");
    EXPECT_EQ(r.json->getValue<int>("prefix_length"), 56);
    EXPECT_EQ(r.text("ipv6"), "2001:db8:1:100:1:2:3:4");
    // Written to BIND at once, in one UPDATE, and recorded.
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:1:100:1:2:3:4"});
    EXPECT_EQ(zone_serial(kZone), before + 1);
    EXPECT_EQ(derive_from(nas), router + " ::1:2:3:4 56");
    EXPECT_EQ(stored_addresses(nas), "- 2001:db8:1:100:1:2:3:4");
    r = call("GET", "hosts/" + router);
    EXPECT_EQ(names(r.json->getArray("derived_hosts")), Strings{nas});

    // The provider hands out a new prefix: the derived host moves with the router.
    ASSERT_EQ(fritzbox("203.0.113.7", "2001:db8:0:1::1", "2001:db8:1:200::/56"),
              "good 203.0.113.7,2001:db8:0:1::1");
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:1:200:1:2:3:4"});
    r = call("GET", "hosts/" + nas);
    EXPECT_EQ(r.text("ipv6"), "2001:db8:1:200:1:2:3:4");
    EXPECT_EQ(call("GET", "hosts/" + router).text("ipv6_prefix"), "2001:db8:1:200::/56");
    // The derived host's own update-log line: its history shows the router's update.
    const auto line = derived_history_line(nas);
    ASSERT_TRUE(line) << "no update-log line for " << nas;
    EXPECT_EQ(line->getValue<std::string>("protocol"), "dyndns2");
    EXPECT_EQ(line->getValue<std::string>("answer"), "good");
    EXPECT_EQ(line->getValue<std::string>("user_agent"), "Fritz!Box DDNS/1.0.1");
    EXPECT_EQ(
        stack().sql("select last_update_ipv6 is not null from hosts h left join host_counters c "
                    "on c.host_id = h.id where name = '" +
                    nas + "'"),
        "t");

    // Changed: another interface ID and length, written at once again.
    r = derive(nas, router, "::a:0:0:0:9", 48);
    ASSERT_EQ(r.status, 200) << r.http.body;
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:1:a::9"});
    EXPECT_EQ(derive_from(nas), router + " ::a:0:0:0:9 48");

    // Ordinary again: the AAAA stays, and the router's next prefix no longer moves it.
    r = call("DELETE", "hosts/" + nas + "/derive");
    ASSERT_EQ(r.status, 200) << r.http.body;
    EXPECT_TRUE(r.json->isNull("derived_from"));
    EXPECT_TRUE(r.json->isNull("interface_id"));
    EXPECT_EQ(derive_from(nas), "- - -");
    EXPECT_EQ(names(call("GET", "hosts/" + router).json->getArray("derived_hosts")), Strings{});
    ASSERT_EQ(fritzbox("203.0.113.7", "2001:db8:0:1::1", "2001:db8:1:300::/56"),
              "good 203.0.113.7,2001:db8:0:1::1");
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:1:a::9"});
}

TEST_F(ApiDerived, WithoutAPrefixTheRoutersIpv6AddressStandsInAndWithNeitherNothingIsSent) {
    const auto before = zone_serial(kZone);
    auto r = derive(nas, router, "::5", 64);
    ASSERT_EQ(r.status, 200) << r.http.body;
    EXPECT_EQ(zone_serial(kZone), before) << "the router has no prefix and no IPv6 address";
    EXPECT_EQ(aaaa_records(nas), Strings{});
    EXPECT_EQ(derive_from(nas), router + " ::5 64");
    EXPECT_TRUE(r.json->isNull("ipv6"));

    // The router's own IPv6 address stands for a prefix it never sent.
    ASSERT_EQ(stack()
                  .get("/nic/update?hostname=" + router + "&myip=2001:db8:7:7::1",
                       std::pair{user, std::string(kPassword)})
                  .body,
              "good 2001:db8:7:7::1");
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:7:7::5"});
    const std::string cam = "cam." + router;
    stack().add_host(cam, user);
    r = derive(cam, router, "::6", 64);
    ASSERT_EQ(r.status, 200) << r.http.body;
    EXPECT_EQ(aaaa_records(cam), Strings{"2001:db8:7:7::6"});
}

TEST_F(ApiDerived, RefusalsAnswerWithTheErrorShapeAndChangeNothing) {
    ASSERT_EQ(fritzbox("203.0.113.9", "2001:db8:0:1::9", "2001:db8:1:100::/56"),
              "good 203.0.113.9,2001:db8:0:1::9");
    ASSERT_EQ(derive(nas, router, "::1", 56).status, 200);
    const std::string cam = "cam." + router;
    const std::string elsewhere = user + ".second.test";
    stack().add_host(cam, user);
    stack().add_host(elsewhere, user);
    const auto before = zone_serial(kZone);
    struct Case {
        std::string host, body, code;
        int status;
    };
    const auto body = [](const std::string& from, const std::string& iid, const std::string& len) {
        return R"({"from":")" + from + R"(","interface_id":")" + iid + R"(","prefix_length":)" +
               len + "}";
    };
    const std::vector<Case> cases = {
        {cam, body(router, "nonsense", "56"), "bad_input", 400},
        {cam, body(router, "192.0.2.1", "56"), "bad_input", 400},    // not IPv6
        {cam, body(router, "2001:db8::1", "56"), "bad_input", 400},  // bits inside the prefix
        {cam, body(router, "::", "56"), "bad_input", 400},           // no host part
        {cam, body(router, "::1", "65"), "bad_input", 400},          // longer than /64
        {cam, body(router, "::1", "8"), "bad_input", 400},           // shorter than /16
        {cam, body(router, "::1", "\"56\""), "bad_request", 400},    // a string
        {cam, R"({"interface_id":"::1"})", "bad_request", 400},      // no router
        {cam, "{\"from\": ", "bad_json", 400},
        {cam, body(cam, "::1", "56"), "not_derivable", 422},           // itself
        {cam, body(nas, "::1", "56"), "not_derivable", 422},           // a derived router
        {router, body(cam, "::1", "56"), "not_derivable", 422},        // others follow router
        {elsewhere, body(router, "::1", "56"), "not_derivable", 422},  // another zone
        {cam, body("nobody." + std::string(kZone), "::1", "56"), "not_found", 404},
        {"nobody." + std::string(kZone), body(router, "::1", "56"), "not_found", 404},
    };
    for (const auto& c : cases) {
        const auto r = call("PUT", "hosts/" + c.host + "/derive", c.body);
        EXPECT_EQ(r.status, c.status) << c.host << " " << c.body << " " << r.http.body;
        EXPECT_EQ(r.error_code(), c.code) << c.host << " " << c.body;
        EXPECT_FALSE(r.json && r.json->getObject("error") &&
                     r.json->getObject("error")->getValue<std::string>("message").empty())
            << c.body;
    }
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(derive_from(cam), "- - -");
    EXPECT_EQ(derive_from(router), "- - -");
    EXPECT_EQ(derive_from(elsewhere), "- - -");
    EXPECT_EQ(derive_from(nas), router + " ::1 56");
    EXPECT_EQ(aaaa_records(cam), Strings{});
}

TEST_F(ApiDerived, AnotherAccountsHostsAreNotFoundAndUnchanged) {
    ASSERT_EQ(fritzbox("203.0.113.20", "2001:db8:0:1::20", "2001:db8:2:100::/56"),
              "good 203.0.113.20,2001:db8:0:1::20");
    ASSERT_EQ(derive(nas, router, "::1", 56).status, 200);
    const std::string mallory = user + "-m";
    const std::string hers = mallory + "." + kZone;
    stack().add_account(mallory, kPassword);
    stack().add_host(hers, mallory);
    const std::string theirs = api_token(mallory);
    const auto before = zone_serial(kZone);

    auto r = derive(nas, router, "::2", 56, theirs);  // someone else's host
    EXPECT_EQ(r.status, 404) << r.http.body;
    EXPECT_EQ(r.error_code(), "not_found");
    EXPECT_EQ(call("DELETE", "hosts/" + nas + "/derive", {}, theirs).status, 404);
    r = derive(hers, router, "::2", 56, theirs);  // following someone else's router
    EXPECT_EQ(r.status, 404) << r.http.body;
    EXPECT_EQ(call("GET", "hosts/" + router, {}, theirs).status, 404);

    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(derive_from(nas), router + " ::1 56");
    EXPECT_EQ(derive_from(hers), "- - -");
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:2:100::1"});
    EXPECT_EQ(aaaa_records(hers), Strings{});
}

}  // namespace
}  // namespace ddns::test
