// Which requests the JSON API answers: its prefix and what lies below it, only on the listeners
// web.listeners names (as the pages).
#include <gtest/gtest.h>

#include "ddns/gateway/web/api.hpp"

namespace ddns::gateway {
namespace {

RequestView at(std::string path, std::uint16_t port) {
    RequestView r;
    r.method = "GET";
    r.path = std::move(path);
    r.local_port = port;
    return r;
}

TEST(ApiOwns, ItsPrefixAndEverythingBelowItOnly) {
    const ApiOptions o{"/dyn/api/v1", {}};
    EXPECT_TRUE(api_owns(o, at("/dyn/api/v1", 80)));
    EXPECT_TRUE(api_owns(o, at("/dyn/api/v1/hosts", 80)));
    EXPECT_FALSE(api_owns(o, at("/dyn/api/v10/hosts", 80)));
    EXPECT_FALSE(api_owns(o, at("/api/v1/hosts", 80)));
    EXPECT_FALSE(api_owns(o, at("/nic/update", 80)));
}

TEST(ApiOwns, OnlyOnTheListenersTheOperatorNamed) {
    const ApiOptions o{"/api/v1", {443, 8443}};
    EXPECT_TRUE(api_owns(o, at("/api/v1/hosts", 443)));
    EXPECT_TRUE(api_owns(o, at("/api/v1/hosts", 8443)));
    EXPECT_FALSE(api_owns(o, at("/api/v1/hosts", 80)));
    EXPECT_FALSE(api_owns(o, at("/api/v1", 8080)));
}

}  // namespace
}  // namespace ddns::gateway
