// The pure host-lifecycle rules: due decisions, effective heartbeat, offline addresses, the
// sweeper's UPDATE with prerequisites, and admin durations.
#include "ddns/gateway/core/host_lifecycle.hpp"

#include <gtest/gtest.h>

#include "ddns/auth/lifecycle.hpp"
#include "ddns/gateway/base/duration.hpp"

namespace ddns::gateway {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}
DnsName name(const char* text) {
    return *DnsName::parse(text);
}

const auth::TimePoint kNow = auth::TimePoint(std::chrono::hours(24 * 365 * 50));

struct DueRow {
    const char* what;
    std::optional<seconds> timeout;
    std::optional<seconds> seen_ago;     // nullopt: never seen
    std::optional<seconds> expired_ago;  // negative: expires in the future
    bool offline;
    std::optional<auth::OfflineReason> expected;
};

TEST(OfflineDue, TableOfCases) {
    const DueRow rows[] = {
        {"no heartbeat", std::nullopt, minutes(600), std::nullopt, false, std::nullopt},
        {"within the timeout", minutes(20), minutes(19), std::nullopt, false, std::nullopt},
        {"exactly at the timeout", minutes(20), minutes(20), std::nullopt, false, std::nullopt},
        {"past the timeout", minutes(20), minutes(20) + seconds(1), std::nullopt, false,
         auth::OfflineReason::Heartbeat},
        {"never seen", minutes(20), std::nullopt, std::nullopt, false, std::nullopt},
        {"already offline", minutes(20), minutes(60), seconds(10), true, std::nullopt},
        {"expired now", std::nullopt, std::nullopt, seconds(0), false,
         auth::OfflineReason::Expired},
        {"expires later", std::nullopt, seconds(1), seconds(-10), false, std::nullopt},
        {"expired beats heartbeat", minutes(1), minutes(60), seconds(5), false,
         auth::OfflineReason::Expired},
    };
    for (const auto& row : rows) {
        auth::Host h{1,      1, name("h.example.org"), 60, std::nullopt, std::nullopt, std::nullopt,
                     nullptr};
        h.heartbeat_timeout = row.timeout;
        if (row.seen_ago) h.last_seen = kNow - *row.seen_ago;
        h.offline = row.offline;
        std::optional<auth::TimePoint> expires;
        if (row.expired_ago) expires = kNow - *row.expired_ago;
        EXPECT_EQ(auth::offline_due(h, expires, kNow), row.expected) << row.what;
    }
}

TEST(EffectiveHeartbeat, HostSettingOverZoneDefault) {
    EXPECT_EQ(auth::effective_heartbeat(std::nullopt, std::nullopt), std::nullopt);
    EXPECT_EQ(auth::effective_heartbeat(std::nullopt, minutes(20)), minutes(20));
    EXPECT_EQ(auth::effective_heartbeat(seconds(0), minutes(20)), std::nullopt);
    EXPECT_EQ(auth::effective_heartbeat(seconds(90), minutes(20)), seconds(90));
    EXPECT_EQ(auth::effective_heartbeat(seconds(90), std::nullopt), seconds(90));
    // The protocol's default (DynamIP) comes last.
    EXPECT_EQ(auth::effective_heartbeat(std::nullopt, std::nullopt, minutes(20)), minutes(20));
    EXPECT_EQ(auth::effective_heartbeat(std::nullopt, minutes(5), minutes(20)), minutes(5));
    EXPECT_EQ(auth::effective_heartbeat(seconds(0), std::nullopt, minutes(20)), std::nullopt);
    EXPECT_EQ(auth::effective_heartbeat(seconds(90), std::nullopt, minutes(20)), seconds(90));
}

TEST(EffectiveOfflineAction, HostSettingOverZoneAction) {
    using A = auth::OfflineAction;
    EXPECT_EQ(auth::effective_offline_action(std::nullopt, A::Delete), A::Delete);
    EXPECT_EQ(auth::effective_offline_action(std::nullopt, A::Sentinel), A::Sentinel);
    EXPECT_EQ(auth::effective_offline_action(A::Sentinel, A::Delete), A::Sentinel);
    EXPECT_EQ(auth::effective_offline_action(A::Delete, A::Sentinel), A::Delete);
}

TEST(OfflineAddresses, DeleteOrSentinelPerFamilyTheHostHad) {
    const auth::StoredAddresses both{1, ip("192.0.2.1"), ip("2001:db8::1")};
    const auth::StoredAddresses v6only{1, std::nullopt, ip("2001:db8::1")};
    auto d = offline_addresses(both, auth::OfflineAction::Delete);
    EXPECT_TRUE(d.offline);
    EXPECT_EQ(d.ipv4, std::nullopt);
    EXPECT_EQ(d.ipv6, std::nullopt);
    auto s = offline_addresses(both, auth::OfflineAction::Sentinel);
    EXPECT_EQ(s.ipv4, ip("0.0.0.0"));
    EXPECT_EQ(s.ipv6, ip("::"));
    s = offline_addresses(v6only, auth::OfflineAction::Sentinel);
    EXPECT_EQ(s.ipv4, std::nullopt) << "no A appears for a host that had none";
    EXPECT_EQ(s.ipv6, ip("::"));
    // Already offline: left as it is, whatever the action says now.
    const auth::StoredAddresses off{1, ip("0.0.0.0"), std::nullopt, true};
    EXPECT_EQ(offline_addresses(off, auth::OfflineAction::Delete).ipv4, ip("0.0.0.0"));
}

TEST(OfflineAddresses, SentinelIsNeverKeptOnline) {
    EXPECT_EQ(without_sentinel(ip("0.0.0.0")), std::nullopt);
    EXPECT_EQ(without_sentinel(ip("::")), std::nullopt);
    EXPECT_EQ(without_sentinel(ip("192.0.2.1")), ip("192.0.2.1"));
    EXPECT_EQ(without_sentinel(std::nullopt), std::nullopt);
}

class OfflineUpdateTest : public ::testing::Test {
protected:
    auth::Zone zone(auth::OfflineAction action) {
        auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0");
        auth::Zone z{1,  name("example.org"), ServerEndpoint{ip("127.0.0.1"), 53}, std::move(*key),
                     60, std::nullopt};
        z.offline_action = action;
        return z;
    }
    auth::Host host(const char* n, std::optional<IpAddress> v4, std::optional<IpAddress> v6) {
        return auth::Host{1, 1, name(n), 30, v4, v6, std::nullopt, nullptr};
    }
};

TEST_F(OfflineUpdateTest, DeletePairsEachRemovalWithAPrerequisiteOnTheStoredAddress) {
    const auto z = zone(auth::OfflineAction::Delete);
    const auth::Host a = host("a.example.org", ip("192.0.2.1"), ip("2001:db8::1"));
    const auth::Host b = host("b.example.org", std::nullopt, std::nullopt);
    const auth::Host c = host("c.example.org", std::nullopt, ip("2001:db8::3"));
    const UpdateRequest r = offline_update(z, {&a, &b, &c});
    EXPECT_EQ(r.zone, name("example.org"));
    ASSERT_EQ(r.prerequisites.size(), 3u);
    ASSERT_EQ(r.operations.size(), 3u);
    const auto& p0 = std::get<RRsetExistsValue>(r.prerequisites[0]).record;
    EXPECT_EQ(p0.owner(), name("a.example.org"));
    EXPECT_EQ(p0.type(), RecordType::A);
    EXPECT_EQ(p0.data(), Rdata(ip("192.0.2.1")));
    EXPECT_EQ(std::get<RRsetExistsValue>(r.prerequisites[1]).record.type(), RecordType::AAAA);
    EXPECT_EQ(std::get<RRsetExistsValue>(r.prerequisites[2]).record.owner(), name("c.example.org"));
    EXPECT_EQ(std::get<DeleteRRset>(r.operations[0]).type, RecordType::A);
    EXPECT_EQ(std::get<DeleteRRset>(r.operations[1]).type, RecordType::AAAA);
    EXPECT_EQ(std::get<DeleteRRset>(r.operations[2]).owner, name("c.example.org"));
}

TEST_F(OfflineUpdateTest, SentinelReplacesEachFamilyWithItsZeroAddress) {
    const auto z = zone(auth::OfflineAction::Sentinel);
    const auth::Host a = host("a.example.org", ip("192.0.2.1"), ip("2001:db8::1"));
    const UpdateRequest r = offline_update(z, {&a});
    ASSERT_EQ(r.prerequisites.size(), 2u);
    ASSERT_EQ(r.operations.size(), 4u);
    EXPECT_EQ(std::get<DeleteRRset>(r.operations[0]).type, RecordType::A);
    const auto& add4 = std::get<AddRecord>(r.operations[1]).record;
    EXPECT_EQ(add4.data(), Rdata(ip("0.0.0.0")));
    EXPECT_EQ(add4.ttl(), 30u);
    EXPECT_EQ(std::get<AddRecord>(r.operations[3]).record.data(), Rdata(ip("::")));
}

TEST_F(OfflineUpdateTest, EachHostsOwnActionOverridesTheZones) {
    const auto z = zone(auth::OfflineAction::Delete);
    auth::Host own = host("own.example.org", ip("192.0.2.1"), std::nullopt);
    own.offline_action = auth::OfflineAction::Sentinel;
    const auth::Host follows = host("follows.example.org", ip("192.0.2.2"), std::nullopt);
    const UpdateRequest r = offline_update(z, {&own, &follows});
    ASSERT_EQ(r.operations.size(), 3u);
    EXPECT_EQ(std::get<DeleteRRset>(r.operations[0]).owner, name("own.example.org"));
    const auto& sentinel = std::get<AddRecord>(r.operations[1]).record;
    EXPECT_EQ(sentinel.owner(), name("own.example.org"));
    EXPECT_EQ(sentinel.data(), Rdata(ip("0.0.0.0")));
    EXPECT_EQ(std::get<DeleteRRset>(r.operations[2]).owner, name("follows.example.org"));

    // The reverse: a host that deletes in a sentinel zone.
    auth::Host deletes = host("deletes.example.org", std::nullopt, ip("2001:db8::4"));
    deletes.offline_action = auth::OfflineAction::Delete;
    const UpdateRequest s = offline_update(zone(auth::OfflineAction::Sentinel), {&deletes});
    ASSERT_EQ(s.operations.size(), 1u);
    EXPECT_EQ(std::get<DeleteRRset>(s.operations[0]).type, RecordType::AAAA);
}

TEST(Heartbeat, ParseAndFormat) {
    const std::pair<const char*, std::optional<seconds>> rows[] = {
        {"900", seconds(900)},  {"90s", seconds(90)},   {"20m", minutes(20)},
        {"2h", seconds(7200)},  {"1d", seconds(86400)}, {"365d", seconds(365 * 86400)},
        {"366d", std::nullopt}, {"0", std::nullopt},    {"0m", std::nullopt},
        {"-5m", std::nullopt},  {"m", std::nullopt},    {"", std::nullopt},
        {"20 m", std::nullopt}, {"20x", std::nullopt},  {"1.5h", std::nullopt},
        {"off", std::nullopt},
    };
    for (const auto& [text, expected] : rows) EXPECT_EQ(parse_heartbeat(text), expected) << text;
    EXPECT_EQ(format_duration(minutes(20)), "20m");
    EXPECT_EQ(format_duration(seconds(90)), "90s");
    EXPECT_EQ(format_duration(seconds(7200)), "2h");
    EXPECT_EQ(format_duration(seconds(172800)), "2d");
    EXPECT_EQ(format_duration(seconds(0)), "0s");
}

}  // namespace
}  // namespace ddns::gateway
