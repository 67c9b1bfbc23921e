// The web.* keys: defaults (pages off), the prefix and listener syntax, lifetimes.
#include <gtest/gtest.h>

#include "ddns/gateway/config/config.hpp"

namespace ddns::gateway {
namespace {

TEST(WebConfig, PagesAreOffByDefault) {
    const auto c = parse_config("database.url = x\n");
    ASSERT_TRUE(c);
    const WebOptions o = c->web_options();
    EXPECT_FALSE(o.enabled);
    EXPECT_EQ(o.prefix, "");
    EXPECT_TRUE(o.listener_ports.empty());
    EXPECT_TRUE(o.template_dir.empty());
    EXPECT_EQ(o.lifetime.idle, std::chrono::hours(2));
    EXPECT_EQ(o.lifetime.absolute, std::chrono::hours(24 * 7));
}

TEST(WebConfig, EveryKeyReachesTheOptions) {
    const auto c = parse_config(R"(database.url = x
web.enabled = true
web.prefix = /my-dns/account
web.listeners = 443, 8443
web.template_dir = /etc/ddns-gateway/templates
web.session_idle = 30m
web.session_lifetime = 1d
web.site_name = Example DNS
)");
    ASSERT_TRUE(c) << c.error();
    const WebOptions o = c->web_options();
    EXPECT_TRUE(o.enabled);
    EXPECT_EQ(o.prefix, "/my-dns/account");
    EXPECT_EQ(o.listener_ports, (std::vector<std::uint16_t>{443, 8443}));
    EXPECT_EQ(o.template_dir, "/etc/ddns-gateway/templates");
    EXPECT_EQ(o.lifetime.idle, std::chrono::minutes(30));
    EXPECT_EQ(o.lifetime.absolute, std::chrono::hours(24));
    EXPECT_EQ(o.site_name, "Example DNS");
}

TEST(WebConfig, BadValuesAreRefused) {
    for (const char* line :
         {"web.prefix = account", "web.prefix = /account/", "web.prefix = /a//b",
          "web.prefix = /a/../b", "web.prefix = /a b", "web.prefix = /a?b", "web.prefix = /",
          "web.listeners = 0", "web.listeners = 70000", "web.listeners = http",
          "web.session_idle = 10s", "web.session_lifetime = 1m", "web.enabled = maybe"}) {
        EXPECT_FALSE(parse_config(std::string("database.url = x\n") + line + "\n")) << line;
    }
}

}  // namespace
}  // namespace ddns::gateway
