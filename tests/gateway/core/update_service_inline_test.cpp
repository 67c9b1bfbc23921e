// UpdateService::apply on the connection loop (inside auth::NonBlockingScope): what it can
// decide from memory it answers; anything that would wait for the database or BIND throws
// auth::WouldBlock before any intent of the request was recorded, sent or queued.
#include <gtest/gtest.h>

#include <memory>

#include "ddns/auth/would_block.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "fakes.hpp"

namespace ddns::gateway {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

class UpdateServiceInline : public ::testing::Test {
protected:
    UpdateServiceInline() {
        auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0");
        zone = std::make_shared<auth::Zone>(auth::Zone{7, *DnsName::parse("example.org"),
                                                       ServerEndpoint{ip("127.0.0.1"), 53},
                                                       std::move(*key), 60, std::nullopt});
    }
    // A host holding 192.0.2.1, seen `seen_ago` ago.
    auth::Host host(std::int64_t id, const char* name, std::chrono::seconds seen_ago) {
        store.rows[id] = auth::StoredAddresses{id, ip("192.0.2.1"), std::nullopt};
        auth::Host h{id,           1,   *DnsName::parse(name), 60, std::nullopt, std::nullopt,
                     std::nullopt, zone};
        h.ipv4 = ip("192.0.2.1");
        h.last_seen = now - seen_ago;
        return h;
    }
    HostIntent keep(const auth::Host& h) const {
        return {&h, FamilyIntent::set(ip("192.0.2.1")), FamilyIntent::keep()};
    }
    HostIntent change(const auth::Host& h) const {
        return {&h, FamilyIntent::set(ip("192.0.2.9")), FamilyIntent::keep()};
    }
    // Nothing recorded, sent, locked or queued.
    void expect_untouched() {
        EXPECT_TRUE(store.seen_attempts.empty());
        EXPECT_TRUE(store.seen.empty());
        EXPECT_EQ(store.changes_begun, 0);
        EXPECT_TRUE(sender.sent.empty());
        EXPECT_EQ(service.queued(zone->id), 0U);
    }

    std::shared_ptr<const auth::Zone> zone;
    fakes::FakeSender sender;
    fakes::FakeHostStore store;  // writes last_seen at once: never a note in memory
    Logger log{LogLevel::Error};
    UpdateService service{sender, store, log};
    auth::TimePoint now = auth::Clock::now();
};

TEST_F(UpdateServiceInline, AFreshUnchangedHostIsAnsweredFromMemory) {
    const auth::Host a = host(1, "a.example.org", std::chrono::seconds(1));
    const auth::NonBlockingScope scope;
    const auto r = service.apply({keep(a)}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Unchanged);
    expect_untouched();
}

TEST_F(UpdateServiceInline, ABlockedHostIsRefusedFromMemory) {
    auth::Host a = host(1, "a.example.org", std::chrono::hours(1));
    a.blocked = true;
    const auth::NonBlockingScope scope;
    EXPECT_EQ(service.apply({change(a)}, now)[0].status, ApplyStatus::Blocked);
    expect_untouched();
}

TEST_F(UpdateServiceInline, AChangeWouldBlockAndLeavesNothing) {
    const auth::Host a = host(1, "a.example.org", std::chrono::seconds(1));
    const auth::NonBlockingScope scope;
    EXPECT_THROW(service.apply({change(a)}, now), auth::WouldBlock);
    expect_untouched();
}

// The first host alone could be answered; the second needs a statement (its last_seen is due
// for a refresh and this store writes at once): the whole request waits, and the first host's
// answer was not recorded either.
TEST_F(UpdateServiceInline, OneHostThatWaitsSendsTheWholeRequestToAWorker) {
    const auth::Host a = host(1, "a.example.org", std::chrono::seconds(1));
    const auth::Host b = host(2, "b.example.org", std::chrono::hours(2));
    {
        const auth::NonBlockingScope scope;
        EXPECT_THROW(service.apply({keep(a), keep(b)}, now), auth::WouldBlock);
        expect_untouched();
    }
    // A worker (no scope) then answers both, writing b's last_seen.
    const auto r = service.apply({keep(a), keep(b)}, now);
    EXPECT_EQ(r[0].status, ApplyStatus::Unchanged);
    EXPECT_EQ(r[1].status, ApplyStatus::Unchanged);
    EXPECT_EQ(store.seen[2], 1);
}

TEST_F(UpdateServiceInline, ANoteKeptInMemoryIsAnsweredFromMemory) {
    store.notes_claimed_in_memory = true;
    const auth::Host a = host(1, "a.example.org", std::chrono::hours(2));
    const auth::NonBlockingScope scope;
    EXPECT_EQ(service.apply({keep(a)}, now)[0].status, ApplyStatus::Unchanged);
    EXPECT_EQ(store.seen[1], 1);  // the note
}

// Near its heartbeat deadline a host's last_seen is written at once, notes or not.
TEST_F(UpdateServiceInline, AHeartbeatHostNearDueWaits) {
    store.notes_claimed_in_memory = true;
    auth::Host a = host(1, "a.example.org", std::chrono::seconds(59));
    a.heartbeat_timeout = std::chrono::seconds(60);
    const auth::NonBlockingScope scope;
    EXPECT_THROW(service.apply({keep(a)}, now), auth::WouldBlock);
    expect_untouched();
}

}  // namespace
}  // namespace ddns::gateway
