// The core update path against fakes: no traffic when nothing changes, A and AAAA in one
// message, nothing recorded unless BIND said yes, split on refusal, rollback when recording
// fails, decisions taken on the state read under the row lock, and group commit per zone.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "ddns/gateway/core/update_service.hpp"
#include "fakes.hpp"

namespace ddns::gateway {
namespace {

using fakes::FakeHostStore;
using fakes::FakeSender;

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}
DnsName name(const char* text) {
    return *DnsName::parse(text);
}

class UpdateServiceTest : public ::testing::Test {
protected:
    UpdateServiceTest() {
        auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0");
        zone = std::make_shared<auth::Zone>(auth::Zone{7, name("example.org"),
                                                       ServerEndpoint{ip("127.0.0.1"), 53},
                                                       std::move(*key), 60, std::nullopt});
        a = host(1, "a.example.org");
        b = host(2, "b.example.org");
    }
    auth::Host host(std::int64_t id, const char* n) {
        store.rows[id] = auth::StoredAddresses{id, std::nullopt, std::nullopt};
        return auth::Host{id, 1, name(n), 60, std::nullopt, std::nullopt, std::nullopt, zone};
    }
    // Sets both the principal's view and the stored row.
    void stored(auth::Host& h, std::optional<IpAddress> v4, std::optional<IpAddress> v6) {
        h.ipv4 = v4;
        h.ipv6 = v6;
        store.rows[h.id] = auth::StoredAddresses{h.id, v4, v6};
    }

    // Polls the observable queue length; a deadline, not a guess of how long threads take.
    bool wait_for_queued(std::size_t n) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (service.queued(zone->id) < n) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return true;
    }

    std::shared_ptr<const auth::Zone> zone;
    FakeSender sender;
    FakeHostStore store;
    auth::Host a{host(0, "x.example.org")};
    auth::Host b{host(0, "y.example.org")};
    Logger log{LogLevel::Error};
    // One message per zone at a time, so that requests queue behind a message in flight
    // (zone_pipeline_test.cpp runs several), however long a test holds it there.
    UpdateService service{
        sender, store, log,
        UpdateServiceOptions{.max_messages_per_zone = 1, .stall_after = std::chrono::hours(1)}};
    auth::TimePoint now = auth::Clock::now();
};

TEST_F(UpdateServiceTest, UnchangedSendsNothingAndRefreshesSeenAtMostOncePerWindow) {
    stored(a, ip("192.0.2.1"), std::nullopt);
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Unchanged);
    EXPECT_TRUE(sender.sent.empty());
    EXPECT_EQ(store.changes_begun, 0) << "the no-change path takes no lock";
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
    EXPECT_EQ(std::get<DeleteRRset>(ops[0]).type, RecordType::A);
    EXPECT_EQ(std::get<AddRecord>(ops[1]).record.data(), Rdata(ip("192.0.2.1")));
    EXPECT_EQ(std::get<DeleteRRset>(ops[2]).type, RecordType::AAAA);
    EXPECT_EQ(std::get<AddRecord>(ops[3]).record.data(), Rdata(ip("2001:db8::1")));
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_EQ(store.rows[1].ipv4, ip("192.0.2.1"));
    EXPECT_EQ(store.rows[1].ipv6, ip("2001:db8::1"));
}

TEST_F(UpdateServiceTest, OnlyTheRequestedFamilyChanges) {
    stored(a, ip("192.0.2.1"), ip("2001:db8::1"));
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    ASSERT_EQ(sender.sent.size(), 1u);
    ASSERT_EQ(sender.sent[0].operations.size(), 2u);
    EXPECT_EQ(std::get<DeleteRRset>(sender.sent[0].operations[0]).type, RecordType::A);
    EXPECT_EQ(store.rows[1].ipv6, ip("2001:db8::1"));
    EXPECT_EQ(r[0].ipv6, ip("2001:db8::1"));
}

TEST_F(UpdateServiceTest, RemoveDeletesTheRRsetOnly) {
    stored(a, ip("192.0.2.1"), std::nullopt);
    auto r = service.apply({{&a, FamilyIntent::remove(), FamilyIntent::keep()}}, now);
    ASSERT_EQ(sender.sent.at(0).operations.size(), 1u);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_EQ(store.rows[1].ipv4, std::nullopt);
}

TEST_F(UpdateServiceTest, DnsFailureRecordsNothing) {
    for (auto status : {UpdateStatus::Refused, UpdateStatus::Timeout, UpdateStatus::BadSig,
                        UpdateStatus::NetworkError, UpdateStatus::BadReply}) {
        sender.scripted = {status};
        auto r =
            service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()}}, now);
        EXPECT_EQ(r[0].status, ApplyStatus::DnsFailed) << to_string(status);
        EXPECT_EQ(r[0].dns_status, status);
        EXPECT_EQ(r[0].ipv4, std::nullopt);
        EXPECT_EQ(store.rows[1].ipv4, std::nullopt) << to_string(status);
    }
}

TEST_F(UpdateServiceTest, HostsOfOneZoneShareOneMessage) {
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()},
                            {&b, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}},
                           now);
    ASSERT_EQ(sender.sent.size(), 1u);
    EXPECT_EQ(sender.sent[0].operations.size(), 4u);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_EQ(r[1].status, ApplyStatus::Changed);
    EXPECT_EQ(store.commits, 1);
}

TEST_F(UpdateServiceTest, ARefusedMessageIsSplitSoOneBadChangeCannotFailOthers) {
    sender.scripted = {UpdateStatus::Refused, UpdateStatus::Refused, UpdateStatus::Success};
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()},
                            {&b, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}},
                           now);
    EXPECT_EQ(sender.sent.size(), 3u);
    EXPECT_EQ(r[0].status, ApplyStatus::DnsFailed);
    EXPECT_EQ(r[1].status, ApplyStatus::Changed);
    EXPECT_EQ(store.rows[1].ipv4, std::nullopt);
    EXPECT_EQ(store.rows[2].ipv4, ip("192.0.2.2"));
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

TEST_F(UpdateServiceTest, CommitFailureRollsDnsBack) {
    stored(a, ip("192.0.2.1"), std::nullopt);
    store.fail_commit = true;
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::StoreFailed);
    ASSERT_EQ(sender.sent.size(), 2u);
    const auto& undo = sender.sent[1].operations;
    ASSERT_EQ(undo.size(), 2u);
    EXPECT_EQ(std::get<AddRecord>(undo[1]).record.data(), Rdata(ip("192.0.2.1")));
    EXPECT_EQ(store.rows[1].ipv4, ip("192.0.2.1"));
}

TEST_F(UpdateServiceTest, RollbackOnlyWhereBindStillHoldsWhatThisChangeWrote) {
    stored(a, ip("192.0.2.1"), std::nullopt);
    store.fail_commit = true;
    service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    ASSERT_EQ(sender.sent.size(), 2u);
    const auto& prereqs = sender.sent[1].prerequisites;
    ASSERT_EQ(prereqs.size(), 1u);
    const auto* held = std::get_if<RRsetExistsValue>(&prereqs[0]);
    ASSERT_NE(held, nullptr);
    EXPECT_EQ(held->record.data(), Rdata(ip("192.0.2.2")));
    EXPECT_TRUE(sender.sent[0].prerequisites.empty());
}

TEST_F(UpdateServiceTest, CommitOutcomeUnknownKeepsDnsAndMarksTheHostInDoubt) {
    stored(a, ip("192.0.2.1"), std::nullopt);
    store.commit_unknown = true;
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::InDoubt);
    EXPECT_EQ(sender.sent.size(), 1u);  // no rollback
    EXPECT_EQ(store.marks, 1);
    EXPECT_TRUE(store.rows[1].in_doubt);

    // The commit did happen; the next identical request (credentials loaded anew) is not nochg:
    // the host's whole state is sent again, and recording it settles the doubt.
    store.commit_unknown = false;
    a.ipv4 = ip("192.0.2.2");
    r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 2u);
    EXPECT_FALSE(sender.sent[1].operations.empty());
    EXPECT_FALSE(store.rows[1].in_doubt);

    // Settled: the same request is nochg again, decided without DNS.
    r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Unchanged);
    EXPECT_EQ(sender.sent.size(), 2u);
}

TEST_F(UpdateServiceTest, PrerequisiteFailureOfOneHostIsRetriedSingly) {
    sender.scripted = {UpdateStatus::NxRrset, UpdateStatus::Success, UpdateStatus::NxRrset};
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()},
                            {&b, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}},
                           now);
    EXPECT_EQ(sender.sent.size(), 3u);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_EQ(r[1].status, ApplyStatus::DnsFailed);
}

TEST_F(UpdateServiceTest, DatabaseDownBeforeSendingSendsNothing) {
    store.fail_begin = true;
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::StoreFailed);
    EXPECT_TRUE(sender.sent.empty());
}

TEST_F(UpdateServiceTest, DecidesOnTheStateReadUnderTheLock) {
    // The credentials were loaded when the host had no address; meanwhile another instance set
    // it to what this request wants: nothing to send.
    store.rows[1] = auth::StoredAddresses{1, ip("192.0.2.9"), std::nullopt};
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.9")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Unchanged);
    EXPECT_TRUE(sender.sent.empty());
    // And a change is computed from the locked state, not the stale one: only A is replaced.
    store.rows[1] = auth::StoredAddresses{1, ip("192.0.2.9"), ip("2001:db8::9")};
    r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.10")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 1u);
    EXPECT_EQ(sender.sent[0].operations.size(), 2u);
    EXPECT_EQ(store.rows[1].ipv6, ip("2001:db8::9"));
}

TEST_F(UpdateServiceTest, AHostRemovedMeanwhileIsGone) {
    store.rows.erase(1);
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Gone);
    EXPECT_TRUE(sender.sent.empty());
}

TEST_F(UpdateServiceTest, ChangesQueuedWhileAMessageIsInFlightGoOutTogether) {
    std::vector<auth::Host> hosts;
    hosts.reserve(10);
    for (int i = 0; i < 10; ++i)
        hosts.push_back(host(100 + i, ("h" + std::to_string(i) + ".example.org").c_str()));
    {
        std::lock_guard lock(sender.mutex);
        sender.gate = true;
    }
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    auto run = [&](int i) {
        const std::string addr = "192.0.2." + std::to_string(10 + i);
        auto r = service.apply({{&hosts[static_cast<std::size_t>(i)],
                                 FamilyIntent::set(ip(addr.c_str())), FamilyIntent::keep()}},
                               now);
        if (r[0].status == ApplyStatus::Changed) ++good;
    };
    threads.emplace_back(run, 0);
    {
        // Wait until the first message is in flight, then queue nine more requests.
        std::unique_lock lock(sender.mutex);
        sender.cv.wait(lock, [&] { return sender.in_flight; });
    }
    for (int i = 1; i < 10; ++i) threads.emplace_back(run, i);
    // All nine are queued behind the message in flight (observable, not guessed).
    EXPECT_TRUE(wait_for_queued(9));
    {
        std::lock_guard lock(sender.mutex);
        sender.gate = false;
    }
    sender.cv.notify_all();
    for (auto& t : threads) t.join();
    EXPECT_EQ(good.load(), 10);
    // Ten changes, two messages: the nine queued behind the first went out together.
    EXPECT_EQ(sender.sent.size(), 2u);
    EXPECT_EQ(sender.sent.at(1).operations.size(), 18u);
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(store.rows[100 + i].ipv4, ip(("192.0.2." + std::to_string(10 + i)).c_str()));
}

TEST_F(UpdateServiceTest, TwoQueuedRequestsForOneHostShareAMessageAndTheLaterWins) {
    auth::Host first = host(200, "first.example.org");
    {
        std::lock_guard lock(sender.mutex);
        sender.gate = true;
    }
    std::thread blocker([&] {
        service.apply({{&first, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()}}, now);
    });
    {
        std::unique_lock lock(sender.mutex);
        sender.cv.wait(lock, [&] { return sender.in_flight; });
    }
    std::vector<HostApplyResult> r1, r2;
    std::thread one([&] {
        r1 = service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    });
    EXPECT_TRUE(wait_for_queued(1));
    std::thread two([&] {
        r2 = service.apply({{&a, FamilyIntent::set(ip("192.0.2.3")), FamilyIntent::keep()}}, now);
    });
    EXPECT_TRUE(wait_for_queued(2));
    {
        std::lock_guard lock(sender.mutex);
        sender.gate = false;
    }
    sender.cv.notify_all();
    blocker.join();
    one.join();
    two.join();
    ASSERT_EQ(sender.sent.size(), 2u);
    // One replacement of host a in the second message, to the later address.
    ASSERT_EQ(sender.sent[1].operations.size(), 2u);
    EXPECT_EQ(std::get<AddRecord>(sender.sent[1].operations[1]).record.data(),
              Rdata(ip("192.0.2.3")));
    EXPECT_EQ(r1.at(0).status, ApplyStatus::Changed);
    EXPECT_EQ(r2.at(0).status, ApplyStatus::Changed);
    EXPECT_EQ(store.rows[1].ipv4, ip("192.0.2.3"));
}

// ---- host lifecycle: heartbeats, offline hosts coming back, offline=YES ----

TEST_F(UpdateServiceTest, HeartbeatHostsRefreshSeenOnEveryUnchangedUpdate) {
    stored(a, ip("192.0.2.1"), std::nullopt);
    a.heartbeat_timeout = std::chrono::minutes(20);
    a.last_seen = now;
    for (int i = 0; i < 3; ++i) {
        auto r =
            service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()}}, now);
        EXPECT_EQ(r[0].status, ApplyStatus::Unchanged);
    }
    EXPECT_EQ(store.seen[1], 3) << "a fresh last_seen does not excuse a heartbeat host";
    EXPECT_EQ(store.changes_begun, 0);
    EXPECT_TRUE(sender.sent.empty());
}

// The sweeper took the host offline after the credentials were loaded: the conditional
// last_seen write fails, and the locked path puts the address back instead of saying nochg.
TEST_F(UpdateServiceTest, AnUnchangedHostWhoseRowMovedOnTakesTheLockedPath) {
    stored(a, ip("192.0.2.1"), std::nullopt);
    a.heartbeat_timeout = std::chrono::minutes(20);
    store.rows[1] = auth::StoredAddresses{1, std::nullopt, std::nullopt, true};
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(store.seen_attempts[1], 1);
    EXPECT_EQ(store.changes_begun, 1);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 1u);
    EXPECT_EQ(std::get<AddRecord>(sender.sent[0].operations.at(1)).record.data(),
              Rdata(ip("192.0.2.1")));
    EXPECT_EQ(store.rows[1].ipv4, ip("192.0.2.1"));
    EXPECT_FALSE(store.rows[1].offline);
}

TEST_F(UpdateServiceTest, AnOfflineHostComesBackWithItsNextUpdate) {
    a.offline = true;
    store.rows[1] = auth::StoredAddresses{1, std::nullopt, std::nullopt, true};
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.5")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_EQ(store.seen_attempts[1], 0) << "offline hosts go straight to the locked path";
    EXPECT_EQ(store.rows[1].ipv4, ip("192.0.2.5"));
    EXPECT_FALSE(store.rows[1].offline);
}

TEST_F(UpdateServiceTest, ASentinelLeftFromOfflineIsRemovedWhenTheHostComesBack) {
    a.offline = true;
    a.ipv4 = ip("0.0.0.0");
    a.ipv6 = ip("::");
    store.rows[1] = auth::StoredAddresses{1, ip("0.0.0.0"), ip("::"), true};
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.6")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 1u);
    const auto& ops = sender.sent[0].operations;
    ASSERT_EQ(ops.size(), 3u) << "A replaced, AAAA (the sentinel) deleted";
    EXPECT_EQ(std::get<DeleteRRset>(ops[2]).type, RecordType::AAAA);
    EXPECT_EQ(store.rows[1].ipv4, ip("192.0.2.6"));
    EXPECT_EQ(store.rows[1].ipv6, std::nullopt);
    EXPECT_EQ(r[0].ipv6, std::nullopt);
}

TEST_F(UpdateServiceTest, AnOfflineHostWithNothingNewComesBackAsNochgWithoutDns) {
    a.offline = true;
    store.rows[1] = auth::StoredAddresses{1, std::nullopt, std::nullopt, true};
    auto r = service.apply({{&a, FamilyIntent::remove(), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Unchanged);
    EXPECT_TRUE(sender.sent.empty());
    EXPECT_FALSE(store.rows[1].offline) << "an authenticated update means the host is alive";
}

class UpdateServiceOfflineTest : public UpdateServiceTest,
                                 public ::testing::WithParamInterface<auth::OfflineAction> {};

TEST_P(UpdateServiceOfflineTest, TakeOfflineAppliesTheZonesActionAndRecordsTheReason) {
    auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0");
    auth::Zone z{8,
                 name("sentinel.example"),
                 ServerEndpoint{ip("127.0.0.1"), 53},
                 std::move(*key),
                 60,
                 std::nullopt};
    z.offline_action = GetParam();
    auto zone_ptr = std::make_shared<const auth::Zone>(std::move(z));
    auth::Host h{40,  1,       name("h.sentinel.example"), 60, ip("192.0.2.40"), ip("2001:db8::40"),
                 now, zone_ptr};
    store.rows[40] = auth::StoredAddresses{40, h.ipv4, h.ipv6};
    auto r = service.apply({{&h, {}, {}, true}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 1u);
    const auto& ops = sender.sent[0].operations;
    EXPECT_TRUE(sender.sent[0].prerequisites.empty()) << "the owner's own request, under lock";
    const bool sentinel = GetParam() == auth::OfflineAction::Sentinel;
    ASSERT_EQ(ops.size(), sentinel ? 4u : 2u);
    EXPECT_EQ(std::get<DeleteRRset>(ops[0]).type, RecordType::A);
    if (sentinel) {
        EXPECT_EQ(std::get<AddRecord>(ops[1]).record.data(), Rdata(ip("0.0.0.0")));
        EXPECT_EQ(std::get<AddRecord>(ops[3]).record.data(), Rdata(ip("::")));
    }
    EXPECT_TRUE(store.rows[40].offline);
    EXPECT_EQ(store.reasons[40], auth::OfflineReason::Request);
    EXPECT_EQ(store.rows[40].ipv4, sentinel ? std::optional(ip("0.0.0.0")) : std::nullopt);
    EXPECT_EQ(store.seen[40], 1) << "offline=YES is an authenticated update too";

    // Again: already offline, nothing to send.
    h.offline = true;
    r = service.apply({{&h, {}, {}, true}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Unchanged);
    EXPECT_EQ(sender.sent.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Actions, UpdateServiceOfflineTest,
                         ::testing::Values(auth::OfflineAction::Delete,
                                           auth::OfflineAction::Sentinel),
                         [](const auto& param_info) {
                             return std::string(auth::to_string(param_info.param));
                         });

TEST_F(UpdateServiceTest, TakeOfflineWithoutAddressesNeedsNoDns) {
    auto r = service.apply({{&a, {}, {}, true}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_TRUE(sender.sent.empty());
    EXPECT_TRUE(store.rows[1].offline);
}

TEST_F(UpdateServiceTest, TakeOfflineFollowsTheHostsOwnActionOverTheZones) {
    ASSERT_EQ(zone->offline_action, auth::OfflineAction::Delete);
    stored(a, ip("192.0.2.1"), std::nullopt);
    stored(b, ip("192.0.2.2"), std::nullopt);
    a.offline_action = auth::OfflineAction::Sentinel;
    auto r = service.apply({{&a, {}, {}, true}, {&b, {}, {}, true}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_EQ(r[1].status, ApplyStatus::Changed);
    EXPECT_EQ(store.rows[a.id].ipv4, ip("0.0.0.0")) << "its own action: the sentinel";
    EXPECT_EQ(store.rows[b.id].ipv4, std::nullopt) << "the zone's action: deleted";
    std::size_t sentinels = 0;
    for (const auto& request : sender.sent)
        for (const auto& op : request.operations)
            if (const auto* add = std::get_if<AddRecord>(&op)) {
                EXPECT_EQ(add->record.owner(), a.name);
                EXPECT_EQ(add->record.data(), Rdata(ip("0.0.0.0")));
                ++sentinels;
            }
    EXPECT_EQ(sentinels, 1u);
}

TEST_F(UpdateServiceTest, TakeOfflineThatBindRefusesChangesNothing) {
    stored(a, ip("192.0.2.1"), std::nullopt);
    sender.scripted = {UpdateStatus::Timeout};
    auto r = service.apply({{&a, {}, {}, true}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::DnsFailed);
    EXPECT_FALSE(store.rows[1].offline);
    EXPECT_EQ(store.rows[1].ipv4, ip("192.0.2.1"));
}

// Issue #9 finding 4: a lost reply (BIND may have applied the change) marks the hosts in doubt, so
// the next identical request is sent again instead of being answered nochg from the database,
// and the reconciler settles them; a refusal (BIND surely did not apply it) marks nothing.
TEST_F(UpdateServiceTest, ALostReplyMarksTheHostsInDoubt) {
    stored(a, ip("192.0.2.1"), std::nullopt);
    for (auto status : {UpdateStatus::Timeout, UpdateStatus::BadReply}) {
        store.rows[1].in_doubt = false;
        store.marks = 0;
        sender.scripted = {status};
        auto r =
            service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
        EXPECT_EQ(r[0].status, ApplyStatus::DnsFailed) << to_string(status);
        EXPECT_EQ(store.marks, 1) << to_string(status);
        EXPECT_TRUE(store.rows[1].in_doubt) << to_string(status);
        EXPECT_EQ(store.rows[1].ipv4, ip("192.0.2.1")) << to_string(status);
    }

    // The client repeats the request: not nochg, the whole state goes to BIND again.
    const auto before = sender.sent.size();
    auto r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.2")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Changed);
    EXPECT_EQ(sender.sent.size(), before + 1);
    EXPECT_FALSE(store.rows[1].in_doubt);

    store.marks = 0;
    sender.scripted = {UpdateStatus::Refused};
    r = service.apply({{&a, FamilyIntent::set(ip("192.0.2.3")), FamilyIntent::keep()}}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::DnsFailed);
    EXPECT_EQ(store.marks, 0);
    EXPECT_FALSE(store.rows[1].in_doubt);
}

}  // namespace
}  // namespace ddns::gateway
