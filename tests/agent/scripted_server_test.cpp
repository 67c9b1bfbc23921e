// The ddns-agent binary against a scripted HTTP server on loopback: exit codes of --once,
// exponential backoff on dnserr, Retry-After, stop on badauth (until SIGUSR1), a corrupt state
// file. The server answers from a queue and records when each request came.
#include <gtest/gtest.h>

#include <csignal>

#include "gateway_stack.hpp"
#include "scripted_server.hpp"
#include "test_support.hpp"

namespace ddns::test {
namespace {

constexpr const char* kPassword = "scripted-PASSWORD-42";

class ScriptedAgent : public ::testing::Test {
protected:
    void SetUp() override {
        write_file(dir.path() / "addr", "203.0.113.50\n");
        write_config("");
    }
    void write_config(const std::string& extra) {
        write_file(
            config,
            "server = http://127.0.0.1:" + std::to_string(server.port()) +
                "\ninsecure_http = yes\nusername = alice\npassword = " + kPassword +
                "\nhostname = home.example.test\nipv4 = file " + (dir.path() / "addr").string() +
                "\nstate_file = " + (dir.path() / "state").string() +
                "\nstatus_file = " + (dir.path() / "status.json").string() +
                "\ninterval = 1s\ntimeout = 5s\nbackoff_min = 1s\nbackoff_max = 4s\n" + extra);
    }
    CommandResult once() {
        return run_command({DDNS_AGENT_BINARY, "--config", config.string(), "--once"});
    }
    std::unique_ptr<ChildProcess> daemon() {
        return std::make_unique<ChildProcess>(
            std::vector<std::string>{DDNS_AGENT_BINARY, "--config", config.string()},
            dir.path() / "agent.log");
    }
    static double gap(const Seen& a, const Seen& b) {
        return std::chrono::duration<double>(b.at - a.at).count();
    }

    TempDir dir{"ddns-agent-scripted"};
    std::filesystem::path config = dir.path() / "agent.conf";
    ScriptedServer server;
};

TEST_F(ScriptedAgent, OnceExitCodes) {
    server.push({"good 203.0.113.50"});
    auto r = once();
    EXPECT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(server.count(), 1u);
    EXPECT_EQ(server.seen()[0].target, "/nic/update?hostname=home.example.test&myip=203.0.113.50");
    EXPECT_EQ(server.seen()[0].authorization, "Basic " + base64(std::string("alice:") + kPassword));
    EXPECT_NE(read_file(dir.path() / "status.json").find("\"state\": \"ok\""), std::string::npos);

    write_file(dir.path() / "addr", "203.0.113.51\n");
    server.push({"badauth", -1, 401});
    r = once();
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(r.output.find(kPassword), std::string::npos) << r.output;

    server.push({"dnserr"});
    r = once();
    EXPECT_EQ(r.exit_code, 3) << r.output;

    write_config("colour = blue\n");
    r = once();
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(server.count(), 3u);
    r = run_command({DDNS_AGENT_BINARY, "--config", config.string(), "--check-config"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
}

TEST_F(ScriptedAgent, NoServerIsATemporaryFailure) {
    write_file(config, "server = http://127.0.0.1:" + std::to_string(free_port()) +
                           "\ninsecure_http = yes\nusername = a\npassword = b\nhostname = "
                           "h.example.test\nipv4 = file " +
                           (dir.path() / "addr").string() + "\ntimeout = 2s\n");
    EXPECT_EQ(once().exit_code, 3);
}

TEST_F(ScriptedAgent, CorruptStateFileDoesNotBlock) {
    write_file(dir.path() / "state", std::string("\0\0garbage\xff\n", 11));
    server.push({"nochg 203.0.113.50"});
    const auto r = once();
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(server.count(), 1u);
    EXPECT_NE(read_file(dir.path() / "state").find("home.example.test v4 203.0.113.50"),
              std::string::npos);
}

TEST_F(ScriptedAgent, DnserrBacksOffExponentially) {
    for (int i = 0; i < 4; ++i) server.push({"dnserr"});
    server.push({"good 203.0.113.50"});
    auto agent = daemon();
    ASSERT_TRUE(wait_until([&] { return server.count() >= 5; }, std::chrono::seconds(30)))
        << agent->log();
    const auto s = server.seen();
    // Ceilings 1, 2, 4, 4 s; the delay is drawn from [ceiling/2, ceiling] (at least 1 s).
    EXPECT_GE(gap(s[0], s[1]), 0.9);
    EXPECT_LE(gap(s[0], s[1]), 1.9);
    EXPECT_GE(gap(s[1], s[2]), 0.9);
    EXPECT_GE(gap(s[2], s[3]), 1.9);
    EXPECT_GE(gap(s[3], s[4]), 1.9);
    EXPECT_LE(gap(s[3], s[4]), 5.0);
    // After the success nothing more is sent while the address stays the same.
    EXPECT_FALSE(wait_until([&] { return server.count() > 5; }, std::chrono::seconds(3)));
}

TEST_F(ScriptedAgent, RetryAfterIsObeyed) {
    server.push({"abuse", 5});
    server.push({"good 203.0.113.50"});
    auto agent = daemon();
    ASSERT_TRUE(wait_until([&] { return server.count() >= 2; }, std::chrono::seconds(30)))
        << agent->log();
    EXPECT_GE(gap(server.seen()[0], server.seen()[1]), 4.9);
}

TEST_F(ScriptedAgent, BadauthStopsUntilSignalled) {
    server.push({"badauth", -1, 401});
    auto agent = daemon();
    ASSERT_TRUE(wait_until([&] { return server.count() >= 1; })) << agent->log();
    // With interval and backoff of 1 s, a retrying agent would have sent several more by now.
    EXPECT_FALSE(wait_until([&] { return server.count() > 1; }, std::chrono::seconds(4)))
        << agent->log();
    EXPECT_NE(read_file(dir.path() / "status.json").find("\"stopped\""), std::string::npos);
    server.push({"good 203.0.113.50"});
    ::kill(agent->pid(), SIGUSR1);
    EXPECT_TRUE(wait_until([&] { return server.count() == 2; })) << agent->log();
    EXPECT_EQ(agent->stop(), 0);
    EXPECT_NE(agent->log().find("badauth"), std::string::npos) << agent->log();
    EXPECT_EQ(agent->log().find(kPassword), std::string::npos) << agent->log();
}

TEST_F(ScriptedAgent, SighupReloadsTheConfiguration) {
    server.push({"good 203.0.113.50"});
    auto agent = daemon();
    ASSERT_TRUE(wait_until([&] { return server.count() >= 1; })) << agent->log();
    write_config("hostname = other.example.test\n");
    server.push({"good 203.0.113.50"});
    ::kill(agent->pid(), SIGHUP);
    ASSERT_TRUE(wait_until([&] { return server.count() >= 2; })) << agent->log();
    EXPECT_NE(server.seen()[1].target.find("hostname=other.example.test"), std::string::npos);
}

}  // namespace
}  // namespace ddns::test
