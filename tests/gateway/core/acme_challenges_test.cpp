// ACME challenge values against fakes: the value rule row by row, the challenge name, at most two
// values (a third replaces the oldest), idempotent present and cleanup, and a refused name.
#include "ddns/gateway/core/acme_challenges.hpp"
#include "fakes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ddns::gateway {
namespace {

using fakes::FakeRecordStore;
using fakes::FakeSender;

DnsName name(const char* text) {
    return *DnsName::parse(text);
}

struct ValueCase {
    std::string value;
    bool valid;
};

class ChallengeValue : public ::testing::TestWithParam<ValueCase> {};

TEST_P(ChallengeValue, Row) {
    EXPECT_EQ(valid_challenge_value(GetParam().value), GetParam().valid) << GetParam().value;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ChallengeValue,
    ::testing::Values(ValueCase{"LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo", true},
                      ValueCase{std::string(43, 'A'), true}, ValueCase{std::string(42, 'A'), false},
                      ValueCase{std::string(44, 'A'), false},
                      ValueCase{std::string(42, 'A') + "=", false},
                      ValueCase{std::string(42, 'A') + "+", false},
                      ValueCase{std::string(42, 'A') + "/", false},
                      ValueCase{std::string(42, 'A') + " ", false},
                      ValueCase{std::string(42, 'A') + "\"", false}, ValueCase{"", false}));

TEST(ChallengeName, PrependsAndStripsTheLabel) {
    EXPECT_EQ(challenge_name(name("home.dyn.example")), name("_acme-challenge.home.dyn.example"));
    EXPECT_EQ(challenge_host(name("_acme-challenge.home.dyn.example")), name("home.dyn.example"));
    EXPECT_FALSE(challenge_host(name("home.dyn.example")));
    EXPECT_FALSE(challenge_host(name("_acme-challenge")));
    EXPECT_FALSE(challenge_host(name("x._acme-challenge.home.dyn.example")));
}

class AcmeChallengesTest : public ::testing::Test {
protected:
    static auth::Host make_host() {
        auto zone = std::make_shared<const auth::Zone>(
            auth::Zone{7, name("dyn.example"), ServerEndpoint{*IpAddress::parse("127.0.0.1"), 53},
                       make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0").value(), 30,
                       std::nullopt});
        return auth::Host{
            100, 10, name("home.dyn.example"), 60, std::nullopt, std::nullopt, std::nullopt, zone};
    }

    std::vector<std::string> values() {
        std::vector<std::string> out;
        for (const auto& rr : store.stored(7))
            if (rr.owner() == name("_acme-challenge.home.dyn.example") &&
                rr.type() == RecordType::TXT)
                out.push_back(std::get<TxtData>(rr.data()).strings.at(0));
        return out;
    }

    static std::string value(char c) { return std::string(43, c); }

    auth::Host host = make_host();
    FakeSender sender;
    FakeRecordStore store;
    Logger log{LogLevel::Error};
    RecordService records{sender, store, log};
    AcmeChallenges challenges{records, store};
};

TEST_F(AcmeChallengesTest, AtMostTwoValuesTheOldestGoesFirst) {
    EXPECT_EQ(challenges.present(host, value('a')), ChallengeOutcome::Done);
    EXPECT_EQ(challenges.present(host, value('b')), ChallengeOutcome::Done);
    EXPECT_EQ(values(), (std::vector{value('a'), value('b')}));
    EXPECT_EQ(challenges.present(host, value('c')), ChallengeOutcome::Done);
    EXPECT_EQ(values(), (std::vector{value('b'), value('c')}));
    for (const auto& rr : store.stored(7)) EXPECT_EQ(rr.ttl(), 30U) << "the zone's default TTL";
}

TEST_F(AcmeChallengesTest, PresentingTheSameValueAgainSendsNothing) {
    ASSERT_EQ(challenges.present(host, value('a')), ChallengeOutcome::Done);
    const auto sent = sender.sent.size();
    EXPECT_EQ(challenges.present(host, value('a')), ChallengeOutcome::Done);
    EXPECT_EQ(sender.sent.size(), sent);
    EXPECT_EQ(values(), std::vector{value('a')});
}

TEST_F(AcmeChallengesTest, CleanupRemovesOnlyItsValueAndSucceedsWhenItIsGone) {
    ASSERT_EQ(challenges.present(host, value('a')), ChallengeOutcome::Done);
    ASSERT_EQ(challenges.present(host, value('b')), ChallengeOutcome::Done);
    EXPECT_EQ(challenges.cleanup(host, value('a')), ChallengeOutcome::Done);
    EXPECT_EQ(values(), std::vector{value('b')});
    EXPECT_EQ(challenges.cleanup(host, value('a')), ChallengeOutcome::Done);
    EXPECT_EQ(values(), std::vector{value('b')});
}

TEST_F(AcmeChallengesTest, AnInvalidValueIsRefusedWithoutDnsTraffic) {
    EXPECT_EQ(challenges.present(host, "short"), ChallengeOutcome::Refused);
    EXPECT_EQ(challenges.cleanup(host, "short"), ChallengeOutcome::Refused);
    EXPECT_TRUE(sender.sent.empty());
}

}  // namespace
}  // namespace ddns::gateway
