// Derived hosts on the HTML pages against the real binary, PostgreSQL and named: the host page
// shows the router's prefix and the hosts that follow it, its form makes a host derived (the AAAA
// in named at once) or ordinary again, with the CSRF check, the error display and another
// account's hosts as the other forms have them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stack_environment.hpp"
#include "web_client.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {kZone};
    o.extra_config = "web.enabled = true\nweb.base_url = http://127.0.0.1\n";
    return o;
}()));

using Strings = std::vector<std::string>;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

class WebDerived : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        router = user + "." + kZone;
        nas = "nas." + router;
        stack().add_account(user, kPassword);
        stack().add_host(router, user);
        stack().add_host(nas, user);
        const auto r = stack().get("/nic/update?hostname=" + router +
                                       "&myip=203.0.113.5,2001:db8:0:1::5"
                                       "&ip6lanprefix=2001:db8:5:100::/56",
                                   std::pair{user, std::string(kPassword)});
        ASSERT_EQ(r.body, "good 203.0.113.5,2001:db8:0:1::5");
    }
    WebClient logged_in(const std::string& name) {
        WebClient c(stack());
        const auto r = c.log_in(name, kPassword);
        EXPECT_EQ(r.status, 303) << r.raw;
        return c;
    }
    Fields derive_fields(const std::string& iid, const std::string& length) {
        return {{"name", nas}, {"from", router}, {"interface_id", iid}, {"prefix_length", length}};
    }
    std::string derive_from(const std::string& host) {
        return stack().sql(
            "select coalesce(p.name, '-') || ' ' || coalesce(host(h.interface_id), '-') from "
            "hosts h left join hosts p on p.id = h.derive_from where h.name = '" +
            host + "'");
    }
    std::string user, router, nas;
};

TEST_F(WebDerived, TheFormMakesAHostDerivedAndOrdinaryAgain) {
    WebClient c = logged_in(user);
    auto page = c.get("/host?name=" + router);
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(contains(page.body, "2001:db8:5:100::/56")) << "the router's prefix";
    page = c.get("/host?name=" + nas);
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(contains(page.body, "action=\"/host/derive\""));
    EXPECT_TRUE(contains(page.body, "<option>" + router + "</option>")) << page.body;

    const auto before = zone_serial(kZone);
    auto r = c.post("/host/derive", derive_fields("::1:2:3:4", "56"));
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(r.header("Location"), "/host?name=" + nas + "&done=host_derived");
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:5:100:1:2:3:4"});
    EXPECT_EQ(zone_serial(kZone), before + 1);
    EXPECT_EQ(derive_from(nas), router + " ::1:2:3:4");
    page = c.get("/host?name=" + nas + "&done=host_derived");
    EXPECT_TRUE(contains(page.body, "follows its router")) << page.body;
    EXPECT_TRUE(contains(page.body, router + ": its /56 prefix + ::1:2:3:4")) << page.body;
    EXPECT_TRUE(contains(page.body, "<option selected>" + router + "</option>"));
    page = c.get("/host?name=" + router);
    EXPECT_TRUE(contains(page.body, ">" + nas + "</a>")) << "the router lists its derived host";
    EXPECT_TRUE(contains(page.body, "Other hosts follow this one")) << "no form for the router";

    r = c.post("/host/derive", {{"name", nas}, {"ordinary", "1"}});
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(derive_from(nas), "- -");
    EXPECT_EQ(aaaa_records(nas), Strings{"2001:db8:5:100:1:2:3:4"}) << "the AAAA stays";
    page = c.get("/host?name=" + router);
    EXPECT_FALSE(contains(page.body, ">" + nas + "</a>"));
}

TEST_F(WebDerived, RefusalsShowTheErrorAndChangeNothing) {
    WebClient c = logged_in(user);
    c.get("/host?name=" + nas);
    const auto before = zone_serial(kZone);
    struct Case {
        Fields fields;
        int status;
        const char* says;
    };
    const std::vector<Case> cases = {
        {derive_fields("nonsense", "56"), 400, "interface ID"},
        {derive_fields("2001:db8::1", "56"), 400, "inside the /56 prefix"},
        {derive_fields("::1", "65"), 400, "16 to 64"},
        {derive_fields("::1", "many"), 400, "16 to 64"},
        {{{"name", nas}, {"from", nas}, {"interface_id", "::1"}, {"prefix_length", "56"}},
         422,
         "derived from itself"},
    };
    for (const auto& k : cases) {
        const auto r = c.post("/host/derive", k.fields);
        EXPECT_EQ(r.status, k.status) << k.says << "\n" << r.body;
        EXPECT_TRUE(contains(r.body, k.says)) << k.says << "\n" << r.body;
    }
    // Without the form's token: refused, nothing changed.
    auto fields = derive_fields("::1", "56");
    EXPECT_EQ(c.post_without_token("/host/derive", fields).status, 403);
    EXPECT_EQ(c.post("/host/derive", fields, std::string(64, 'a')).status, 403);
    EXPECT_EQ(zone_serial(kZone), before);
    EXPECT_EQ(derive_from(nas), "- -");
    EXPECT_EQ(aaaa_records(nas), Strings{});
}

TEST_F(WebDerived, AnotherAccountsHostsAreNotFoundAndUntouched) {
    const std::string mallory = user + "-m";
    const std::string hers = mallory + "." + kZone;
    stack().add_account(mallory, kPassword);
    stack().add_host(hers, mallory);
    WebClient m = logged_in(mallory);
    m.get("/host?name=" + hers);
    EXPECT_FALSE(contains(m.get("/host?name=" + hers).body, router)) << "not offered";
    EXPECT_EQ(m.post("/host/derive", derive_fields("::1", "56")).status, 404);
    EXPECT_EQ(m.post("/host/derive", {{"name", nas}, {"ordinary", "1"}}).status, 404);
    const auto r = m.post(
        "/host/derive",
        {{"name", hers}, {"from", router}, {"interface_id", "::1"}, {"prefix_length", "56"}});
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(derive_from(nas), "- -");
    EXPECT_EQ(derive_from(hers), "- -");
    EXPECT_EQ(aaaa_records(hers), Strings{});
}

}  // namespace
}  // namespace ddns::test
