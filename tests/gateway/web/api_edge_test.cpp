// The JSON API's answers to what the api_request fuzz target found, in process over the
// account layer's fakes (account_world.hpp): numbers beyond 64 bits and text that is not
// UTF-8 are a 400, never a 500 or an answer that is not JSON.
#include <gtest/gtest.h>

#include "account_world.hpp"
#include "ddns/gateway/web/api.hpp"

namespace ddns::gateway {
namespace {

struct ApiEdges : ::testing::Test {
    ApiEdges() {
        w.zone(1, "dyn.example.test", true);
        alice = w.account("alice", "alice's long password");
        EXPECT_TRUE(w.service.add_host(alice, "a1.dyn.example.test"));
        token = std::string(w.service.create_api_token(alice, "test")->secret.expose_view());
    }
    Response call(std::string method, std::string path, std::string body) {
        RequestView r;
        r.method = std::move(method);
        r.path = "/api/v1/" + std::move(path);
        r.headers.push_back({"Authorization", "Bearer " + token});
        r.body = std::move(body);
        r.peer = r.client = *IpAddress::parse("198.51.100.9");
        return api.handle(r);
    }
    static bool has_code(const Response& r, std::string_view code) {
        return r.body.find("\"code\":\"" + std::string(code) + "\"") != std::string::npos;
    }

    fakes::AccountWorld w;
    AccountApi api{w.service, w.log};
    std::int64_t alice = 0;
    std::string token;
};

struct NumberRow {
    const char* path;
    const char* body;
};

class ApiNumbers : public ApiEdges, public ::testing::WithParamInterface<NumberRow> {};
TEST_P(ApiNumbers, BeyondSixtyFourBitsAreABadRequestAndChangeNothing) {
    const Response r =
        call(GetParam().path[0] == 'z' ? "POST" : "PATCH", GetParam().path, GetParam().body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_TRUE(has_code(r, "bad_request")) << r.body;
    EXPECT_FALSE(w.service.host(alice, "a1.dyn.example.test")->heartbeat_setting);
}
INSTANTIATE_TEST_SUITE_P(
    Table, ApiNumbers,
    ::testing::Values(
        NumberRow{"hosts/a1.dyn.example.test", R"({"heartbeat":18446744073709551615})"},
        NumberRow{"hosts/a1.dyn.example.test", R"({"heartbeat":9223372036854775808})"},
        NumberRow{"zones/dyn.example.test/records",
                  R"({"name":"x.dyn.example.test","type":"A","ttl":18446744073709551615})"}));

TEST_F(ApiEdges, APathNameThatIsNotUtf8IsABadRequestInValidJson) {
    const Response r = call("GET", "names/%C3%A9%FF.dyn.example.test", "");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_TRUE(has_code(r, "bad_request")) << r.body;
    EXPECT_EQ(r.body.find('\xff'), std::string::npos);
    // Valid UTF-8 is still answered as before: not a host name, but a well-formed answer.
    const Response ok = call("GET", "names/%C3%A9.dyn.example.test", "");
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_TRUE(has_code(ok, "bad_input")) << ok.body;
}

TEST_F(ApiEdges, HeadIsServedWhereGetIs) {
    // The route table's promise (route_table.hpp); the listener drops the body.
    const Response head = call("HEAD", "hosts", "");
    EXPECT_EQ(head.status, 200) << head.body;
    EXPECT_EQ(head.body, call("GET", "hosts", "").body);
    EXPECT_EQ(call("HEAD", "login", "").status, 405);  // POST only
}

}  // namespace
}  // namespace ddns::gateway
