// Update rounds with a scripted transport and a clock the test moves: what is sent, when, and
// what each answer does to the schedule, the state file and the status.
#include <gtest/gtest.h>

#include <deque>

#include "ddns/agent/agent.hpp"
#include "test_support.hpp"

namespace ddns::agent {
namespace {

using std::chrono::seconds;

struct Script {
    std::deque<HttpReply> replies;
    std::vector<HttpRequest> sent;
};

AgentConfig base_config(const std::filesystem::path& dir, Protocol protocol = Protocol::Dyndns2) {
    auto parsed = parse_config(
        "server = https://gw.example.org\nusername = alice\npassword = pw-NEVER-LOGGED\n"
        "hostname = home.example.org\nipv4 = file " +
        (dir / "addr").string() + "\nstate_file = " + (dir / "state").string() +
        "\nstatus_file = " + (dir / "status.json").string() +
        "\nbackoff_min = 10s\nbackoff_max = 80s\n");
    EXPECT_TRUE(parsed) << parsed.error();
    parsed->protocol = protocol;
    return *parsed;
}

class Round : public ::testing::Test {
protected:
    void SetUp() override { test::write_file(dir.path() / "addr", "203.0.113.10\n"); }
    Agent make(const AgentConfig& config) {
        Agent agent(
            config,
            [this](const HttpRequest& r) {
                script.sent.push_back(r);
                if (script.replies.empty()) return HttpReply{0, "", std::nullopt, "no script"};
                HttpReply reply = script.replies.front();
                script.replies.pop_front();
                return reply;
            },
            [](const std::string&) { return std::optional<std::string>(); });
        agent.set_random([] { return std::uint64_t{0}; });  // lower edge of every jitter window
        return agent;
    }
    void reply(int status, std::string body, std::optional<seconds> retry = {}) {
        script.replies.push_back({status, std::move(body), retry, {}});
    }

    test::TempDir dir{"ddns-agent"};
    Script script;
    const TimePoint t0 = TimePoint(seconds(1'800'000'000));
};

TEST_F(Round, SendsOnceThenOnlyOnChangeOrAfterMaxInterval) {
    Agent agent = make(base_config(dir.path()));
    reply(200, "good 203.0.113.10");
    EXPECT_EQ(agent.run_round(t0, false), RoundResult::Success);
    ASSERT_EQ(script.sent.size(), 1u);
    EXPECT_EQ(script.sent[0].url,
              "https://gw.example.org/nic/update?hostname=home.example.org&myip=203.0.113.10");
    EXPECT_TRUE(script.sent[0].basic_auth);
    EXPECT_EQ(agent.run_round(t0 + seconds(300), false), RoundResult::Success);
    EXPECT_EQ(script.sent.size(), 1u);  // unchanged: nothing sent
    test::write_file(dir.path() / "addr", "203.0.113.11\n");
    reply(200, "good 203.0.113.11");
    agent.run_round(t0 + seconds(600), false);
    ASSERT_EQ(script.sent.size(), 2u);
    reply(200, "nochg 203.0.113.11");
    agent.run_round(t0 + seconds(600 + 86400), false);
    EXPECT_EQ(script.sent.size(), 3u);  // max_interval: forced refresh
    const std::string status = test::read_file(dir.path() / "status.json");
    EXPECT_NE(status.find("\"state\": \"ok\""), std::string::npos) << status;
    EXPECT_NE(status.find("\"ipv4\": \"203.0.113.11\""), std::string::npos) << status;
}

TEST_F(Round, DnserrBacksOffExponentiallyUpToTheCap) {
    Agent agent = make(base_config(dir.path()));
    TimePoint now = t0;
    std::vector<long long> delays;
    for (int i = 0; i < 6; ++i) {
        reply(200, "dnserr");
        EXPECT_EQ(agent.run_round(now, false), RoundResult::Temporary);
        const TimePoint next = agent.next_wakeup(now);
        // Not due a second earlier: nothing is sent.
        const std::size_t before = script.sent.size();
        agent.run_round(next - seconds(1), false);
        EXPECT_EQ(script.sent.size(), before);
        delays.push_back(std::chrono::duration_cast<seconds>(next - now).count());
        now = next;
    }
    // Lower edge of [c/2, c] with c = 10, 20, 40, 80, 80, 80.
    EXPECT_EQ(delays, (std::vector<long long>{5, 10, 20, 40, 40, 40}));
    reply(200, "good 203.0.113.10");
    EXPECT_EQ(agent.run_round(now, false), RoundResult::Success);
}

TEST_F(Round, RetryAfterIsObeyed) {
    Agent agent = make(base_config(dir.path()));
    reply(200, "abuse", seconds(900));
    EXPECT_EQ(agent.run_round(t0, false), RoundResult::Temporary);
    agent.run_round(t0 + seconds(899), false);
    EXPECT_EQ(script.sent.size(), 1u);
    reply(200, "good 203.0.113.10");
    EXPECT_EQ(agent.run_round(t0 + seconds(900), false), RoundResult::Success);
    EXPECT_EQ(script.sent.size(), 2u);
}

TEST_F(Round, BadauthStopsTheHostUntilForced) {
    Agent agent = make(base_config(dir.path()));
    reply(401, "badauth");
    testing::internal::CaptureStderr();
    EXPECT_EQ(agent.run_round(t0, false), RoundResult::Fatal);
    for (int i = 1; i < 50; ++i) agent.run_round(t0 + seconds(3600 * i), false);
    const std::string log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(script.sent.size(), 1u);
    EXPECT_NE(log.find("badauth"), std::string::npos) << log;
    EXPECT_EQ(log.find("pw-NEVER-LOGGED"), std::string::npos) << log;
    EXPECT_NE(test::read_file(dir.path() / "status.json").find("\"stopped\""), std::string::npos);
    reply(200, "good 203.0.113.10");
    EXPECT_EQ(agent.run_round(t0 + seconds(200000), true), RoundResult::Success);
    EXPECT_EQ(script.sent.size(), 2u);
}

TEST_F(Round, CorruptStateFileIsRebuiltByAFreshSend) {
    test::write_file(dir.path() / "state",
                     "\x7f"
                     "ELF garbage\nhome.example.org v4\n");
    Agent agent = make(base_config(dir.path()));
    reply(200, "good 203.0.113.10");
    EXPECT_EQ(agent.run_round(t0, false), RoundResult::Success);
    EXPECT_EQ(script.sent.size(), 1u);
    const LoadedState state = load_state((dir.path() / "state").string());
    EXPECT_FALSE(state.corrupt);
    EXPECT_EQ(state.entries.at("home.example.org v4").address, "203.0.113.10");
}

TEST_F(Round, StaleStateFromTheFutureDoesNotBlock) {
    test::write_file(dir.path() / "state",
                     "# ddns-agent state v1\nhome.example.org v4 203.0.113.10 4000000000\n");
    Agent agent = make(base_config(dir.path()));
    reply(200, "nochg 203.0.113.10");
    agent.run_round(t0, false);
    EXPECT_EQ(script.sent.size(), 1u);
}

TEST_F(Round, InvalidFileAddressIsNeverSent) {
    test::write_file(dir.path() / "addr", "203.0.113.300\n");
    Agent agent = make(base_config(dir.path()));
    EXPECT_EQ(agent.run_round(t0, false), RoundResult::Temporary);
    EXPECT_TRUE(script.sent.empty());
}

TEST_F(Round, MyserverDeletesTheCachedOldAddressThenAdds) {
    Agent agent = make(base_config(dir.path(), Protocol::Myserver));
    reply(200, "DNS ADD:SUCCESS");
    agent.run_round(t0, false);
    test::write_file(dir.path() / "addr", "203.0.113.20\n");
    reply(200, "Error:Record Not Found");
    reply(200, "DNS ADD:SUCCESS");
    EXPECT_EQ(agent.run_round(t0 + seconds(300), false), RoundResult::Success);
    ASSERT_EQ(script.sent.size(), 3u);
    EXPECT_NE(script.sent[1].url.find("FXN=Delete"), std::string::npos);
    EXPECT_NE(script.sent[1].url.find("IP=203.0.113.10"), std::string::npos);
    EXPECT_NE(script.sent[2].url.find("FXN=Add"), std::string::npos);
    EXPECT_NE(script.sent[2].url.find("IP=203.0.113.20"), std::string::npos);
}

TEST_F(Round, DynamipHeartbeatEveryHeartbeatInterval) {
    AgentConfig config = base_config(dir.path(), Protocol::Dynamip);
    Agent agent = make(config);
    for (int i = 0; i < 3; ++i) reply(200, "IP Address for home.example.org set to 203.0.113.10");
    agent.run_round(t0, false);
    agent.run_round(t0 + seconds(300), false);
    EXPECT_EQ(script.sent.size(), 1u);
    agent.run_round(t0 + seconds(900), false);
    EXPECT_EQ(script.sent.size(), 2u);
    EXPECT_NE(script.sent[1].url.find("/Login/updateip.asp?SiteID=home.example.org"),
              std::string::npos);
}

TEST_F(Round, HeartbeatShorterThanTheIntervalWakesTheAgent) {
    AgentConfig config = base_config(dir.path(), Protocol::Dynamip);
    config.interval = seconds(3600);
    config.heartbeat_interval = seconds(600);
    Agent agent = make(config);
    reply(200, "IP Address for home.example.org set to 203.0.113.10");
    agent.run_round(t0, false);
    EXPECT_EQ(agent.next_wakeup(t0), t0 + seconds(600));
    reply(200, "IP Address for home.example.org set to 203.0.113.10");
    agent.run_round(t0 + seconds(600), false);
    EXPECT_EQ(script.sent.size(), 2u);
}

}  // namespace
}  // namespace ddns::agent
