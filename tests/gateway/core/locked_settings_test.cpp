// The change path writes the settings read under the row lock (auth::HostSettings), not those of
// the principal it was given, which the principal cache may answer from a copy up to
// cache.max_lag_ms old: the TTL, the offline action, the derivation and the zone's server and
// key. Each test gives the principal one value and the locked row another.
#include <gtest/gtest.h>

#include <memory>

#include "ddns/gateway/core/ipv6_prefix.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "fakes.hpp"

namespace ddns::gateway {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}
DnsName name(const char* text) {
    return *DnsName::parse(text);
}

std::shared_ptr<const auth::Zone> make_zone(const char* server, const char* key_name,
                                            auth::OfflineAction action) {
    auto key = make_tsig_key(key_name, "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0");
    auth::Zone z{7,  name("example.org"), ServerEndpoint{ip(server), 53}, std::move(*key),
                 60, std::nullopt};
    z.offline_action = action;
    return std::make_shared<const auth::Zone>(std::move(z));
}

class LockedSettings : public ::testing::Test {
protected:
    LockedSettings() {
        for (const std::int64_t id : {1, 2}) {
            hosts.push_back(auth::Host{id, 1,
                                       name(id == 1 ? "home.example.org" : "nas.example.org"), 60,
                                       std::nullopt, std::nullopt, std::nullopt, cached_zone});
            store.rows[id] = auth::StoredAddresses{id, std::nullopt, std::nullopt};
        }
    }
    // The settings the locked row holds: the principal's, changed by `edit`.
    template <typename Edit>
    void locked(std::int64_t id, Edit edit) {
        const auth::Host& h = hosts[static_cast<std::size_t>(id - 1)];
        auth::HostSettings s{h.ttl,          h.offline_action, h.derive_from,
                             h.interface_id, h.prefix_length,  h.zone};
        edit(s);
        store.rows[id].settings = s;
    }
    // Both the principal's view and the stored row hold these addresses.
    void stored(std::int64_t id, std::optional<IpAddress> v4, std::optional<IpAddress> v6) {
        auth::Host& h = hosts[static_cast<std::size_t>(id - 1)];
        h.ipv4 = store.rows[id].ipv4 = v4;
        h.ipv6 = store.rows[id].ipv6 = v6;
    }
    std::vector<ResourceRecord> added() const {
        std::vector<ResourceRecord> out;
        for (const auto& op : sender.sent.at(0).operations)
            if (const auto* add = std::get_if<AddRecord>(&op)) out.push_back(add->record);
        return out;
    }

    std::shared_ptr<const auth::Zone> cached_zone =
        make_zone("127.0.0.1", "old-key", auth::OfflineAction::Delete);
    std::vector<auth::Host> hosts;
    fakes::FakeSender sender;
    fakes::FakeHostStore store;
    Logger log{LogLevel::Error};
    UpdateService service{sender, store, log, UpdateServiceOptions{}};
    auth::TimePoint now = auth::Clock::now();
};

TEST_F(LockedSettings, AChangeWritesTheTtlOfTheLockedRow) {
    locked(1, [](auth::HostSettings& s) { s.ttl = 1234; });
    const auto r = service.apply(
        {{&hosts[0], FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::set(ip("2001:db8::1"))}},
        now);
    ASSERT_EQ(r[0].status, ApplyStatus::Changed);
    ASSERT_EQ(added().size(), 2u);
    for (const auto& record : added()) EXPECT_EQ(record.ttl(), 1234u);
}

TEST_F(LockedSettings, ACompensationWritesTheTtlOfTheLockedRow) {
    stored(1, ip("192.0.2.1"), std::nullopt);
    locked(1, [](auth::HostSettings& s) { s.ttl = 1234; });
    store.fail_commit = true;
    const auto r =
        service.apply({{&hosts[0], FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::StoreFailed);
    ASSERT_EQ(sender.sent.size(), 2u) << "the change, then its compensation";
    for (const auto& request : sender.sent) {
        for (const auto& op : request.operations) {
            if (const auto* add = std::get_if<AddRecord>(&op)) {
                EXPECT_EQ(add->record.ttl(), 1234u);
            }
        }
        for (const auto& pre : request.prerequisites) {
            if (const auto* v = std::get_if<RRsetExistsValue>(&pre)) {
                EXPECT_EQ(v->record.ttl(), 1234u);
            }
        }
    }
}

TEST_F(LockedSettings, TakingAHostOfflineFollowsTheLockedOfflineActions) {
    stored(1, ip("192.0.2.1"), std::nullopt);
    stored(2, ip("192.0.2.2"), std::nullopt);
    // Host 1: its own action set since (the principal has none, the zone deletes).
    locked(1, [](auth::HostSettings& s) { s.offline_action = auth::OfflineAction::Sentinel; });
    // Host 2: the zone's action changed since.
    const auto sentinel_zone = make_zone("127.0.0.1", "old-key", auth::OfflineAction::Sentinel);
    locked(2, [&](auth::HostSettings& s) { s.zone = sentinel_zone; });
    const auto r = service.apply({{&hosts[0], {}, {}, true}, {&hosts[1], {}, {}, true}}, now);
    ASSERT_EQ(r[0].status, ApplyStatus::Changed);
    ASSERT_EQ(r[1].status, ApplyStatus::Changed);
    EXPECT_EQ(store.rows[1].ipv4, ip("0.0.0.0"));
    EXPECT_EQ(store.rows[2].ipv4, ip("0.0.0.0"));
    EXPECT_EQ(added().size(), 2u) << "the A sentinel of each host";
}

TEST_F(LockedSettings, TheMessageGoesToTheServerWithTheKeyOfTheLockedZoneRow) {
    const auto moved = make_zone("127.0.0.2", "new-key", auth::OfflineAction::Delete);
    locked(1, [&](auth::HostSettings& s) { s.zone = moved; });
    const auto r =
        service.apply({{&hosts[0], FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()}}, now);
    ASSERT_EQ(r[0].status, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 1u);
    EXPECT_EQ(sender.servers_used.at(0), moved->server);
    EXPECT_EQ(sender.keys_used.at(0), "new-key");
}

TEST_F(LockedSettings, AHostNoLongerDerivedUnderTheLockDoesNotFollow) {
    hosts[1].derive_from = 1;  // the principal still has nas derived from home
    hosts[1].interface_id = ip("::5");
    hosts[1].prefix_length = 64;
    locked(1, [](auth::HostSettings&) {});
    locked(2, [](auth::HostSettings& s) { s.derive_from.reset(); });
    const HostIntent intent{&hosts[0], FamilyIntent::keep(), FamilyIntent::set(ip("2001:db8::1")),
                            false,     std::nullopt,         derived_from(hosts, hosts[0])};
    ASSERT_EQ(intent.derived.size(), 1u);
    const auto r = service.apply({intent}, now);
    ASSERT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_TRUE(r[0].derived.empty());
    for (const auto& op : sender.sent.at(0).operations) {
        if (const auto* add = std::get_if<AddRecord>(&op)) {
            EXPECT_EQ(add->record.owner(), hosts[0].name);
        }
    }
    EXPECT_EQ(store.rows[2].ipv6, std::nullopt);
}

TEST_F(LockedSettings, ADerivedHostFollowsWithTheLockedInterfaceId) {
    hosts[1].derive_from = 1;
    hosts[1].interface_id = ip("::5");
    hosts[1].prefix_length = 64;
    locked(1, [](auth::HostSettings&) {});
    locked(2, [](auth::HostSettings& s) { s.interface_id = ip("::6"); });
    const HostIntent intent{&hosts[0], FamilyIntent::keep(), FamilyIntent::set(ip("2001:db8::1")),
                            false,     std::nullopt,         derived_from(hosts, hosts[0])};
    const auto r = service.apply({intent}, now);
    ASSERT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_EQ(store.rows[2].ipv6, ip("2001:db8::6"));
    ASSERT_EQ(r[0].derived.size(), 1u);
    EXPECT_EQ(r[0].derived[0].host, &hosts[1]) << "the caller's own host, not a copy";
}

}  // namespace
}  // namespace ddns::gateway
