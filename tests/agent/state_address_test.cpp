// The state file (corruption never blocks), the status JSON, and the address sources.
#include <gtest/gtest.h>

#include "ddns/agent/address.hpp"
#include "ddns/agent/state.hpp"
#include "test_support.hpp"

namespace ddns::agent {
namespace {

TEST(State, RoundTrips) {
    StateMap map;
    map["home.example.org v4"] = {"203.0.113.7", TimePoint(std::chrono::seconds(1700000000))};
    map["home.example.org v6"] = {"2001:db8::7", TimePoint(std::chrono::seconds(1700000001))};
    const LoadedState back = parse_state(format_state(map));
    EXPECT_FALSE(back.corrupt);
    ASSERT_EQ(back.entries.size(), 2u);
    EXPECT_EQ(back.entries.at("home.example.org v6").address, "2001:db8::7");
    EXPECT_EQ(back.entries.at("home.example.org v4").sent_at,
              TimePoint(std::chrono::seconds(1700000000)));
}

TEST(State, CorruptFilesStartEmpty) {
    for (const std::string& text :
         {std::string("garbage\n"), std::string("# ddns-agent state v1\nh v4\n"),
          std::string("# ddns-agent state v1\nh v5 1.2.3.4 5\n"),
          std::string("# ddns-agent state v1\nh v4 1.2.3.4 -1\n"), std::string("\0\0\x01", 3)}) {
        const LoadedState s = parse_state(text);
        EXPECT_TRUE(s.corrupt) << text;
        EXPECT_TRUE(s.entries.empty()) << text;
    }
    EXPECT_FALSE(parse_state("").corrupt);
}

TEST(State, StatusIsJson) {
    std::map<std::string, HostStatus> hosts;
    hosts["a.example.org"].state = "ok";
    hosts["a.example.org"].last_answer = "good \"x\"";
    hosts["a.example.org"].last_success = TimePoint(std::chrono::seconds(0));
    hosts["a.example.org"].ipv4 = "203.0.113.1";
    const std::string json = format_status(hosts);
    EXPECT_NE(json.find("\"a.example.org\": {\"state\": \"ok\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"last_answer\": \"good \\\"x\\\"\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"last_success\": \"1970-01-01T00:00:00Z\""), std::string::npos);
    EXPECT_NE(json.find("\"next_attempt\": null"), std::string::npos);
    EXPECT_NE(json.find("\"ipv6\": null"), std::string::npos);
}

// A fixture in /proc/net/if_inet6's format: address, index, prefix, scope, flags, name.
constexpr const char* kIfInet6 =
    "fe80000000000000000000000000000a 02 40 20 80 dummy0\n"  // link-local
    "fd00000000000000000000000000000b 02 40 00 80 dummy0\n"  // ULA
    "20010db8000000000000000000000001 02 40 00 01 dummy0\n"  // temporary
    "20010db80000000000000000000000aa 02 40 00 20 dummy0\n"  // deprecated
    "20010db80000000000000000000000bb 02 40 00 00 dummy0\n"  // stable (dynamic)
    "20010db80000000000000000000000cc 02 40 00 40 dummy0\n"  // tentative
    "20010db8000000000000000000000099 03 40 00 80 other0\n"  // another interface
    "00000000000000000000000000000001 01 80 10 80 lo\n";

TEST(Ipv6Choice, StableGlobalWins) {
    const auto candidates = parse_if_inet6(kIfInet6, "dummy0");
    ASSERT_EQ(candidates.size(), 6u);
    EXPECT_EQ(choose_ipv6(candidates), IpAddress::parse("2001:db8::bb"));
}

struct ChoiceRow {
    std::string lines;
    std::optional<std::string> chosen;
};
class Ipv6Rows : public ::testing::TestWithParam<ChoiceRow> {};
TEST_P(Ipv6Rows, Chooses) {
    const auto got = choose_ipv6(parse_if_inet6(GetParam().lines, "d0"));
    const auto want = GetParam().chosen ? IpAddress::parse(*GetParam().chosen) : std::nullopt;
    EXPECT_EQ(got, want) << GetParam().lines;
}
INSTANTIATE_TEST_SUITE_P(
    Agent, Ipv6Rows,
    ::testing::Values(ChoiceRow{"fe80000000000000000000000000000a 02 40 20 80 d0\n", std::nullopt},
                      ChoiceRow{"fd00000000000000000000000000000b 02 40 00 80 d0\n", std::nullopt},
                      ChoiceRow{"20010db8000000000000000000000001 02 40 00 01 d0\n", "2001:db8::1"},
                      ChoiceRow{"20010db8000000000000000000000001 02 40 00 01 d0\n"
                                "20010db8000000000000000000000002 02 40 00 21 d0\n",
                                "2001:db8::1"},
                      ChoiceRow{"20010db8000000000000000000000003 02 40 00 20 d0\n"
                                "20010db8000000000000000000000002 02 40 00 01 d0\n",
                                "2001:db8::2"},
                      ChoiceRow{"20010db8000000000000000000000009 02 40 00 80 d0\n"
                                "20010db8000000000000000000000005 02 40 00 100 d0\n",
                                "2001:db8::5"},
                      ChoiceRow{"20010db8000000000000000000000009 02 40 00 08 d0\n",
                                std::nullopt}));

TEST(Address, PublicRules) {
    for (const char* a : {"203.0.113.5", "8.8.8.8", "2001:db8::1", "2a00:1450::1"}) {
        EXPECT_TRUE(is_public(*IpAddress::parse(a))) << a;
    }
    for (const char* a :
         {"10.1.2.3", "192.168.1.1", "172.20.0.1", "100.64.0.1", "127.0.0.1", "169.254.1.1",
          "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fd00::1", "ff02::1", "::"}) {
        EXPECT_FALSE(is_public(*IpAddress::parse(a))) << a;
    }
}

TEST(Address, FileFirstLineOnlyAndInvalidNeverAccepted) {
    test::TempDir dir("ddns-agent");
    const auto path = dir.path() / "addr";
    SourceEnvironment env;
    const AddressSource file{AddressSource::Kind::File, path.string()};
    test::write_file(path, "203.0.113.9\n198.51.100.1\n");
    EXPECT_EQ(read_address(file, IpFamily::V4, env).value(), *IpAddress::parse("203.0.113.9"));
    for (const char* bad : {"203.0.113.999\n", "not an address\n", "203.0.113.9 junk\n", "\n",
                            "2001:db8::1\n", "10.0.0.1\n"}) {
        test::write_file(path, bad);
        EXPECT_FALSE(read_address(file, IpFamily::V4, env).has_value()) << bad;
    }
    env.allow_private = true;
    EXPECT_TRUE(read_address(file, IpFamily::V4, env).has_value());
    EXPECT_FALSE(
        read_address({AddressSource::Kind::File, (dir.path() / "none").string()}, IpFamily::V4, env)
            .has_value());
}

TEST(Address, CommandAndWeb) {
    SourceEnvironment env;
    env.fetch = [](const std::string& url) -> std::optional<std::string> {
        if (url == "http://check/") return "<html>Current IP Address: 198.51.100.4</html>";
        return std::nullopt;
    };
    EXPECT_EQ(read_address({AddressSource::Kind::Web, "http://check/"}, IpFamily::V4, env).value(),
              *IpAddress::parse("198.51.100.4"));
    EXPECT_FALSE(read_address({AddressSource::Kind::Web, "http://down/"}, IpFamily::V4, env));
    EXPECT_EQ(read_address({AddressSource::Kind::Command, "echo 2001:db8::42"}, IpFamily::V6, env)
                  .value(),
              *IpAddress::parse("2001:db8::42"));
    EXPECT_FALSE(read_address({AddressSource::Kind::Command, "exit 3"}, IpFamily::V4, env));
}

}  // namespace
}  // namespace ddns::agent
