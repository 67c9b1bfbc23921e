// IPv6 prefixes and derived hosts: the prefix rules and the address arithmetic (one row per
// case), and the update service carrying a derived host's AAAA in its parent's message,
// following it offline and back, and settling a stale derived host on an unchanged update.
#include "ddns/gateway/core/ipv6_prefix.hpp"

#include <gtest/gtest.h>

#include "ddns/gateway/core/update_service.hpp"
#include "dialect_fixture.hpp"

namespace ddns::gateway {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

struct PrefixCase {
    const char* text;
    std::optional<PrefixError> error;
    const char* network;  // when accepted
};

class RouterPrefix : public ::testing::TestWithParam<PrefixCase> {};

TEST_P(RouterPrefix, Parse) {
    const auto& c = GetParam();
    const auto p = parse_router_prefix(c.text);
    if (c.error) {
        ASSERT_FALSE(p) << c.text;
        EXPECT_EQ(p.error(), *c.error) << c.text;
    } else {
        ASSERT_TRUE(p) << c.text;
        EXPECT_EQ(p->to_string(), c.network) << c.text;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, RouterPrefix,
    ::testing::Values(PrefixCase{"2001:db8:1:100::/56", std::nullopt, "2001:db8:1:100::/56"},
                      PrefixCase{"2001:db8:1:2::/64", std::nullopt, "2001:db8:1:2::/64"},
                      PrefixCase{"2001:db8::/32", std::nullopt, "2001:db8::/32"},
                      PrefixCase{"2001:db8:1:100::", PrefixError::Malformed, nullptr},
                      PrefixCase{"2001:db8:1:100::/", PrefixError::Malformed, nullptr},
                      PrefixCase{"2001:db8:1:100::/x", PrefixError::Malformed, nullptr},
                      PrefixCase{"2001:db8:1:100::/56x", PrefixError::Malformed, nullptr},
                      PrefixCase{"192.0.2.0/24", PrefixError::Malformed, nullptr},
                      PrefixCase{"2001:db8:1:100::/65", PrefixError::Length, nullptr},
                      PrefixCase{"2001:db8:1:100::/128", PrefixError::Length, nullptr},
                      PrefixCase{"2000::/8", PrefixError::Length, nullptr},
                      PrefixCase{"2001:db8:1:100::/0", PrefixError::Length, nullptr},
                      PrefixCase{"2001:db8:1:100::1/56", PrefixError::NotAPrefix, nullptr},
                      PrefixCase{"2001:db8:1:1ff::/55", PrefixError::NotAPrefix, nullptr}));

TEST(DerivedAddress, PrefixBitsFromTheSourceTheRestFromTheInterfaceId) {
    EXPECT_EQ(derived_address(ip("2001:db8:1:100::"), ip("::1:2:3:4"), 56),
              ip("2001:db8:1:100:1:2:3:4"));
    // Subnet bits beyond /56 come from the interface ID.
    EXPECT_EQ(derived_address(ip("2001:db8:1:100::"), ip("0:0:0:2a::10"), 56),
              ip("2001:db8:1:12a::10"));
    // A /60 boundary inside a byte; the source's own bits beyond it are dropped.
    EXPECT_EQ(derived_address(ip("2001:db8:1:1ff::99"), ip("::f:0:0:0:5"), 60),
              ip("2001:db8:1:1ff::5"));
    EXPECT_EQ(derived_address(ip("2001:db8:1:2:aaaa::1"), ip("::1:2:3:4"), 64),
              ip("2001:db8:1:2:1:2:3:4"));
}

TEST(PrefixSource, ThePrefixElseTheOwnAddress) {
    const auto prefix = IpNetwork::parse("2001:db8:1:100::/56");
    EXPECT_EQ(prefix_source(prefix, ip("2001:db8:9::1")), ip("2001:db8:1:100::"));
    EXPECT_EQ(prefix_source(std::nullopt, ip("2001:db8:9::1")), ip("2001:db8:9::1"));
    EXPECT_EQ(prefix_source(std::nullopt, std::nullopt), std::nullopt);
    EXPECT_EQ(prefix_source(std::nullopt, ip("::")), std::nullopt);
}

// A router's host (home) and two hosts derived from its /56 (nas, cam), one account, one zone.
class DerivedHosts : public ::testing::Test, public fakes::DialectFixture {
protected:
    DerivedHosts() {
        net.push_back(host(1, "home.example.org"));
        net.push_back(host(2, "nas.example.org"));
        net.push_back(host(3, "cam.example.org"));
        for (const std::int64_t id : {2, 3}) {
            net[static_cast<std::size_t>(id - 1)].derive_from = 1;
            net[static_cast<std::size_t>(id - 1)].prefix_length = 56;
        }
        net[1].interface_id = ip("::1:2:3:4");
        net[2].interface_id = ip("0:0:0:2::5");
    }
    auth::Host host(std::int64_t id, const char* n) {
        hosts.rows[id] = auth::StoredAddresses{id, std::nullopt, std::nullopt};
        return auth::Host{id, 1, name(n), 60, std::nullopt, std::nullopt, std::nullopt, home_zone};
    }
    HostIntent router(FamilyIntent v6, std::optional<IpNetwork> prefix) {
        return HostIntent{&net[0], FamilyIntent::set(ip("192.0.2.1")), v6, false,
                          prefix,  derived_from(net, net[0])};
    }
    // Copies the stored rows back into the principal's view, as the next request would load.
    void reload() {
        for (auto& h : net) {
            const auto& row = hosts.rows.at(h.id);
            h.ipv4 = row.ipv4;
            h.ipv6 = row.ipv6;
            h.offline = row.offline;
            h.ipv6_prefix = row.ipv6_prefix;
        }
    }
    std::size_t ops_for(const UpdateRequest& r, const char* owner) const {
        std::size_t n = 0;
        for (const auto& op : r.operations) {
            const DnsName* at = nullptr;
            if (const auto* d = std::get_if<DeleteRRset>(&op)) at = &d->owner;
            if (const auto* a = std::get_if<AddRecord>(&op)) at = &a->record.owner();
            if (at && at->str() == owner) ++n;
        }
        return n;
    }

    std::shared_ptr<const auth::Zone> home_zone = zone(7, "example.org");
    std::vector<auth::Host> net;
    auth::TimePoint now = auth::Clock::now();
};

TEST_F(DerivedHosts, APrefixChangeCarriesTheDerivedAaaaInTheSameMessage) {
    const auto r = updates.apply(
        {router(FamilyIntent::set(ip("2001:db8:9::1")), IpNetwork::parse("2001:db8:1:100::/56"))},
        now);
    ASSERT_EQ(r[0].status, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 1u) << "one UPDATE for the router and its derived net";
    EXPECT_EQ(ops_for(sender.sent[0], "nas.example.org"), 2u);  // delete AAAA, add AAAA
    EXPECT_EQ(ops_for(sender.sent[0], "cam.example.org"), 2u);
    EXPECT_EQ(hosts.rows[2].ipv6, ip("2001:db8:1:100:1:2:3:4"));
    EXPECT_EQ(hosts.rows[3].ipv6, ip("2001:db8:1:102::5"));
    EXPECT_EQ(hosts.rows[1].ipv6_prefix, IpNetwork::parse("2001:db8:1:100::/56"));
    // The derived hosts changed are reported with the router's result (their update-log lines).
    ASSERT_EQ(r[0].derived.size(), 2u);
    EXPECT_EQ(r[0].derived[0].host, &net[1]);
    EXPECT_EQ(r[0].derived[0].ipv6, ip("2001:db8:1:100:1:2:3:4"));
    EXPECT_EQ(r[0].derived[1].host, &net[2]);
    EXPECT_FALSE(r[0].derived[1].offline);

    // The same request again: nothing changes, nothing is sent.
    reload();
    const auto again = updates.apply(
        {router(FamilyIntent::set(ip("2001:db8:9::1")), IpNetwork::parse("2001:db8:1:100::/56"))},
        now);
    EXPECT_EQ(again[0].status, ApplyStatus::Unchanged);
    EXPECT_EQ(sender.sent.size(), 1u);
    EXPECT_TRUE(again[0].derived.empty());

    // A new prefix alone (same router address) is a change of the derived net only.
    const auto moved = updates.apply(
        {router(FamilyIntent::set(ip("2001:db8:9::1")), IpNetwork::parse("2001:db8:2:200::/56"))},
        now);
    EXPECT_EQ(moved[0].status, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 2u);
    EXPECT_EQ(ops_for(sender.sent[1], "home.example.org"), 0u);
    EXPECT_EQ(hosts.rows[2].ipv6, ip("2001:db8:2:200:1:2:3:4"));
}

TEST_F(DerivedHosts, WithoutAPrefixTheDerivedHostsFollowTheRoutersAddress) {
    updates.apply({router(FamilyIntent::set(ip("2001:db8:7:8::1")), std::nullopt)}, now);
    EXPECT_EQ(hosts.rows[2].ipv6, ip("2001:db8:7:0:1:2:3:4"));  // /56 of 2001:db8:7:8::1
}

TEST_F(DerivedHosts, ARefusedMessageFailsTheRouterAndItsDerivedHostsTogether) {
    auth::Host other = host(4, "other.example.org");
    // The whole message is refused; split, the router's change (with its derived net) is
    // refused again and the other host's goes through.
    sender.scripted = {UpdateStatus::Refused, UpdateStatus::Refused, UpdateStatus::Success};
    const auto r = updates.apply(
        {router(FamilyIntent::set(ip("2001:db8:9::1")), IpNetwork::parse("2001:db8:1:100::/56")),
         HostIntent{&other, FamilyIntent::set(ip("192.0.2.4")), {}}},
        now);
    EXPECT_EQ(r[0].status, ApplyStatus::DnsFailed);
    EXPECT_TRUE(r[0].derived.empty()) << "nothing changed for the derived hosts";
    EXPECT_EQ(r[1].status, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 3u);
    EXPECT_EQ(ops_for(sender.sent[1], "home.example.org"), 4u);
    EXPECT_EQ(ops_for(sender.sent[1], "nas.example.org"), 2u);
    EXPECT_EQ(ops_for(sender.sent[1], "other.example.org"), 0u);
    EXPECT_EQ(hosts.rows[2].ipv6, std::nullopt);
    EXPECT_EQ(hosts.rows[1].ipv6_prefix, std::nullopt);
    EXPECT_EQ(hosts.rows[4].ipv4, ip("192.0.2.4"));
}

TEST_F(DerivedHosts, AnUnknownCommitMarksTheDerivedHostsInDoubtToo) {
    hosts.commit_unknown = true;
    const auto r = updates.apply(
        {router(FamilyIntent::set(ip("2001:db8:9::1")), IpNetwork::parse("2001:db8:1:100::/56"))},
        now);
    EXPECT_EQ(r[0].status, ApplyStatus::InDoubt);
    EXPECT_TRUE(r[0].derived.empty());
    EXPECT_TRUE(hosts.rows[1].in_doubt);
    EXPECT_TRUE(hosts.rows[2].in_doubt);
    EXPECT_TRUE(hosts.rows[3].in_doubt);
}

TEST_F(DerivedHosts, DerivedHostsGoOfflineWithTheRouterAndComeBackWithIt) {
    updates.apply(
        {router(FamilyIntent::set(ip("2001:db8:9::1")), IpNetwork::parse("2001:db8:1:100::/56"))},
        now);
    reload();
    HostIntent offline{&net[0], {}, {}, true, {}, derived_from(net, net[0])};
    const auto gone = updates.apply({offline}, now);
    EXPECT_EQ(gone[0].status, ApplyStatus::Changed);
    ASSERT_EQ(gone[0].derived.size(), 2u);
    EXPECT_TRUE(gone[0].derived[0].offline);
    ASSERT_EQ(sender.sent.size(), 2u);
    EXPECT_EQ(ops_for(sender.sent[1], "nas.example.org"), 1u);  // delete the AAAA
    EXPECT_TRUE(hosts.rows[2].offline);
    EXPECT_EQ(hosts.rows[2].ipv6, std::nullopt);

    reload();
    const auto back = updates.apply(
        {router(FamilyIntent::set(ip("2001:db8:9::1")), IpNetwork::parse("2001:db8:3:300::/56"))},
        now);
    EXPECT_EQ(back[0].status, ApplyStatus::Changed);
    EXPECT_FALSE(hosts.rows[2].offline);
    EXPECT_EQ(hosts.rows[2].ipv6, ip("2001:db8:3:300:1:2:3:4"));
}

TEST_F(DerivedHosts, AnUnchangedUpdateSettlesADerivedHostDeclaredSince) {
    hosts.rows[1] = auth::StoredAddresses{1, ip("192.0.2.1"), ip("2001:db8:9::1")};
    hosts.rows[1].ipv6_prefix = IpNetwork::parse("2001:db8:1:100::/56");
    reload();
    const auto r = updates.apply(
        {router(FamilyIntent::set(ip("2001:db8:9::1")), IpNetwork::parse("2001:db8:1:100::/56"))},
        now);
    EXPECT_EQ(r[0].status, ApplyStatus::Unchanged) << "the router itself did not change";
    ASSERT_EQ(r[0].derived.size(), 2u) << "but its derived hosts did";
    ASSERT_EQ(sender.sent.size(), 1u);
    EXPECT_EQ(ops_for(sender.sent[0], "home.example.org"), 0u);
    EXPECT_EQ(hosts.rows[2].ipv6, ip("2001:db8:1:100:1:2:3:4"));
}

}  // namespace
}  // namespace ddns::gateway
