// Webhook URLs: what parse_http_url accepts and how it splits them, row by row.
#include "ddns/gateway/base/http_url.hpp"

#include <gtest/gtest.h>

namespace ddns::gateway {
namespace {

struct UrlRow {
    std::string url;
    bool ok;
    bool https = false;
    std::string host = {};
    int port = 0;
    std::string target = {};
};

class HttpUrls : public ::testing::TestWithParam<UrlRow> {};

TEST_P(HttpUrls, ParseAsExpected) {
    const auto& r = GetParam();
    const auto u = parse_http_url(r.url);
    ASSERT_EQ(u.has_value(), r.ok) << r.url;
    if (!r.ok) {
        EXPECT_FALSE(u.error().empty());
        return;
    }
    EXPECT_EQ(u->https, r.https);
    EXPECT_EQ(u->host, r.host);
    EXPECT_EQ(u->port, r.port);
    EXPECT_EQ(u->target, r.target);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, HttpUrls,
    ::testing::Values(
        UrlRow{"https://hooks.example.org/ddns?x=1", true, true, "hooks.example.org", 443,
               "/ddns?x=1"},
        UrlRow{"HTTP://Hooks.Example.org", true, false, "hooks.example.org", 80, "/"},
        UrlRow{"http://192.0.2.7:8080?a=b", true, false, "192.0.2.7", 8080, "/?a=b"},
        UrlRow{"http://[2001:db8::1]:81/h", true, false, "2001:db8::1", 81, "/h"},
        UrlRow{"ftp://example.org/", false}, UrlRow{"example.org/hook", false},
        UrlRow{"http://user:pw@example.org/", false}, UrlRow{"http://example.org/#frag", false},
        UrlRow{"http://example.org:0/", false}, UrlRow{"http://example.org:65536/", false},
        UrlRow{"http://example.org:/", false}, UrlRow{"http:///x", false},
        UrlRow{"http://localhost/", false}, UrlRow{"http://[::1/", false},
        UrlRow{"http://exa mple.org/", false}, UrlRow{"http://example.org/\r\nX: y", false},
        UrlRow{"http://" + std::string(2000, 'a') + ".org/", false}));

}  // namespace
}  // namespace ddns::gateway
