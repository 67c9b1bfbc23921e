// The reconciler's planning step: which differences count as drift, which records are never
// touched, how each repair is guarded, and how the work of one pass is bounded.
#include "ddns/gateway/jobs/reconcile_plan.hpp"

#include <gtest/gtest.h>

namespace ddns::gateway {
namespace {

DnsName name(const char* text) {
    return *DnsName::parse(text);
}
ResourceRecord a(const char* owner, const char* address, std::uint32_t ttl = 60) {
    return ResourceRecord::address(name(owner), ttl, *IpAddress::parse(address));
}
ResourceRecord txt(const char* owner, const char* text) {
    return *ResourceRecord::make(name(owner), RecordType::TXT, 60, TxtData{{text}});
}

ZoneWanted zone_with(std::vector<ResourceRecord> records, std::set<RRsetKey> managed) {
    return {name("example.org"), std::move(managed), std::move(records)};
}
const RRsetKey kA1{name("a1.example.org"), RecordType::A};
const RRsetKey kA1v6{name("a1.example.org"), RecordType::AAAA};
const RRsetKey kB2{name("b2.example.org"), RecordType::A};

struct DriftCase {
    const char* what;
    std::vector<ResourceRecord> wanted;
    std::vector<ResourceRecord> observed;
    std::size_t drift;
};

TEST(ReconcilePlan, FindsDriftOnlyInManagedRRsets) {
    const std::vector<DriftCase> cases = {
        {"equal", {a("a1.example.org", "192.0.2.1")}, {a("a1.example.org", "192.0.2.1")}, 0},
        {"order does not matter",
         {a("a1.example.org", "192.0.2.1"), a("a1.example.org", "192.0.2.2")},
         {a("a1.example.org", "192.0.2.2"), a("a1.example.org", "192.0.2.1")},
         0},
        {"changed by hand",
         {a("a1.example.org", "192.0.2.1")},
         {a("a1.example.org", "192.0.2.9")},
         1},
        {"lost in BIND", {a("a1.example.org", "192.0.2.1")}, {}, 1},
        {"should be absent (offline)", {}, {a("a1.example.org", "192.0.2.1")}, 1},
        {"extra record in the RRset",
         {a("a1.example.org", "192.0.2.1")},
         {a("a1.example.org", "192.0.2.1"), a("a1.example.org", "192.0.2.7")},
         1},
        {"ttl differs",
         {a("a1.example.org", "192.0.2.1", 60)},
         {a("a1.example.org", "192.0.2.1", 300)},
         1},
        {"unmanaged name ignored", {}, {a("ns1.example.org", "192.0.2.53")}, 0},
        {"unmanaged type at a managed name ignored", {}, {txt("a1.example.org", "by hand")}, 0},
        {"both families differ",
         {a("a1.example.org", "192.0.2.1")},
         {*ResourceRecord::make(name("a1.example.org"), RecordType::AAAA, 60,
                                *IpAddress::parse("2001:db8::1"))},
         2},
    };
    for (const auto& c : cases) {
        const auto wanted = zone_with(c.wanted, {kA1, kA1v6});
        EXPECT_EQ(find_drift(wanted, c.observed).size(), c.drift) << c.what;
    }
}

TEST(ReconcilePlan, DriftListsBothSidesSorted) {
    const auto wanted =
        zone_with({a("a1.example.org", "192.0.2.2"), a("a1.example.org", "192.0.2.1")}, {kA1});
    const auto drift = find_drift(wanted, {a("a1.example.org", "192.0.2.9")});
    ASSERT_EQ(drift.size(), 1u);
    EXPECT_EQ(drift[0].rrset, kA1);
    EXPECT_EQ(drift[0].wanted,
              (std::vector{a("a1.example.org", "192.0.2.1"), a("a1.example.org", "192.0.2.2")}));
    EXPECT_EQ(drift[0].found, std::vector{a("a1.example.org", "192.0.2.9")});
    EXPECT_EQ(drift[0].describe(),
              "A a1.example.org.: BIND 192.0.2.9 ttl 60, database 192.0.2.1 ttl 60, "
              "192.0.2.2 ttl 60");
}

TEST(ReconcilePlan, RepairOfAMissingRRsetRequiresItStillAbsent) {
    const Drift drift{kA1, {a("a1.example.org", "192.0.2.1")}, {}};
    const auto request = repair_request(name("example.org"), drift);
    EXPECT_EQ(request.zone, name("example.org"));
    ASSERT_EQ(request.prerequisites.size(), 1u);
    const auto* absent = std::get_if<RRsetAbsent>(&request.prerequisites[0]);
    ASSERT_NE(absent, nullptr);
    EXPECT_EQ(absent->owner, kA1.first);
    EXPECT_EQ(absent->type, RecordType::A);
    ASSERT_EQ(request.operations.size(), 1u);
    EXPECT_EQ(std::get<AddRecord>(request.operations[0]).record, drift.wanted[0]);
}

TEST(ReconcilePlan, RepairOfAChangedRRsetRequiresTheWholeObservedRRset) {
    const Drift drift{kA1,
                      {a("a1.example.org", "192.0.2.1")},
                      {a("a1.example.org", "192.0.2.8"), a("a1.example.org", "192.0.2.9")}};
    const auto request = repair_request(name("example.org"), drift);
    ASSERT_EQ(request.prerequisites.size(), 2u);
    EXPECT_EQ(std::get<RRsetExistsValue>(request.prerequisites[0]).record, drift.found[0]);
    EXPECT_EQ(std::get<RRsetExistsValue>(request.prerequisites[1]).record, drift.found[1]);
    ASSERT_EQ(request.operations.size(), 2u);
    const auto& del = std::get<DeleteRRset>(request.operations[0]);
    EXPECT_EQ(del.owner, kA1.first);
    EXPECT_EQ(del.type, RecordType::A);
    EXPECT_EQ(std::get<AddRecord>(request.operations[1]).record, drift.wanted[0]);
}

TEST(ReconcilePlan, RepairOfAnRRsetThatShouldBeAbsentOnlyDeletesIt) {
    const Drift drift{kA1, {}, {a("a1.example.org", "192.0.2.9")}};
    const auto request = repair_request(name("example.org"), drift);
    ASSERT_EQ(request.prerequisites.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<RRsetExistsValue>(request.prerequisites[0]));
    ASSERT_EQ(request.operations.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<DeleteRRset>(request.operations[0]));
}

TEST(ReconcilePlan, RepairsNeverNameAnUnmanagedRRset) {
    const auto wanted = zone_with({a("a1.example.org", "192.0.2.1")}, {kA1, kB2});
    const std::vector<ResourceRecord> observed = {a("ns1.example.org", "192.0.2.53"),
                                                  txt("a1.example.org", "by hand"),
                                                  a("b2.example.org", "192.0.2.2")};
    const auto plan = plan_repairs(wanted, observed, 100);
    ASSERT_EQ(plan.repairs.size(), 2u);
    for (const auto& request : plan.repairs) {
        for (const auto& op : request.operations) {
            const auto key = std::visit(
                [](const auto& o) -> RRsetKey {
                    using T = std::decay_t<decltype(o)>;
                    if constexpr (std::is_same_v<T, DeleteRRset>)
                        return {o.owner, o.type};
                    else if constexpr (std::is_same_v<T, DeleteName>)
                        return {o.owner, RecordType::NS};
                    else
                        return {o.record.owner(), o.record.type()};
                },
                op);
            EXPECT_TRUE(key == kA1 || key == kB2) << key.first.str();
        }
    }
}

TEST(ReconcilePlan, BoundsTheRepairsOfOnePass) {
    std::set<RRsetKey> managed;
    std::vector<ResourceRecord> records;
    for (int i = 0; i < 10; ++i) {
        const std::string owner = "h" + std::to_string(i) + ".example.org";
        managed.insert({name(owner.c_str()), RecordType::A});
        records.push_back(a(owner.c_str(), "192.0.2.1"));
    }
    const auto wanted = zone_with(records, managed);
    const auto plan = plan_repairs(wanted, {}, 3);
    EXPECT_EQ(plan.drift.size(), 10u);
    ASSERT_EQ(plan.repairs.size(), 3u);
    EXPECT_EQ(plan.deferred, 7u);
    // The first three in (owner, type) order, so passes make progress deterministically.
    EXPECT_EQ(std::get<AddRecord>(plan.repairs[0].operations[0]).record.owner(),
              name("h0.example.org"));

    const auto all = plan_repairs(wanted, records, 3);
    EXPECT_TRUE(all.drift.empty());
    EXPECT_TRUE(all.repairs.empty());
    EXPECT_EQ(all.deferred, 0u);
}

struct MirrorCase {
    const char* what;
    std::vector<ResourceRecord> wanted;    // at the host's name
    std::vector<ResourceRecord> observed;  // at the name and at *.<name>
    bool copy;
};

// Whether what BIND holds at *.<host> is the gateway's own mirror left behind (wildcard OFF in
// the database), so the reconciler may delete it.
TEST(ReconcilePlan, AMirrorIsTheGatewaysOnlyWhenItCopiesTheHostsAddresses) {
    const auto aaaa = [](const char* owner, const char* address) {
        return ResourceRecord::address(name(owner), 60, *IpAddress::parse(address));
    };
    const char* h = "a1.example.org";
    const char* m = "*.a1.example.org";
    const std::vector<MirrorCase> cases = {
        {"nothing there", {a(h, "192.0.2.1")}, {a(h, "192.0.2.1")}, false},
        {"a copy of the database's", {a(h, "192.0.2.1")}, {a(m, "192.0.2.1")}, true},
        {"a copy of BIND's (the name drifted too)",
         {a(h, "192.0.2.1")},
         {a(h, "192.0.2.7"), a(m, "192.0.2.7")},
         true},
        {"both families copied",
         {a(h, "192.0.2.1"), aaaa(h, "2001:db8::1")},
         {a(h, "192.0.2.1"), aaaa(h, "2001:db8::1"), a(m, "192.0.2.1"), aaaa(m, "2001:db8::1")},
         true},
        {"only one family of two",
         {a(h, "192.0.2.1"), aaaa(h, "2001:db8::1")},
         {a(m, "192.0.2.1")},
         false},
        {"other addresses", {a(h, "192.0.2.1")}, {a(m, "192.0.2.9")}, false},
        {"another TTL", {a(h, "192.0.2.1")}, {a(m, "192.0.2.1", 300)}, false},
        {"the host has none, the wildcard has one", {}, {a(m, "192.0.2.1")}, false},
        {"only another type there", {a(h, "192.0.2.1")}, {txt(m, "by hand")}, false},
    };
    for (const auto& c : cases)
        EXPECT_EQ(is_mirror_copy(name(h), name(m), c.wanted, c.observed), c.copy) << c.what;
}

}  // namespace
}  // namespace ddns::gateway
