// The agent's configuration file, one row per case.
#include <gtest/gtest.h>

#include "ddns/agent/config.hpp"

namespace ddns::agent {
namespace {

const std::string kBase =
    "server = https://gw.example.org/\nusername = alice\npassword = s3cret-pw\n"
    "hostname = home.example.org, work.example.org\n";

struct Row {
    std::string extra;
    bool ok;
    std::string error;  // substring of the error
};

class ConfigRows : public ::testing::TestWithParam<Row> {};

TEST_P(ConfigRows, ParsesOrNamesTheProblem) {
    const Row& row = GetParam();
    const auto parsed = parse_config(kBase + row.extra);
    ASSERT_EQ(parsed.has_value(), row.ok) << row.extra << (parsed ? "" : parsed.error());
    if (!row.ok) {
        EXPECT_NE(parsed.error().find(row.error), std::string::npos) << parsed.error();
        EXPECT_EQ(parsed.error().find("s3cret-pw"), std::string::npos) << parsed.error();
    }
}

INSTANTIATE_TEST_SUITE_P(
    Agent, ConfigRows,
    ::testing::Values(Row{"", true, ""}, Row{"protocol = dynamic\n", true, ""},
                      Row{"protocol = dynamip\nheartbeat_interval = 10m\n", true, ""},
                      Row{"protocol = myserver\n", true, ""},
                      Row{"protocol = myserver\nipv6 = web\n", false, "myserver"},
                      Row{"protocol = zerigo\n", false, "protocol"},
                      Row{"ipv4 = off\nipv6 = off\n", false, "both are off"},
                      Row{"ipv4 = interface\n", false, "needs an argument"},
                      Row{"ipv4 = file /run/addr\nipv6 = command ip -6 addr\n", true, ""},
                      Row{"ipv4 = guess\n", false, "ipv4"},
                      Row{"interval = 5x\n", false, "interval"},
                      Row{"interval = 2d\n", false, "max_interval"},
                      Row{"timeout = 0\n", false, "timeout"},
                      Row{"allow_private = maybe\n", false, "allow_private"},
                      Row{"colour = blue\n", false, "unknown key"},
                      Row{"password = other s3cret-pw\nbogus line\n", false, "line 6"},
                      Row{"server = ftp://x\n", false, "server"},
                      Row{"server = http://gw.example.org\n", false, "insecure_http"},
                      Row{"server = http://gw.example.org\ninsecure_http = yes\n", true, ""},
                      Row{"hostname = a..b\n", false, "not a host name"},
                      Row{"hostname = ok.example.org,bad host\n", false, "not a host name"},
                      Row{"backoff_min = 10m\nbackoff_max = 1m\n", false, "backoff"}));

TEST(Config, DefaultsAndValues) {
    const auto parsed = parse_config(kBase + "ipv6 = interface eth0\n# comment\n\ninterval = 2m\n");
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_EQ(parsed->server, "https://gw.example.org");
    EXPECT_EQ(parsed->protocol, Protocol::Dyndns2);
    EXPECT_EQ(parsed->hostnames,
              (std::vector<std::string>{"home.example.org", "work.example.org"}));
    EXPECT_EQ(parsed->ipv4.kind, AddressSource::Kind::Web);
    EXPECT_EQ(parsed->ipv6.kind, AddressSource::Kind::Interface);
    EXPECT_EQ(parsed->ipv6.argument, "eth0");
    EXPECT_EQ(parsed->interval, std::chrono::minutes(2));
    EXPECT_EQ(parsed->max_interval, std::chrono::hours(24));
    EXPECT_EQ(parsed->heartbeat_interval, std::chrono::minutes(15));
    EXPECT_FALSE(parsed->allow_private);
}

TEST(Config, MissingKeys) {
    EXPECT_NE(parse_config("server = https://x\n").error().find("username"), std::string::npos);
    EXPECT_NE(
        parse_config("server = https://x\nusername = a\npassword = b\n").error().find("hostname"),
        std::string::npos);
}

}  // namespace
}  // namespace ddns::agent
