// The pure rules of notices: which change of a watched condition raises which event, the rate
// limit, the kind words, and the webhook signature (pinned against Python's hmac module).
#include "ddns/auth/notice.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace ddns::auth {
namespace {

using C = NoticeCondition;
using E = NoticeEvent;

struct TransitionRow {
    C condition;
    std::optional<std::string> previous;
    std::string value;
    std::optional<E> event;
};

class Transitions : public ::testing::TestWithParam<TransitionRow> {};

TEST_P(Transitions, RaiseTheirEvent) {
    const auto& r = GetParam();
    EXPECT_EQ(notice_transition(r.condition, r.previous, r.value), r.event);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, Transitions,
    ::testing::Values(
        // Offline: going offline and coming back; a new episode without the way back between.
        TransitionRow{C::Offline, std::nullopt, "", std::nullopt},
        TransitionRow{C::Offline, std::nullopt, "2026-12-07T00:00:00Z", E::HostOffline},
        TransitionRow{C::Offline, "", "2026-12-07T00:00:00Z", E::HostOffline},
        TransitionRow{C::Offline, "2026-12-07T00:00:00Z", "2026-12-07T00:00:00Z", std::nullopt},
        TransitionRow{C::Offline, "2026-12-07T00:00:00Z", "", E::HostOnline},
        TransitionRow{C::Offline, "2026-12-07T00:00:00Z", "2026-12-07T01:00:00Z", E::HostOffline},
        // Failing and budget: raised when they begin, silent when they end.
        TransitionRow{C::Failing, "", "2026-12-07T00:00:00Z", E::HostFailing},
        TransitionRow{C::Failing, "2026-12-07T00:00:00Z", "", std::nullopt},
        TransitionRow{C::Budget, std::nullopt, "2026-12-07T00:00:00Z", E::HostOverBudget},
        TransitionRow{C::Budget, "2026-12-07T00:00:00Z", "", std::nullopt},
        // Address: the first addresses are the baseline; no addresses is no news.
        TransitionRow{C::Address, std::nullopt, "192.0.2.1", std::nullopt},
        TransitionRow{C::Address, "", "192.0.2.1", std::nullopt},
        TransitionRow{C::Address, "192.0.2.1", "192.0.2.1", std::nullopt},
        TransitionRow{C::Address, "192.0.2.1", "192.0.2.2", E::AddressChanged},
        TransitionRow{C::Address, "192.0.2.1", "192.0.2.1 2001:db8::1", E::AddressChanged},
        TransitionRow{C::Address, "192.0.2.1", "", std::nullopt},
        // Expiry: a new expiry time inside the warning window is news again.
        TransitionRow{C::Expiry, std::nullopt, "2026-12-10T00:00:00Z", E::AccountExpiring},
        TransitionRow{C::Expiry, "2026-12-10T00:00:00Z", "2026-12-12T00:00:00Z",
                      E::AccountExpiring},
        TransitionRow{C::Expiry, "2026-12-10T00:00:00Z", "", std::nullopt}));

TEST(NoticeRateLimit, OnePerPeriod) {
    const TimePoint t0{std::chrono::hours(1000)};
    const std::chrono::seconds hour(3600);
    EXPECT_TRUE(notice_due(std::nullopt, t0, hour));
    EXPECT_FALSE(notice_due(t0, t0 + std::chrono::minutes(59), hour));
    EXPECT_TRUE(notice_due(t0, t0 + hour, hour));
    EXPECT_TRUE(notice_due(t0, t0, std::chrono::seconds(0)));
}

TEST(NoticeKinds, ParseAndFormat) {
    EXPECT_EQ(format_notice_kinds(*parse_notice_kinds("expiry, offline,offline")),
              "offline,expiry");
    EXPECT_EQ(format_notice_kinds(*parse_notice_kinds("offline,failing,address,expiry")),
              "offline,failing,address,expiry");
    EXPECT_FALSE(parse_notice_kinds(""));
    EXPECT_EQ(format_notice_kinds(*parse_notice_kinds("offline, ,")), "offline");
    EXPECT_FALSE(parse_notice_kinds(" , "));
    EXPECT_FALSE(parse_notice_kinds("offline,reboot"));
    EXPECT_EQ(kind_of(E::HostOnline), NoticeKind::Offline);
    EXPECT_EQ(kind_of(E::HostOverBudget), NoticeKind::Failing);
    EXPECT_EQ(to_string(E::AddressChanged), "host.address_changed");
}

TEST(WebhookSignature, IsHmacSha256OverTimestampDotBody) {
    // python3: hmac.new(b'whsec_test-secret', b'1765000000.' + body, hashlib.sha256).hexdigest()
    const Secret secret{std::string_view("whsec_test-secret")};
    EXPECT_EQ(webhook_signature(secret, 1765000000, R"({"event":"host.offline"})"),
              "t=1765000000,v1=1fa862fe871e0378ece563978e5809a1dd372a6e844fcf88556febdd2969c5a4");
    EXPECT_NE(webhook_signature(secret, 1765000001, R"({"event":"host.offline"})"),
              webhook_signature(secret, 1765000000, R"({"event":"host.offline"})"));
}

TEST(WebhookSecret, IsRandomAndShaped) {
    const Secret a = generate_webhook_secret();
    const Secret b = generate_webhook_secret();
    EXPECT_EQ(a.expose_view().substr(0, 6), "whsec_");
    EXPECT_EQ(a.size(), 6u + 43u);
    EXPECT_NE(a.expose_view(), b.expose_view());
    EXPECT_EQ(random_notice_id().size(), 32u);
    EXPECT_NE(random_notice_id(), random_notice_id());
}

}  // namespace
}  // namespace ddns::auth
