// A host's A set as a round robin (FamilyAction::Join / Leave, the MyServer free account's Add
// and Delete): joining sends the whole set, repeats and a full set change nothing, leaving takes
// one address, and any other update replaces the whole set; a failed commit puts the whole set
// back on the prerequisite that BIND holds exactly what was written.
#include <gtest/gtest.h>

#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "fakes.hpp"

namespace ddns::gateway {
namespace {

IpAddress ip(const std::string& text) {
    return *IpAddress::parse(text);
}

class RoundRobinTest : public ::testing::Test {
protected:
    RoundRobinTest() { store.rows[1] = auth::StoredAddresses{1, std::nullopt, std::nullopt}; }
    static std::shared_ptr<const auth::Zone> make_zone() {
        auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0");
        return std::make_shared<auth::Zone>(auth::Zone{7, *DnsName::parse("example.org"),
                                                       ServerEndpoint{ip("127.0.0.1"), 53},
                                                       std::move(*key), 60, std::nullopt});
    }
    // The principal's view and the stored row: the A set `a` (first is ipv4).
    void stored(const std::vector<IpAddress>& a) {
        host.ipv4 = a.empty() ? std::nullopt : std::optional(a.front());
        host.extra_ipv4.assign(a.empty() ? a.end() : a.begin() + 1, a.end());
        store.rows[1] =
            auth::StoredAddresses{1, host.ipv4, std::nullopt, false, false, host.extra_ipv4};
    }
    std::vector<IpAddress> stored_set() {
        const auto& row = store.rows.at(1);
        std::vector<IpAddress> out;
        if (row.ipv4) out.push_back(*row.ipv4);
        out.insert(out.end(), row.extra_ipv4.begin(), row.extra_ipv4.end());
        return out;
    }
    ApplyStatus apply(FamilyIntent v4) {
        return service.apply({{&host, v4, FamilyIntent::keep()}}, auth::Clock::now())
            .front()
            .status;
    }
    // The A records the last message added.
    std::vector<IpAddress> added() {
        std::vector<IpAddress> out;
        for (const auto& op : sender.sent.back().operations)
            if (const auto* add = std::get_if<AddRecord>(&op))
                out.push_back(std::get<IpAddress>(add->record.data()));
        return out;
    }

    std::shared_ptr<const auth::Zone> zone = make_zone();
    auth::Host host{
        1, 1, *DnsName::parse("a.example.org"), 60, std::nullopt, std::nullopt, std::nullopt, zone};
    fakes::FakeSender sender;
    fakes::FakeHostStore store;
    Logger log{LogLevel::Error};
    UpdateService service{sender, store, log};
};

TEST_F(RoundRobinTest, JoinAddsToTheSetAndSendsTheWholeSet) {
    stored({ip("192.0.2.1")});
    EXPECT_EQ(apply(FamilyIntent::join(ip("192.0.2.2"))), ApplyStatus::Changed);
    EXPECT_EQ(added(), (std::vector{ip("192.0.2.1"), ip("192.0.2.2")}));
    EXPECT_TRUE(std::holds_alternative<DeleteRRset>(sender.sent.back().operations.front()));
    EXPECT_EQ(stored_set(), (std::vector{ip("192.0.2.1"), ip("192.0.2.2")}));
}

TEST_F(RoundRobinTest, JoinOfAnAddressInTheSetOrOfAFullSetChangesNothing) {
    std::vector<IpAddress> full;
    for (int i = 1; i <= static_cast<int>(auth::kMaxIpv4); ++i)
        full.push_back(ip("192.0.2." + std::to_string(i)));
    stored(full);
    EXPECT_EQ(apply(FamilyIntent::join(ip("192.0.2.3"))), ApplyStatus::Unchanged);
    EXPECT_EQ(apply(FamilyIntent::join(ip("192.0.2.99"))), ApplyStatus::Unchanged);
    EXPECT_TRUE(sender.sent.empty());
    EXPECT_EQ(stored_set(), full);
}

TEST_F(RoundRobinTest, LeaveTakesOneAddressAndPromotesTheNext) {
    stored({ip("192.0.2.1"), ip("192.0.2.2"), ip("192.0.2.3")});
    EXPECT_EQ(apply(FamilyIntent::leave(ip("192.0.2.1"))), ApplyStatus::Changed);
    EXPECT_EQ(added(), (std::vector{ip("192.0.2.2"), ip("192.0.2.3")}));
    EXPECT_EQ(stored_set(), (std::vector{ip("192.0.2.2"), ip("192.0.2.3")}));
    EXPECT_EQ(apply(FamilyIntent::leave(ip("192.0.2.9"))), ApplyStatus::Unchanged);
}

TEST_F(RoundRobinTest, SetReplacesTheWholeSetEvenWithItsFirstAddress) {
    stored({ip("192.0.2.1"), ip("192.0.2.2")});
    EXPECT_EQ(apply(FamilyIntent::set(ip("192.0.2.1"))), ApplyStatus::Changed);
    EXPECT_EQ(added(), std::vector{ip("192.0.2.1")});
    EXPECT_EQ(stored_set(), std::vector{ip("192.0.2.1")});
}

TEST_F(RoundRobinTest, AFailedCommitPutsTheWholeSetBackGuardedByWhatWasWritten) {
    stored({ip("192.0.2.1"), ip("192.0.2.2")});
    store.fail_commit = true;
    EXPECT_EQ(apply(FamilyIntent::join(ip("192.0.2.3"))), ApplyStatus::StoreFailed);
    ASSERT_EQ(sender.sent.size(), 2u);
    EXPECT_EQ(added(), (std::vector{ip("192.0.2.1"), ip("192.0.2.2")}));
    EXPECT_EQ(sender.sent.back().prerequisites.size(), 3u) << "the whole written RRset";
}

TEST_F(RoundRobinTest, TakingARoundRobinOfflineRequiresAndRemovesTheWholeSet) {
    stored({ip("192.0.2.1"), ip("192.0.2.2")});
    const UpdateRequest r = offline_update(*zone, {&host});
    EXPECT_EQ(r.prerequisites.size(), 2u);
    ASSERT_EQ(r.operations.size(), 1u);  // the zone deletes
    EXPECT_TRUE(std::holds_alternative<DeleteRRset>(r.operations.front()));
}

}  // namespace
}  // namespace ddns::gateway
