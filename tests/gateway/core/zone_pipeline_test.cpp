// Several messages of one zone at once (UpdateServiceOptions::max_messages_per_zone): messages
// over disjoint hosts overlap, a message over a host another one holds waits for its commit
// (the row lock), and no later message overtakes one that is still taking its locks. A message
// in flight longer than stall_after lets the next one start beside it (up to
// max_messages_when_stalled), and only then.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "ddns/gateway/core/update_service.hpp"
#include "fakes.hpp"

namespace ddns::gateway {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

// Polls `done` until it holds or 20 s passed: a deadline, not a guess of how long threads take.
bool eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

class ZonePipelineTest : public ::testing::Test {
protected:
    ZonePipelineTest() {
        auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0");
        zone = std::make_shared<auth::Zone>(auth::Zone{7, *DnsName::parse("example.org"),
                                                       ServerEndpoint{ip("127.0.0.1"), 53},
                                                       std::move(*key), 60, std::nullopt});
        store.row_locks = true;
        std::lock_guard lock(sender.mutex);
        sender.gate = true;  // every message waits in flight until open()
    }
    auth::Host host(std::int64_t id, const char* n) {
        store.rows[id] = auth::StoredAddresses{id, std::nullopt, std::nullopt};
        return auth::Host{id,           1,   *DnsName::parse(n), 60, std::nullopt, std::nullopt,
                          std::nullopt, zone};
    }
    std::thread change(UpdateService& service, const auth::Host& h, const char* address,
                       ApplyStatus& status) {
        return std::thread([&service, &h, address, &status, this] {
            status =
                service.apply({{&h, FamilyIntent::set(ip(address)), FamilyIntent::keep()}}, now)[0]
                    .status;
        });
    }
    std::size_t sent() {
        std::lock_guard lock(sender.mutex);
        return sender.sent.size();
    }
    int lock_waits() {
        std::lock_guard lock(store.mutex);
        return store.lock_waits;
    }
    void open() {
        {
            std::lock_guard lock(sender.mutex);
            sender.gate = false;
        }
        sender.cv.notify_all();
    }
    void shut() {
        std::lock_guard lock(sender.mutex);
        sender.gate = true;
    }
    bool in_flight() {
        std::lock_guard lock(sender.mutex);
        return sender.in_flight;
    }
    int commits_waiting() {
        std::lock_guard lock(store.mutex);
        return store.commits_waiting;
    }
    void hold_commits(bool failing) {
        std::lock_guard lock(store.mutex);
        store.commit_gate = true;
        store.fail_commit = failing;
    }
    void open_commits() {
        {
            std::lock_guard lock(store.mutex);
            store.commit_gate = false;
        }
        store.commit_gate_opened.notify_all();
    }
    // Where the first message of second_message_beside_first() is held.
    enum class HeldAt { Bind, Commit };
    // Two requests for two hosts: the second one's message goes out while the first is still
    // held (waiting for BIND's answer, or BIND has answered and its commit waits), and both are
    // recorded once released.
    void second_message_beside_first(UpdateServiceOptions options, HeldAt held = HeldAt::Bind) {
        if (held == HeldAt::Commit) {
            open();  // BIND answers at once
            hold_commits(false);
        }
        const auto both_held = [&](std::size_t messages) {
            return sent() == messages &&
                   (held == HeldAt::Bind || commits_waiting() == static_cast<int>(messages));
        };
        UpdateService service{sender, store, log, options};
        const auth::Host a = host(1, "a.example.org");
        const auth::Host b = host(2, "b.example.org");
        ApplyStatus ra{}, rb{};
        std::thread one = change(service, a, "192.0.2.1", ra);
        ASSERT_TRUE(eventually([&] { return both_held(1); }));
        std::thread two = change(service, b, "192.0.2.2", rb);
        EXPECT_TRUE(eventually([&] { return both_held(2); }));
        open();
        open_commits();
        one.join();
        two.join();
        EXPECT_EQ(ra, ApplyStatus::Changed);
        EXPECT_EQ(rb, ApplyStatus::Changed);
        EXPECT_EQ(store.rows[1].ipv4, ip("192.0.2.1"));
        EXPECT_EQ(store.rows[2].ipv4, ip("192.0.2.2"));
    }
    // The address a message adds for its (only) host.
    static Rdata added(const UpdateRequest& r) {
        return std::get<AddRecord>(r.operations.at(1)).record.data();
    }

    std::shared_ptr<const auth::Zone> zone;
    fakes::FakeSender sender;
    fakes::FakeHostStore store;
    Logger log{LogLevel::Error};
    auth::TimePoint now = auth::Clock::now();
};

TEST_F(ZonePipelineTest, MessagesOverDisjointHostsAreInFlightTogether) {
    second_message_beside_first(UpdateServiceOptions{.max_messages_per_zone = 2});
}

TEST_F(ZonePipelineTest, AMessageOverAHeldHostWaitsForItsCommitAndNothingOvertakesIt) {
    UpdateService service{sender, store, log, UpdateServiceOptions{.max_messages_per_zone = 4}};
    const auth::Host a = host(1, "a.example.org");
    const auth::Host b = host(2, "b.example.org");
    ApplyStatus r1{}, r2{}, r3{};
    std::thread first = change(service, a, "192.0.2.1", r1);
    ASSERT_TRUE(eventually([&] { return sent() == 1; }));
    // The second message wants host a too: it waits for a's row lock, before sending anything.
    std::thread second = change(service, a, "192.0.2.2", r2);
    ASSERT_TRUE(eventually([&] { return lock_waits() == 1; }));
    // A third request (another host) queues: no message may take its locks before the second.
    std::thread third = change(service, b, "192.0.2.3", r3);
    EXPECT_TRUE(eventually([&] { return service.queued(zone->id) == 1; }));
    EXPECT_EQ(sent(), 1U);
    open();
    first.join();
    second.join();
    third.join();
    EXPECT_EQ(r1, ApplyStatus::Changed);
    EXPECT_EQ(r2, ApplyStatus::Changed);
    EXPECT_EQ(r3, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 3U);
    // BIND saw a's changes in request order (b's message, over another host, may go out before
    // or after the second), and the database holds the later one.
    EXPECT_EQ(added(sender.sent[0]), Rdata(ip("192.0.2.1")));
    const std::vector<Rdata> rest{added(sender.sent[1]), added(sender.sent[2])};
    const std::vector<Rdata> a_first{Rdata(ip("192.0.2.2")), Rdata(ip("192.0.2.3"))};
    const std::vector<Rdata> b_first{Rdata(ip("192.0.2.3")), Rdata(ip("192.0.2.2"))};
    EXPECT_TRUE(rest == a_first || rest == b_first);
    EXPECT_EQ(store.rows[1].ipv4, ip("192.0.2.2"));
    EXPECT_EQ(store.rows[2].ipv4, ip("192.0.2.3"));
}

// The first message never gets its answer while the gate is shut: the second one starts once
// the first has been in flight for 50 ms.
TEST_F(ZonePipelineTest, AStalledMessageLetsTheNextOneStartBesideIt) {
    second_message_beside_first(UpdateServiceOptions{.max_messages_per_zone = 1,
                                                     .stall_after = std::chrono::milliseconds(50),
                                                     .max_messages_when_stalled = 4});
}

// Before stall_after, the next message waits for the one in flight, and stalled messages never
// make more than max_messages_when_stalled at once.
TEST_F(ZonePipelineTest, MessagesStartBesideOnlyStalledOnesAndUpToTheirLimit) {
    UpdateService service{sender, store, log,
                          UpdateServiceOptions{.max_messages_per_zone = 1,
                                               .stall_after = std::chrono::milliseconds(300),
                                               .max_messages_when_stalled = 2}};
    const auth::Host a = host(1, "a.example.org");
    const auth::Host b = host(2, "b.example.org");
    const auth::Host c = host(3, "c.example.org");
    ApplyStatus ra{}, rb{}, rc{};
    const auto first_sent = std::chrono::steady_clock::now();
    std::thread one = change(service, a, "192.0.2.1", ra);
    ASSERT_TRUE(eventually([&] { return sent() == 1; }));
    std::thread two = change(service, b, "192.0.2.2", rb);
    ASSERT_TRUE(eventually([&] { return service.queued(zone->id) == 1; }));
    ASSERT_TRUE(eventually([&] { return sent() == 2; }));
    // Not before the first message had been in flight for stall_after (measured from before
    // its request started, so at most that long).
    EXPECT_GE(std::chrono::steady_clock::now() - first_sent, std::chrono::milliseconds(300));
    std::thread three = change(service, c, "192.0.2.3", rc);
    ASSERT_TRUE(eventually([&] { return service.queued(zone->id) == 1; }));
    // Both messages in flight stall, and two is the limit: the third waits for one of them,
    // however long (three stall periods here).
    std::this_thread::sleep_for(std::chrono::milliseconds(900));
    EXPECT_EQ(sent(), 2U);
    EXPECT_EQ(service.queued(zone->id), 1U);
    open();
    one.join();
    two.join();
    three.join();
    EXPECT_EQ(sent(), 3U);
    EXPECT_EQ(ra, ApplyStatus::Changed);
    EXPECT_EQ(rb, ApplyStatus::Changed);
    EXPECT_EQ(rc, ApplyStatus::Changed);
}

// One message of the zone at a time, and none ever stalls.
const UpdateServiceOptions kOneAtATime{.max_messages_per_zone = 1,
                                       .stall_after = std::chrono::hours(1)};

// BIND has answered the first message; while it commits, the next one (another host) takes its
// locks and goes to BIND: a zone's commit overlaps the next message's round trips.
TEST_F(ZonePipelineTest, TheNextMessageGoesToBindWhileTheOneBeforeCommits) {
    second_message_beside_first(kOneAtATime, HeldAt::Commit);
}

// The first message's commit fails after BIND applied it, so it sends BIND a compensation. The
// next message over the same host gets the row once the transaction is gone, but goes to BIND
// only after that compensation: BIND sees the host's changes in order, and ends with the
// database's state.
TEST_F(ZonePipelineTest, AMessageOverAHostBeingCompensatedWaitsForTheCompensation) {
    open();
    hold_commits(true);
    UpdateService service{sender, store, log, kOneAtATime};
    const auth::Host a = host(1, "a.example.org");
    ApplyStatus r1{}, r2{};
    std::thread first = change(service, a, "192.0.2.1", r1);
    ASSERT_TRUE(eventually([&] { return commits_waiting() == 1; }));
    std::thread second = change(service, a, "192.0.2.2", r2);
    ASSERT_TRUE(eventually([&] { return lock_waits() == 1; }));  // a's row is held
    shut();
    open_commits();  // the first commit fails: the row is free, the compensation in flight
    ASSERT_TRUE(eventually([&] { return sent() == 2 && in_flight() && lock_waits() == 0; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(sent(), 2U);  // the second message holds a's row and waits
    {
        std::lock_guard lock(store.mutex);
        store.fail_commit = false;
    }
    open();
    first.join();
    second.join();
    EXPECT_EQ(r1, ApplyStatus::StoreFailed);
    EXPECT_EQ(r2, ApplyStatus::Changed);
    ASSERT_EQ(sender.sent.size(), 3U);
    EXPECT_EQ(added(sender.sent[0]), Rdata(ip("192.0.2.1")));
    EXPECT_FALSE(sender.sent[1].prerequisites.empty());  // the compensation
    EXPECT_EQ(added(sender.sent[2]), Rdata(ip("192.0.2.2")));
    EXPECT_EQ(store.rows[1].ipv4, ip("192.0.2.2"));
}

}  // namespace
}  // namespace ddns::gateway
