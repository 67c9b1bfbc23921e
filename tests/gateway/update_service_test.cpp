// The core update path against fakes: no traffic when nothing changes, A and AAAA in one
// message, nothing recorded unless BIND said yes, split on refusal, rollback when recording fails.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "ddns/gateway/update_service.hpp"

namespace ddns::gateway {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}
DnsName name(const char* text) {
    return *DnsName::parse(text);
}

class FakeSender final : public UpdateSender {
public:
    UpdateResult send(const UpdateRequest& request, const TsigKey&,
                      const ServerEndpoint&) override {
        sent.push_back(request);
        if (!scripted.empty()) {
            auto s = scripted.front();
            scripted.erase(scripted.begin());
            return {s, "scripted"};
        }
        return {UpdateStatus::Success, {}};
    }
    std::vector<UpdateRequest> sent;
    std::vector<UpdateStatus> scripted;
};

class FakeHostStore final : public auth::HostStore {
public:
    void record_applied(std::int64_t id, const std::optional<IpAddress>& v4,
                        const std::optional<IpAddress>& v6, auth::TimePoint) override {
        if (fail_records) throw auth::StoreError("database down");
        applied[id] = {v4, v6};
    }
    void record_seen(std::int64_t id, auth::TimePoint) override { ++seen[id]; }
    std::map<std::int64_t, std::pair<std::optional<IpAddress>, std::optional<IpAddress>>> applied;
    std::map<std::int64_t, int> seen;
    bool fail_records = false;
};

class UpdateServiceTest : public ::testing::Test {
protected:
    UpdateServiceTest() {
        auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0");
        auto z = std::make_shared<auth::Zone>(auth::Zone{
            7, name("example.org"), ServerEndpoint{ip("127.0.0.1"), 53}, std::move(*key), 60});
        zone = z;
        a = host(1, "a.example.org");
        b = host(2, "b.example.org");
    }
    auth::Host host(std::int64_t id, const char* n) {
        auth::Host h{id, 1, name(n), 60, std::nullopt, std::nullopt, std::nullopt, zone};
        return h;
    }
    static std::size_t count_ops(const UpdateRequest& r) { return r.operations.size(); }

    std::shared_ptr<const auth::Zone> zone;
    auth::Host a{host(0, "x.example.org")};
    auth::Host b{host(0, "y.example.org")};
    FakeSender sender;
    FakeHostStore store;
    Logger log{LogLevel::Error};
    UpdateService service{sender, store, log};
    auth::TimePoint now = auth::Clock::now();
};

TEST_F(UpdateServiceTest, UnchangedSendsNothingAndRefreshesSeenAtMostOncePerWindow) {
    a.ipv4 = ip("192.0.2.1");
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Unchanged);
    EXPECT_TRUE(sender.sent.empty());
    EXPECT_EQ(store.seen[1], 1);
    a.last_seen = now;
    service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(store.seen[1], 1) << "last_seen is fresh: no second write";
}

TEST_F(UpdateServiceTest, BothFamiliesGoInOneMessageAndAreRecordedAfterSuccess) {
    auto r = service.apply(
        {{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::set(ip("2001:db8::1"))}}, now);
    ASSERT_EQ(sender.sent.size(), 1u);
    const auto& ops = sender.sent[0].operations;
    ASSERT_EQ(ops.size(), 4u);
    EXPECT_TRUE(std::holds_alternative<DeleteRRset>(ops[0]));
    EXPECT_EQ(std::get<DeleteRRset>(ops[0]).type, RecordType::A);
    EXPECT_EQ(std::get<AddRecord>(ops[1]).record.data(), Rdata(ip("192.0.2.1")));
    EXPECT_EQ(std::get<DeleteRRset>(ops[2]).type, RecordType::AAAA);
    EXPECT_EQ(std::get<AddRecord>(ops[3]).record.data(), Rdata(ip("2001:db8::1")));
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_EQ(store.applied[1].first, ip("192.0.2.1"));
    EXPECT_EQ(store.applied[1].second, ip("2001:db8::1"));
}

TEST_F(UpdateServiceTest, OnlyTheRequestedFamilyChanges) {
    a.ipv4 = ip("192.0.2.1");
    a.ipv6 = ip("2001:db8::1");
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    ASSERT_EQ(sender.sent.size(), 1u);
    ASSERT_EQ(count_ops(sender.sent[0]), 2u);
    EXPECT_EQ(std::get<DeleteRRset>(sender.sent[0].operations[0]).type, RecordType::A);
    EXPECT_EQ(store.applied[1].second, ip("2001:db8::1"));
    EXPECT_EQ(r[0].ipv6, ip("2001:db8::1"));
}

TEST_F(UpdateServiceTest, RemoveDeletesTheRRsetOnly) {
    a.ipv4 = ip("192.0.2.1");
    auto r = service.apply({{&a, FamilyIntent::remove(), FamilyIntent::keep()}}, now);
    ASSERT_EQ(count_ops(sender.sent.at(0)), 1u);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_EQ(store.applied[1].first, std::nullopt);
}

TEST_F(UpdateServiceTest, DnsFailureRecordsNothing) {
    for (auto status : {UpdateStatus::Refused, UpdateStatus::Timeout, UpdateStatus::BadSig,
                        UpdateStatus::NetworkError, UpdateStatus::BadReply}) {
        sender.scripted = {status};
        store.applied.clear();
        auto r =
            service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()}}, now);
        EXPECT_EQ(r[0].status, ApplyStatus::DnsFailed) << to_string(status);
        EXPECT_EQ(r[0].dns_status, status);
        EXPECT_EQ(r[0].ipv4, std::nullopt);
        EXPECT_TRUE(store.applied.empty()) << to_string(status);
    }
}

TEST_F(UpdateServiceTest, HostsOfOneZoneShareOneMessage) {
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()},
                            {&b, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}},
                           now);
    ASSERT_EQ(sender.sent.size(), 1u);
    EXPECT_EQ(count_ops(sender.sent[0]), 4u);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_EQ(r[1].status, ApplyStatus::Changed);
}

TEST_F(UpdateServiceTest, ARefusedMessageIsSplitSoOneBadChangeCannotFailOthers) {
    sender.scripted = {UpdateStatus::Refused, UpdateStatus::Refused, UpdateStatus::Success};
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()},
                            {&b, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}},
                           now);
    EXPECT_EQ(sender.sent.size(), 3u);
    EXPECT_EQ(r[0].status, ApplyStatus::DnsFailed);
    EXPECT_EQ(r[1].status, ApplyStatus::Changed);
    EXPECT_EQ(store.applied.count(1), 0u);
    EXPECT_EQ(store.applied.count(2), 1u);
}

TEST_F(UpdateServiceTest, TransportFailuresAreNotRetriedPerHost) {
    sender.scripted = {UpdateStatus::Timeout};
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()},
                            {&b, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}},
                           now);
    EXPECT_EQ(sender.sent.size(), 1u);
    EXPECT_EQ(r[0].status, ApplyStatus::DnsFailed);
    EXPECT_EQ(r[1].status, ApplyStatus::DnsFailed);
}

TEST_F(UpdateServiceTest, RecordingFailureRollsDnsBack) {
    a.ipv4 = ip("192.0.2.1");
    store.fail_records = true;
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::StoreFailed);
    ASSERT_EQ(sender.sent.size(), 2u);
    // The second message puts the old address back.
    const auto& undo = sender.sent[1].operations;
    ASSERT_EQ(undo.size(), 2u);
    EXPECT_EQ(std::get<AddRecord>(undo[1]).record.data(), Rdata(ip("192.0.2.1")));
}

}  // namespace
}  // namespace ddns::gateway
