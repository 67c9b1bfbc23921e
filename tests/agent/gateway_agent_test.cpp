// The ddns-agent binary against the real gateway, named and PostgreSQL: one test per protocol,
// the address sources (file with an invalid line, the gateway's check-IP, auto), and two agents
// sharing one name, each keeping to its own address family. Assertions read named.
#include <gtest/gtest.h>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "agent horse battery";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {kZone};
    o.tls = true;
    // The agent reaches the gateway from 127.0.0.1: allowed here so that check-IP and auto
    // (the gateway takes the address it sees) can publish it.
    o.extra_config = "address.allow = 127.0.0.0/8\n";
    return o;
}()));

using Strings = std::vector<std::string>;

class AgentStack : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }

    // Writes a configuration (the common keys plus `extra`) and runs `ddns-agent --once`.
    CommandResult once(const std::string& name, const std::string& extra,
                       const std::string& secret = kPassword) {
        return once_at(
            "http://127.0.0.1:" + std::to_string(stack().http_port()) + "\ninsecure_http = yes",
            name, extra, secret);
    }
    CommandResult once_at(const std::string& server, const std::string& name,
                          const std::string& extra, const std::string& secret = kPassword) {
        const auto config = dir.path() / (name + ".conf");
        write_file(config, "server = " + server + "\nusername = " + user +
                               "\npassword = " + secret + "\nhostname = " + host +
                               "\nstate_file = " + (dir.path() / (name + ".state")).string() +
                               "\ntimeout = 10s\n" + extra);
        return run_command({DDNS_AGENT_BINARY, "--config", config.string(), "--once"});
    }
    std::string file_source(const std::string& name, const std::string& content) {
        const auto path = dir.path() / name;
        write_file(path, content);
        return "file " + path.string();
    }

    TempDir dir{"ddns-agent-gw"};
    std::string user;
    std::string host;
};

TEST_F(AgentStack, Dyndns2SetsBothFamilies) {
    const auto r = once("a", "protocol = dyndns2\nipv4 = " + file_source("v4", "203.0.113.60\n") +
                                 "\nipv6 = " + file_source("v6", "2001:db8::60\n") + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(a_records(host), Strings{"203.0.113.60"});
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::60"});
}

TEST_F(AgentStack, DynamicWithAToken) {
    ASSERT_EQ(stack().admin({"account", "enable-updates", user}).exit_code, 0);
    const std::string token = stack().add_token(user, host);
    const auto r = once("a",
                        "protocol = dynamic\nipv4 = " + file_source("v4", "203.0.113.61\n") +
                            "\nipv6 = " + file_source("v6", "2001:db8::61\n") + "\n",
                        token);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(a_records(host), Strings{"203.0.113.61"});
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::61"});
}

TEST_F(AgentStack, DynamipHeartbeat) {
    const auto r =
        once("a", "protocol = dynamip\nipv4 = " + file_source("v4", "203.0.113.62\n") + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(a_records(host), Strings{"203.0.113.62"});
    EXPECT_EQ(r.output.find(kPassword), std::string::npos) << r.output;
}

TEST_F(AgentStack, MyserverDeleteOldThenAdd) {
    const std::string source = file_source("v4", "203.0.113.63\n");
    auto r = once("a", "protocol = myserver\nipv4 = " + source + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(a_records(host), Strings{"203.0.113.63"});
    file_source("v4", "203.0.113.64\n");
    r = once("a", "protocol = myserver\nipv4 = " + source + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(a_records(host), Strings{"203.0.113.64"});
}

TEST_F(AgentStack, HttpsVerifiesTheCertificate) {
    const std::string https = "https://127.0.0.1:" + std::to_string(stack().https_port());
    const std::string source = "ipv4 = " + file_source("v4", "203.0.113.67\n") + "\n";
    // The gateway's certificate is self-signed: without ca_file it is not trusted.
    auto r = once_at(https, "a", source);
    EXPECT_EQ(r.exit_code, 3) << r.output;
    EXPECT_TRUE(a_records(host).empty());
    r = once_at(https, "a", source + "ca_file = " + stack().ca_file().string() + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(a_records(host), Strings{"203.0.113.67"});
}

TEST_F(AgentStack, WrongPasswordIsFatal) {
    const auto r = once("a", "ipv4 = " + file_source("v4", "203.0.113.65\n") + "\n", "wrong-pw");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(a_records(host).empty());
}

TEST_F(AgentStack, InvalidFileLineIsNeverSent) {
    const std::string source = file_source("v4", "203.0.113.300\n");
    const std::uint32_t serial = zone_serial(kZone);
    auto r = once("a", "ipv4 = " + source + "\n");
    EXPECT_EQ(r.exit_code, 3) << r.output;
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_EQ(zone_serial(kZone), serial);
    EXPECT_EQ(stored_ipv4(host), "-");
    file_source("v4", "203.0.113.66\n");
    r = once("a", "ipv4 = " + source + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(a_records(host), Strings{"203.0.113.66"});
}

TEST_F(AgentStack, AddressFromTheGatewaysCheckIp) {
    // ipv4 = web: the gateway's /myip, which sees 127.0.0.1; private addresses need the key.
    auto r = once("a", "ipv4 = web\n");
    EXPECT_EQ(r.exit_code, 3) << r.output;
    EXPECT_TRUE(a_records(host).empty());
    r = once("a", "ipv4 = web\nallow_private = yes\n");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(a_records(host), Strings{"127.0.0.1"});
}

TEST_F(AgentStack, AutoLetsTheGatewayTakeTheAddress) {
    const auto r = once("a", "ipv4 = auto\n");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(a_records(host), Strings{"127.0.0.1"});
}

TEST_F(AgentStack, TwoAgentsKeepToTheirFamilies) {
    ASSERT_EQ(stack().admin({"account", "enable-updates", user}).exit_code, 0);
    const std::string token = stack().add_token(user, host);
    const std::string v4 =
        "protocol = dyndns2\nipv6 = off\nipv4 = " + file_source("v4", "203.0.113.70\n") + "\n";
    const std::string v6 =
        "protocol = dynamic\nipv4 = off\nipv6 = " + file_source("v6", "2001:db8::70\n") + "\n";
    ASSERT_EQ(once("four", v4).exit_code, 0);
    ASSERT_EQ(once("six", v6, token).exit_code, 0);
    EXPECT_EQ(a_records(host), Strings{"203.0.113.70"});
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::70"});
    file_source("v4", "203.0.113.71\n");
    ASSERT_EQ(once("four", v4).exit_code, 0);
    EXPECT_EQ(a_records(host), Strings{"203.0.113.71"});
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::70"});
    file_source("v6", "2001:db8::71\n");
    ASSERT_EQ(once("six", v6, token).exit_code, 0);
    EXPECT_EQ(a_records(host), Strings{"203.0.113.71"});
    EXPECT_EQ(aaaa_records(host), Strings{"2001:db8::71"});
}

}  // namespace
}  // namespace ddns::test
