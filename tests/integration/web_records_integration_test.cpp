// The records page of domain accounts end to end against the real gateway, PostgreSQL and named:
// a record added on the page is served by named and a removed one is gone; the account layer's
// rules and words on refusals; another account's zone, a free account and a form without its
// CSRF token are refused with nothing changed.
#include <gtest/gtest.h>

#include "stack_environment.hpp"
#include "web_client.hpp"

namespace ddns::test {
namespace {

constexpr const char* kPassword = "correct horse battery";
// One zone per test that needs one: each is given to a fresh owner (served by named only until
// `admin zone add --owner` registers it).
constexpr const char* kFlowZone = "flow.test";
constexpr const char* kOwnedZone = "owned.test";
constexpr const char* kRivalZone = "rival.test";
constexpr const char* kCsrfZone = "csrf.test";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {"example.test"};
    o.unregistered_zones = {kFlowZone, kOwnedZone, kRivalZone, kCsrfZone};
    o.extra_config = "web.enabled = true\n";
    return o;
}()));

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

class WebRecords : public StackTest {
protected:
    // A new domain account owning `zone`; its name.
    std::string zone_owner(const std::string& zone) {
        const std::string owner = unique_label();
        stack().add_account(owner, kPassword, "domain");
        const auto z = stack().admin(
            {"zone", "add", zone, "--server", "127.0.0.1:" + std::to_string(stack().named().port()),
             "--key-file", stack().named().key_file().string(), "--owner", owner});
        EXPECT_EQ(z.exit_code, 0) << z.output;
        return owner;
    }
    WebClient logged_in(const std::string& name) {
        WebClient c(stack());
        const auto r = c.log_in(name, kPassword);
        EXPECT_EQ(r.status, 303) << r.raw;
        EXPECT_EQ(c.get("/").status, 200);  // the session's CSRF token for the forms
        return c;
    }
    std::vector<std::string> served(const std::string& name, const std::string& type) {
        return stack().named().query(name, type);
    }
    std::string records_page(const std::string& zone) { return "/records?zone=" + zone; }
};

TEST_F(WebRecords, AddedRecordsAreServedAndRemovedOnesAreGone) {
    const std::string zone = kFlowZone;
    WebClient c = logged_in(zone_owner(zone));
    const auto overview = c.get("/");
    EXPECT_TRUE(contains(overview.body, "/records?zone=" + zone)) << overview.body;
    const auto list = c.get("/records");
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_TRUE(contains(list.body, "/records?zone=" + zone));

    ASSERT_EQ(c.get(records_page(zone)).status, 200);
    auto r = c.post("/records/add",
                    {{"zone", zone}, {"name", "www"}, {"type", "A"}, {"data", "192.0.2.80"}});
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(r.header("Location"), "/records?zone=" + zone + "&done=record_added");
    EXPECT_EQ(served("www." + zone, "A"), std::vector<std::string>{"192.0.2.80"});
    r = c.post("/records/add", {{"zone", zone},
                                {"name", "shop"},
                                {"type", "MX"},
                                {"preference", "10"},
                                {"data", "mx." + zone}});
    // A mail exchanger inside the zone needs an address first: the account layer's rule and words.
    EXPECT_EQ(r.status, 409);
    EXPECT_TRUE(contains(r.body, "the mail exchanger lies in the zone but has no address yet"))
        << r.body;
    r = c.post("/records/add", {{"zone", zone},
                                {"name", "shop." + zone},
                                {"type", "MX"},
                                {"preference", "10"},
                                {"data", "mail.example.net"},
                                {"ttl", "300"}});
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(served("shop." + zone, "MX"), std::vector<std::string>{"10 mail.example.net."});
    r = c.post("/records/add",
               {{"zone", zone}, {"name", "txt"}, {"type", "TXT"}, {"data", "hello world"}});
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(served("txt." + zone, "TXT"), std::vector<std::string>{"\"hello world\""});

    const auto page = c.get(records_page(zone));
    EXPECT_TRUE(contains(page.body, "192.0.2.80"));
    EXPECT_TRUE(contains(page.body, "mail.example.net"));
    EXPECT_TRUE(contains(page.body, "value=\"hello world\"")) << page.body;

    // Refusals in the account layer's words; nothing reaches named.
    r = c.post("/records/add",
               {{"zone", zone}, {"name", "bad"}, {"type", "A"}, {"data", "2001:db8::1"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(contains(r.body, "A data is one IPv4 address")) << r.body;
    EXPECT_TRUE(contains(r.body, "value=\"2001:db8::1\"")) << "the typed data is kept";
    EXPECT_TRUE(served("bad." + zone, "AAAA").empty());
    r = c.post("/records/add",
               {{"zone", zone}, {"name", "www"}, {"type", "A"}, {"data", "192.0.2.80"}});
    EXPECT_EQ(r.status, 409);
    EXPECT_TRUE(contains(r.body, "this record exists already")) << r.body;
    r = c.post("/records/add", {{"zone", zone}, {"name", "www"}, {"type", "SRV"}, {"data", "x"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(contains(r.body, "the type is A, AAAA, CNAME, MX, NS or TXT")) << r.body;
    r = c.post(
        "/records/add",
        {{"zone", zone}, {"name", "ttl"}, {"type", "A"}, {"data", "192.0.2.81"}, {"ttl", "soon"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(served("ttl." + zone, "A").empty());

    // Removal, with the data exactly as the page's remove forms carry it.
    r = c.post("/records/remove",
               {{"zone", zone}, {"name", "www." + zone}, {"type", "A"}, {"data", "192.0.2.80"}});
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(r.header("Location"), "/records?zone=" + zone + "&done=record_removed");
    EXPECT_TRUE(served("www." + zone, "A").empty());
    r = c.post("/records/remove",
               {{"zone", zone}, {"name", "txt." + zone}, {"type", "TXT"}, {"data", "hello world"}});
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_TRUE(served("txt." + zone, "TXT").empty());
    r = c.post("/records/remove", {{"zone", zone},
                                   {"name", "shop." + zone},
                                   {"type", "MX"},
                                   {"data", "10 mail.example.net."}});
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_TRUE(served("shop." + zone, "MX").empty());
    r = c.post("/records/remove",
               {{"zone", zone}, {"name", "www." + zone}, {"type", "A"}, {"data", "192.0.2.80"}});
    EXPECT_EQ(r.status, 404);
    EXPECT_TRUE(contains(r.body, "no such record")) << r.body;
}

TEST_F(WebRecords, AnotherAccountsZoneIsNotFoundAndUntouched) {
    const std::string zone = kOwnedZone;
    WebClient owner = logged_in(zone_owner(zone));
    auto r = owner.post("/records/add",
                        {{"zone", zone}, {"name", "www"}, {"type", "A"}, {"data", "192.0.2.90"}});
    ASSERT_EQ(r.status, 303) << r.body;
    const std::string www = "www." + zone;

    WebClient rival = logged_in(zone_owner(kRivalZone));
    EXPECT_EQ(rival.get(records_page(zone)).status, 404);
    EXPECT_FALSE(contains(rival.get(records_page(kRivalZone)).body, "192.0.2.90"));
    EXPECT_EQ(rival
                  .post("/records/remove",
                        {{"zone", zone}, {"name", www}, {"type", "A"}, {"data", "192.0.2.90"}})
                  .status,
              404);
    // Through a zone it owns, naming the other zone's record: the account layer refuses.
    r = rival.post("/records/remove", {{"zone", kRivalZone}, {"name", www + "."}, {"type", "A"}});
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(rival
                  .post("/records/add",
                        {{"zone", zone}, {"name", "evil"}, {"type", "A"}, {"data", "192.0.2.66"}})
                  .status,
              404);
    EXPECT_EQ(served(www, "A"), std::vector<std::string>{"192.0.2.90"});
    EXPECT_TRUE(served("evil." + zone, "A").empty());
    EXPECT_TRUE(contains(owner.get(records_page(zone)).body, "192.0.2.90"));
}

TEST_F(WebRecords, AFormWithoutItsTokenIsRefusedAndChangesNothing) {
    const std::string zone = kCsrfZone;
    WebClient c = logged_in(zone_owner(zone));
    auto r = c.post("/records/add",
                    {{"zone", zone}, {"name", "kept"}, {"type", "A"}, {"data", "192.0.2.70"}});
    ASSERT_EQ(r.status, 303) << r.body;
    r = c.post_without_token(
        "/records/add", {{"zone", zone}, {"name", "new"}, {"type", "A"}, {"data", "192.0.2.71"}});
    EXPECT_EQ(r.status, 403);
    r = c.post("/records/remove",
               {{"zone", zone}, {"name", "kept." + zone}, {"type", "A"}, {"data", "192.0.2.70"}},
               std::string(64, '0'));
    EXPECT_EQ(r.status, 403);
    EXPECT_TRUE(served("new." + zone, "A").empty());
    EXPECT_EQ(served("kept." + zone, "A"), std::vector<std::string>{"192.0.2.70"});
}

TEST_F(WebRecords, AFreeAccountHasNoRecordsPage) {
    const std::string user = unique_label();
    stack().add_account(user, kPassword);
    WebClient c = logged_in(user);
    const auto overview = c.get("/");
    ASSERT_EQ(overview.status, 200);
    EXPECT_FALSE(contains(overview.body, "/records")) << overview.body;
    EXPECT_EQ(c.get("/records").status, 404);
    EXPECT_EQ(c.get(records_page(kFlowZone)).status, 404);
    EXPECT_EQ(
        c.post("/records/add",
               {{"zone", "example.test"}, {"name", "free"}, {"type", "A"}, {"data", "192.0.2.60"}})
            .status,
        404);
    EXPECT_TRUE(served("free.example.test", "A").empty());
}

}  // namespace
}  // namespace ddns::test
