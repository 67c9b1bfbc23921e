// The rule "may this name become a host": the apex never, a name BIND holds records at only with
// the operator's override, and nothing when BIND could not be asked.
#include "ddns/gateway/core/host_name_rule.hpp"

#include <gtest/gtest.h>

#include <variant>

namespace ddns::gateway {
namespace {

const DnsName kZone = *DnsName::parse("example.test");
const DnsName kHost = *DnsName::parse("router.example.test");

UpdateResult answer(UpdateStatus status) {
    return UpdateResult{status, "test"};
}

TEST(HostNameRule, TheProbeIsOnlyTheNameNotInUsePrerequisite) {
    const UpdateRequest probe = name_unused_probe(kZone, kHost);
    EXPECT_EQ(probe.zone, kZone);
    EXPECT_TRUE(probe.operations.empty());
    ASSERT_EQ(probe.prerequisites.size(), 1u);
    const auto* absent = std::get_if<NameAbsent>(&probe.prerequisites[0]);
    ASSERT_NE(absent, nullptr);
    EXPECT_EQ(absent->owner, kHost);
}

TEST(HostNameRule, TheApexIsRefusedWithoutAskingAndDespiteTheOverride) {
    EXPECT_FALSE(host_name_needs_probe(kZone, kZone, false));
    EXPECT_EQ(host_name_verdict(kZone, kZone, std::nullopt, false), HostNameVerdict::ZoneApex);
    EXPECT_EQ(host_name_verdict(kZone, kZone, std::nullopt, true), HostNameVerdict::ZoneApex);
    EXPECT_EQ(host_name_verdict(kZone, kZone, answer(UpdateStatus::Success), false),
              HostNameVerdict::ZoneApex);
}

TEST(HostNameRule, BindsAnswerDecidesBelowTheApex) {
    EXPECT_TRUE(host_name_needs_probe(kZone, kHost, false));
    EXPECT_EQ(host_name_verdict(kZone, kHost, answer(UpdateStatus::Success), false),
              HostNameVerdict::Allowed);
    EXPECT_EQ(host_name_verdict(kZone, kHost, answer(UpdateStatus::YxDomain), false),
              HostNameVerdict::InUse);
    for (const auto status : {UpdateStatus::Timeout, UpdateStatus::Refused, UpdateStatus::NotAuth,
                              UpdateStatus::NxRrset, UpdateStatus::NetworkError})
        EXPECT_EQ(host_name_verdict(kZone, kHost, answer(status), false),
                  HostNameVerdict::Unverified);
    EXPECT_EQ(host_name_verdict(kZone, kHost, std::nullopt, false), HostNameVerdict::Unverified);
}

TEST(HostNameRule, TheOverrideTakesAnExistingNameWithoutAsking) {
    EXPECT_FALSE(host_name_needs_probe(kZone, kHost, true));
    EXPECT_EQ(host_name_verdict(kZone, kHost, std::nullopt, true), HostNameVerdict::Allowed);
}

}  // namespace
}  // namespace ddns::gateway
