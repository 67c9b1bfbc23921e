// The update-log facts a dialect gathers: which families an applied update changed, and why a
// failed one failed.
#include <gtest/gtest.h>

#include "ddns/gateway/dialects/audit_facts.hpp"

namespace ddns::gateway {
namespace {

TEST(AuditApplied, NamesTheChangedFamiliesAndTheReasonForAFailure) {
    const auth::Host host{9,
                          1,
                          *DnsName::parse("home.example.org"),
                          60,
                          IpAddress::parse("192.0.2.1"),
                          IpAddress::parse("2001:db8::1"),
                          std::nullopt,
                          nullptr};

    const auto changed = audit_applied(
        host, HostApplyResult{ApplyStatus::Changed, IpAddress::parse("192.0.2.2"), host.ipv6, {}});
    EXPECT_EQ(changed.host_id, 9);
    EXPECT_EQ(changed.name, "home.example.org");
    EXPECT_TRUE(changed.ipv4_changed);
    EXPECT_FALSE(changed.ipv6_changed);
    EXPECT_EQ(changed.detail, "");

    const auto same =
        audit_applied(host, HostApplyResult{ApplyStatus::Unchanged, host.ipv4, host.ipv6, {}});
    EXPECT_FALSE(same.ipv4_changed || same.ipv6_changed);

    const auto failed = audit_applied(
        host, HostApplyResult{ApplyStatus::DnsFailed, host.ipv4, host.ipv6, UpdateStatus::Timeout});
    EXPECT_FALSE(failed.ipv4_changed || failed.ipv6_changed);
    EXPECT_EQ(failed.detail, "DNS update failed: timeout");

    const auto store_down =
        audit_applied(host, HostApplyResult{ApplyStatus::StoreFailed, host.ipv4, host.ipv6, {}});
    EXPECT_EQ(store_down.detail, "database failure");
}

}  // namespace
}  // namespace ddns::gateway
