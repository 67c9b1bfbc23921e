// Answer classification and backoff, one row per case.
#include <gtest/gtest.h>

#include "ddns/agent/answer.hpp"
#include "ddns/agent/backoff.hpp"

namespace ddns::agent {
namespace {

using std::chrono::seconds;

struct Row {
    Protocol protocol;
    int status;
    std::string body;
    std::optional<seconds> retry_after;
    Verdict verdict;
};

class AnswerRows : public ::testing::TestWithParam<Row> {};

TEST_P(AnswerRows, Classifies) {
    const Row& r = GetParam();
    const Answer a = classify(r.protocol, {r.status, r.body, r.retry_after, "refused"});
    EXPECT_EQ(a.verdict, r.verdict) << r.status << " " << r.body << " -> " << a.reason;
    EXPECT_EQ(a.retry_after, r.retry_after);
}

constexpr auto D = Protocol::Dyndns2;
constexpr auto Z = Protocol::Dynamic;
constexpr auto P = Protocol::Dynamip;
constexpr auto M = Protocol::Myserver;
constexpr auto S = Verdict::Success;
constexpr auto T = Verdict::Temporary;
constexpr auto F = Verdict::Fatal;

INSTANTIATE_TEST_SUITE_P(
    Agent, AnswerRows,
    ::testing::Values(
        Row{D, 200, "good 203.0.113.1\n", {}, S}, Row{D, 200, "nochg 203.0.113.1", {}, S},
        Row{D, 401, "badauth", {}, F}, Row{D, 200, "nohost", {}, F}, Row{D, 200, "notfqdn", {}, F},
        Row{D, 200, "!donator", {}, F}, Row{D, 200, "numhost", {}, F}, Row{D, 200, "dnserr", {}, T},
        Row{D, 200, "911", {}, T}, Row{D, 200, "abuse", seconds(60), T},
        Row{D, 200, "abuse", {}, F}, Row{D, 503, "", {}, T}, Row{D, 0, "", {}, T},
        Row{D, 404, "not found", {}, F}, Row{Z, 200, "OK", {}, S},
        Row{Z, 403, "bad credentials", {}, F}, Row{Z, 404, "host not found", {}, F},
        Row{Z, 400, "address not allowed", {}, F}, Row{Z, 502, "dns update failed", {}, T},
        Row{Z, 503, "backend unavailable", {}, T}, Row{Z, 429, "slow down", seconds(30), T},
        Row{P, 200, "IP Address for h set to 203.0.113.1\r\nExpiry[[[x]]]", {}, S},
        Row{P, 200, "{{{Invalid Password|wrong}}}", {}, F},
        Row{P, 200, "{{{Account Expired|x}}}", {}, F}, Row{P, 200, "{{{Server Error|x}}}", {}, T},
        Row{P, 200, "{{{Too Many Attempts|x}}}", seconds(60), T},
        Row{M, 200, "DNS ADD:SUCCESS\r\n", {}, S}, Row{M, 200, "DNS DELETE:SUCCESS", {}, S},
        Row{M, 200, "Error:Record Already Exists", {}, S},
        Row{M, 200, "Error:Invalid Password", {}, F}, Row{M, 200, "Error:Permission Denied", {}, F},
        Row{M, 200, "Error:Server Error", {}, T}, Row{M, 500, "", {}, T}));

TEST(RetryAfter, Parses) {
    EXPECT_EQ(parse_retry_after("120"), seconds(120));
    EXPECT_EQ(parse_retry_after(" 5 "), seconds(5));
    EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
    EXPECT_EQ(parse_retry_after("-3"), std::nullopt);
    EXPECT_EQ(parse_retry_after(""), std::nullopt);
}

TEST(Backoff, DoublesWithJitterUpToTheCap) {
    const BackoffPolicy p{seconds(30), seconds(600)};
    // random 0 gives the lower edge (half the ceiling), a huge value stays within the ceiling.
    EXPECT_EQ(backoff_delay(p, 1, 0, {}), seconds(15));
    EXPECT_EQ(backoff_delay(p, 2, 0, {}), seconds(30));
    EXPECT_EQ(backoff_delay(p, 3, 0, {}), seconds(60));
    EXPECT_EQ(backoff_delay(p, 10, 0, {}), seconds(300));
    EXPECT_EQ(backoff_delay(p, 1, 15, {}), seconds(30));
    EXPECT_EQ(backoff_delay(p, 50, 300, {}), seconds(600));
    for (std::uint64_t r = 0; r < 2000; r += 7) {
        const auto d = backoff_delay(p, 4, r, {});
        EXPECT_GE(d, seconds(120));
        EXPECT_LE(d, seconds(240));
    }
}

TEST(Backoff, RetryAfterWinsWhenLonger) {
    const BackoffPolicy p{seconds(30), seconds(600)};
    EXPECT_EQ(backoff_delay(p, 1, 0, seconds(3600)), seconds(3600));
    EXPECT_EQ(backoff_delay(p, 3, 0, seconds(5)), seconds(60));
}

}  // namespace
}  // namespace ddns::agent
