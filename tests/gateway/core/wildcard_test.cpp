// The wildcard mirror in the update path: *.<name> gets the same A and AAAA in the same message,
// follows changes, goes away on OFF, and is put back by the compensation after a failed commit.
#include <gtest/gtest.h>

#include "ddns/gateway/core/update_service.hpp"
#include "dialect_fixture.hpp"

namespace ddns::gateway {
namespace {

class Wildcard : public ::testing::Test, public fakes::DialectFixture {
protected:
    Wildcard() { hosts.rows[1] = auth::StoredAddresses{1, std::nullopt, std::nullopt}; }
    HostApplyResult update(const char* v4, std::optional<bool> wildcard) {
        HostIntent intent{&host, FamilyIntent::set(ip(v4)), {}};
        intent.wildcard = wildcard;
        auto r = updates.apply({intent}, auth::Clock::now());
        const auto& row = hosts.rows.at(1);
        host.ipv4 = row.ipv4;
        host.wildcard = row.wildcard;
        return r.front();
    }
    // The A records the last message adds at `owner`, and whether it deletes the A RRset there.
    std::pair<std::vector<std::string>, bool> a_ops(const std::string& owner) const {
        std::pair<std::vector<std::string>, bool> out{{}, false};
        for (const auto& op : sender.sent.back().operations) {
            if (const auto* d = std::get_if<DeleteRRset>(&op))
                out.second = out.second || (d->owner.str() == owner && d->type == RecordType::A);
            if (const auto* a = std::get_if<AddRecord>(&op))
                if (a->record.owner().str() == owner) out.first.push_back(a->record.data_text());
        }
        return out;
    }

    auth::Host host{1,
                    1,
                    name("home.example.org"),
                    60,
                    std::nullopt,
                    std::nullopt,
                    std::nullopt,
                    zone(7, "example.org")};
};

TEST_F(Wildcard, OnMirrorsFollowsAndOffRemoves) {
    EXPECT_EQ(update("192.0.2.1", true).status, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 1u);
    EXPECT_EQ(a_ops("*.home.example.org"),
              std::make_pair(std::vector<std::string>{"192.0.2.1"}, true));
    EXPECT_TRUE(hosts.rows[1].wildcard);

    EXPECT_EQ(update("192.0.2.2", std::nullopt).status, ApplyStatus::Changed);
    EXPECT_EQ(a_ops("*.home.example.org"),
              std::make_pair(std::vector<std::string>{"192.0.2.2"}, true));

    // The same address with OFF: a change of the mirror only.
    EXPECT_EQ(update("192.0.2.2", false).status, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 3u);
    EXPECT_EQ(a_ops("*.home.example.org"), std::make_pair(std::vector<std::string>{}, true));
    EXPECT_EQ(a_ops("home.example.org"), std::make_pair(std::vector<std::string>{}, false));
    EXPECT_FALSE(hosts.rows[1].wildcard);

    // Nothing asked, nothing mirrored: no traffic.
    EXPECT_EQ(update("192.0.2.2", false).status, ApplyStatus::Unchanged);
    EXPECT_EQ(sender.sent.size(), 3u);
}

TEST_F(Wildcard, AFailedCommitPutsTheMirrorBackToo) {
    hosts.fail_commit = true;
    EXPECT_EQ(update("192.0.2.1", true).status, ApplyStatus::StoreFailed);
    ASSERT_EQ(sender.sent.size(), 2u);
    // The compensation removes the A at both names, guarded by what the change wrote.
    EXPECT_EQ(a_ops("*.home.example.org"), std::make_pair(std::vector<std::string>{}, true));
    EXPECT_EQ(sender.sent[1].prerequisites.size(), 2u);
    EXPECT_FALSE(hosts.rows[1].wildcard);
}

}  // namespace
}  // namespace ddns::gateway
