// The write hook of serve (the principal cache's write barrier): called after writes the pages
// or the API answered, whatever their outcome except a refusal that wrote nothing (4xx); never
// after reads or other routes.
#include <gtest/gtest.h>

#include <string>

#include "ddns/gateway/http/after_write_router.hpp"

namespace ddns::gateway {
namespace {

// Answers every request with the route name and status it is set to.
class FixedRouter final : public RequestRouter {
public:
    Response route(const RequestView&) override {
        Response r = Response::text(status, "X", "");
        r.route = route_name;
        return r;
    }
    std::string route_name = "api";
    int status = 200;
};

class AfterWriteRouterTest : public ::testing::Test {
protected:
    int after(const std::string& method, const std::string& route, int status) {
        inner.route_name = route;
        inner.status = status;
        RequestView request;
        request.method = method;
        request.path = "/x";
        const int before = calls;
        const Response r = router.route(request);
        EXPECT_EQ(r.status, status) << "the answer passes through unchanged";
        return calls - before;
    }
    FixedRouter inner;
    int calls = 0;
    AfterWriteRouter router{inner, {"web", "api"}, [this] { ++calls; }};
};

TEST_F(AfterWriteRouterTest, WritesThePagesOrTheApiAnsweredAreNoted) {
    EXPECT_EQ(after("POST", "api", 201), 1);
    EXPECT_EQ(after("PUT", "api", 200), 1);
    EXPECT_EQ(after("DELETE", "api", 204), 1);
    EXPECT_EQ(after("POST", "web", 303), 1) << "a form's redirect after success";
    EXPECT_EQ(after("POST", "api", 503), 1) << "a failure half way may have committed something";
}

TEST_F(AfterWriteRouterTest, RefusedWritesReadsAndOtherRoutesAreNot) {
    // A refusal wrote nothing, and unauthenticated POSTs must not keep the cache bypassed.
    EXPECT_EQ(after("POST", "api", 401), 0);
    EXPECT_EQ(after("POST", "web", 403), 0);
    EXPECT_EQ(after("PUT", "api", 422), 0);
    EXPECT_EQ(after("POST", "api", 429), 0);
    EXPECT_EQ(after("GET", "api", 200), 0);
    EXPECT_EQ(after("HEAD", "web", 200), 0);
    EXPECT_EQ(after("POST", "update", 200), 0) << "the dialects invalidate through the change path";
}

}  // namespace
}  // namespace ddns::gateway
