// The no-change budget's arithmetic, with the time given by the test.
#include "ddns/auth/nochg_budget.hpp"

#include <gtest/gtest.h>

namespace ddns::auth {
namespace {

using std::chrono::seconds;

const TimePoint kStart = TimePoint(seconds(1'700'000'000));
const NochgPolicy kPolicy{seconds(60), 2};

TEST(NochgRetryAfter, WithinTheBudgetIsNoWait) {
    EXPECT_EQ(nochg_retry_after({kStart, 1}, kPolicy, kStart), seconds(0));
    EXPECT_EQ(nochg_retry_after({kStart, 2}, kPolicy, kStart + seconds(59)), seconds(0));
}

TEST(NochgRetryAfter, OverTheBudgetWaitsUntilTheWindowEnds) {
    EXPECT_EQ(nochg_retry_after({kStart, 3}, kPolicy, kStart), seconds(60));
    EXPECT_EQ(nochg_retry_after({kStart, 3}, kPolicy, kStart + seconds(45)), seconds(15));
    // Rounded up, and never 0 while the window lasts.
    EXPECT_EQ(nochg_retry_after({kStart, 9}, kPolicy, kStart + std::chrono::milliseconds(59'001)),
              seconds(1));
    EXPECT_EQ(nochg_retry_after({kStart, 9}, kPolicy, kStart + std::chrono::milliseconds(58'500)),
              seconds(2));
}

TEST(NochgRetryAfter, APassedWindowOrNoPolicyIsNoWait) {
    EXPECT_EQ(nochg_retry_after({kStart, 3}, kPolicy, kStart + seconds(60)), seconds(0));
    EXPECT_EQ(nochg_retry_after({kStart, 3}, kPolicy, kStart + seconds(3600)), seconds(0));
    EXPECT_EQ(nochg_retry_after({std::nullopt, 3}, kPolicy, kStart), seconds(0));
    EXPECT_EQ(nochg_retry_after({kStart, 3}, NochgPolicy{seconds(0), 2}, kStart), seconds(0));
}

TEST(NochgRetryAfter, BudgetZeroRefusesTheFirstUnchangedUpdate) {
    EXPECT_EQ(nochg_retry_after({kStart, 1}, NochgPolicy{seconds(30), 0}, kStart), seconds(30));
}

TEST(NochgPolicyFor, HostSettingOverridesTheDefaultAndHeartbeatHostsAreExempt) {
    Host host{1, 1, *DnsName::parse("home.example.test"), 60, {}, {}, {}, nullptr};
    EXPECT_EQ(nochg_policy_for(host, kPolicy).interval, seconds(60));
    host.nochg_interval = seconds(10);
    EXPECT_EQ(nochg_policy_for(host, kPolicy).interval, seconds(10));
    EXPECT_EQ(nochg_policy_for(host, kPolicy).budget, 2);
    host.nochg_interval = seconds(0);
    EXPECT_FALSE(nochg_policy_for(host, kPolicy).active());
    host.nochg_interval.reset();
    host.heartbeat_timeout = seconds(1200);
    EXPECT_FALSE(nochg_policy_for(host, kPolicy).active());
}

}  // namespace
}  // namespace ddns::auth
