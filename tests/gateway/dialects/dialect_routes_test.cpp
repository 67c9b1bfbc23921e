// The dialects' rows of the route table: each path reaches its dialect under its route name,
// a wrong method is answered in the dialect's own words (protocols.md §0), check-IP answers a
// wrong method with the uniform 405.
#include <gtest/gtest.h>

#include "ddns/gateway/dialects/dialect_routes.hpp"
#include "dialect_fixture.hpp"

namespace ddns::gateway {
namespace {

class DialectRoutes : public ::testing::Test, public fakes::DialectFixture {
protected:
    DialectRoutes() {
        add_dialect_routes(table, Dialects{dyndns2, dynamic, dynamip, myserver, &acme});
    }

    Response call(const std::string& method, const std::string& path,
                  const std::string& query = "") {
        RequestView r = request(method, path, query);
        r.headers.push_back({"User-Agent", "test/1.0"});
        return table.route(r);
    }

    Dyndns2Dialect dyndns2{authenticator, updates, policy, log, clock.function(), Dyndns2Options{}};
    DynamicDialect dynamic{authenticator, updates, policy, log, clock.function(), DynamicOptions{}};
    DynamipDialect dynamip{authenticator, updates, policy, log, clock.function()};
    MyServerDialect myserver{authenticator, updates, record_service, policy, log, clock.function()};
    AcmeChallenges challenges{record_service, records};
    AcmeDialect acme{authenticator, challenges, log};
    RouteTable table;
};

TEST_F(DialectRoutes, EveryPathReachesItsDialectUnderItsName) {
    struct Row {
        const char* path;
        const char* route;
        const char* body;  // what the dialect answers a GET without parameters
    };
    for (const Row& row :
         {Row{"/nic/update", "dyndns2", "badauth"}, Row{"/V3/Update/", "dyndns2", "badauth"},
          Row{"/nic/delete", "dyndns2", "badauth"}, Row{"/update", "dyndns2", "badauth"},
          Row{"/dynamic", "dynamic", "badauth"},
          Row{"/login/UpdateIP.asp", "dynamip",
              "{{{Missing Parameters|SiteID and Password are required}}}\r\n"},
          Row{"/dnslogin3.asp", "myserver", "Error:Invalid Command\r\n"},
          Row{"/AutoUpdate/DNSLogin3.asp", "myserver", "Error:Invalid Command\r\n"},
          Row{"/myip", "checkip", "198.51.100.9\n"}}) {
        for (const char* method : {"GET", "HEAD", "POST"}) {
            if (std::string(row.route) == "checkip" && std::string(method) == "POST") continue;
            const Response r = call(method, row.path);
            EXPECT_EQ(r.route, row.route) << row.path;
            EXPECT_EQ(r.body, row.body) << method << " " << row.path;
        }
    }
}

TEST_F(DialectRoutes, AWrongMethodIsAnsweredInTheDialectsWords) {
    EXPECT_EQ(call("PUT", "/nic/update").body, "badagent");
    const Response dynamic_refusal = call("DELETE", "/dynamic", "user=alice&password=x");
    EXPECT_EQ(dynamic_refusal.status, 405);
    EXPECT_EQ(dynamic_refusal.body, "method not allowed");
    // The update log still sees who asked.
    ASSERT_TRUE(dynamic_refusal.audit);
    EXPECT_EQ(dynamic_refusal.audit->username, "alice");
    EXPECT_EQ(call("PUT", "/Login/updateip.asp").body,
              "{{{Invalid Request|Send the update as a GET request}}}\r\n");
    EXPECT_EQ(call("OPTIONS", "/dnslogin3.asp", "FXN=GetIPAddress").body,
              "Error:Invalid Command\r\n");
}

TEST_F(DialectRoutes, UpdateIsAcmeDnsOnlyForAPostWithXApiUser) {
    RequestView r = request("POST", "/update", "");
    r.headers = {{"User-Agent", "goacmedns"}, {"X-Api-User", "alice"}, {"X-Api-Key", "x"}};
    r.body = "{}";
    Response answer = table.route(r);
    EXPECT_EQ(answer.route, "acme-dns");
    EXPECT_EQ(answer.body, "{\"error\":\"bad_request\"}\n");
    // The same POST without the header, and a GET with it, are dyndns2's.
    r.headers.erase(r.headers.begin() + 1);
    EXPECT_EQ(table.route(r).route, "dyndns2");
    r.method = "GET";
    r.headers.push_back({"X-Api-User", "alice"});
    EXPECT_EQ(table.route(r).route, "dyndns2");
    for (const char* path : {"/present", "/cleanup"}) {
        EXPECT_EQ(call("POST", path).route, "httpreq") << path;
        EXPECT_EQ(call("POST", path).status, 400) << path;
        EXPECT_EQ(call("GET", path).status, 405) << path;
    }
}

TEST_F(DialectRoutes, CheckIpRefusesOtherMethodsUniformly) {
    const Response r = call("POST", "/checkip");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.route, "checkip");
    EXPECT_EQ(r.body, "method not allowed\n");
    EXPECT_EQ(call("GET", "/nic").status, 404);
}

}  // namespace
}  // namespace ddns::gateway
