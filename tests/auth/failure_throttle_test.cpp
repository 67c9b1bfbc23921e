// FailureThrottle on a fake steady clock: address locks (threshold, doubling, cap, reset by a
// success, end of a streak), account locks (across addresses, bounded, trusted addresses
// exempt), network locks (one address, all names: password spraying), checks in flight,
// abandoned checks, and the memory bound under sprays.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ddns/auth/failure_throttle.hpp"
#include "fakes.hpp"

namespace ddns::auth {
namespace {

using fakes::FakeSteadyClock;
using std::chrono::minutes;
using std::chrono::seconds;

IpAddress ip(const std::string& text) {
    return *IpAddress::parse(text);
}

FailureThrottleOptions small_policy() {
    FailureThrottleOptions o;
    o.address_failures = 3;
    o.address_initial = seconds(1);
    o.address_max = seconds(8);
    o.account_failures = 10;
    o.account_lock = seconds(30);
    o.window = minutes(15);
    o.network_failures = 12;
    o.network_initial = seconds(2);
    o.network_max = seconds(16);
    o.trusted_for = minutes(60);
    return o;
}

class ThrottleTest : public ::testing::Test {
protected:
    explicit ThrottleTest(FailureThrottleOptions options = small_policy())
        : throttle(withEvents(std::move(options)), clock.function()) {}

    FailureThrottleOptions withEvents(FailureThrottleOptions options) {
        options.on_lock = [this](const LockEvent& e) { events.push_back(e); };
        return options;
    }

    // One failed check from `from` for `user`; false when it was refused instead.
    bool fail(const std::string& from, const std::string& user = "alice") {
        auto ticket = throttle.admit(ip(from), user);
        if (!ticket.admitted()) return false;
        ticket.failed();
        return true;
    }
    bool succeed(const std::string& from, const std::string& user = "alice") {
        auto ticket = throttle.admit(ip(from), user);
        if (!ticket.admitted()) return false;
        ticket.succeeded();
        return true;
    }
    // 0 s when a check would be admitted now, else the Retry-After the client is given.
    seconds wait(const std::string& from, const std::string& user = "alice") {
        auto ticket = throttle.admit(ip(from), user);
        return ticket.admitted() ? seconds(0) : ticket.retry_after();
    }

    FakeSteadyClock clock;
    std::vector<LockEvent> events;
    FailureThrottle throttle;
};

TEST_F(ThrottleTest, LocksAnAddressAfterThresholdFailures) {
    EXPECT_TRUE(fail("192.0.2.1"));
    EXPECT_TRUE(fail("192.0.2.1"));
    EXPECT_EQ(wait("192.0.2.1"), seconds(0));
    EXPECT_TRUE(fail("192.0.2.1"));  // the third failure locks
    EXPECT_EQ(wait("192.0.2.1"), seconds(1));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].scope, LockEvent::Scope::Address);
    EXPECT_EQ(events[0].client, ip("192.0.2.1"));
    EXPECT_EQ(events[0].username, "alice");
    EXPECT_EQ(events[0].duration, seconds(1));
}

TEST_F(ThrottleTest, RefusalsDuringALockAreNotCounted) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail("192.0.2.1"));
    for (int i = 0; i < 50; ++i) EXPECT_FALSE(fail("192.0.2.1"));
    clock.now += seconds(1);
    EXPECT_EQ(wait("192.0.2.1"), seconds(0)) << "polling while locked must not extend the lock";
    EXPECT_EQ(events.size(), 1u);
}

TEST_F(ThrottleTest, EachFurtherFailureLocksAgainForTwiceAsLongUpToTheCap) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail("192.0.2.1"));
    seconds expected(1);
    for (seconds next : {seconds(2), seconds(4), seconds(8), seconds(8), seconds(8)}) {
        EXPECT_EQ(wait("192.0.2.1"), expected);
        clock.now += expected - seconds(1) + std::chrono::milliseconds(500);
        EXPECT_EQ(wait("192.0.2.1"), seconds(1)) << "Retry-After rounds the rest up";
        clock.now += std::chrono::milliseconds(500);
        ASSERT_TRUE(fail("192.0.2.1")) << "the lock has ended";
        expected = next;
    }
    EXPECT_EQ(wait("192.0.2.1"), seconds(8));
    EXPECT_EQ(events.size(), 6u);
}

TEST_F(ThrottleTest, ASuccessEndsTheAddressStreak) {
    ASSERT_TRUE(fail("192.0.2.1"));
    ASSERT_TRUE(fail("192.0.2.1"));
    ASSERT_TRUE(succeed("192.0.2.1"));
    ASSERT_TRUE(fail("192.0.2.1"));
    ASSERT_TRUE(fail("192.0.2.1"));
    EXPECT_EQ(wait("192.0.2.1"), seconds(0));
    ASSERT_TRUE(fail("192.0.2.1"));
    EXPECT_EQ(wait("192.0.2.1"), seconds(1)) << "a fresh streak locks for the initial time";
}

TEST_F(ThrottleTest, ASuccessAfterLocksStartsOverAtTheInitialLock) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail("192.0.2.1"));
    clock.now += seconds(1);
    ASSERT_TRUE(fail("192.0.2.1"));  // locked for 2 s
    clock.now += seconds(2);
    ASSERT_TRUE(succeed("192.0.2.1"));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail("192.0.2.1"));
    EXPECT_EQ(wait("192.0.2.1"), seconds(1));
}

TEST_F(ThrottleTest, AStreakEndsAfterAQuietWindow) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail("192.0.2.1"));
    clock.now += seconds(1);
    ASSERT_TRUE(fail("192.0.2.1"));  // second lock: 2 s
    // The window counts from the end of the last lock.
    clock.now += seconds(2) + minutes(15) - seconds(1);
    ASSERT_TRUE(fail("192.0.2.1"));
    EXPECT_EQ(wait("192.0.2.1"), seconds(4)) << "still the same streak";
    clock.now += seconds(4) + minutes(15);
    ASSERT_TRUE(fail("192.0.2.1"));
    ASSERT_TRUE(fail("192.0.2.1"));
    EXPECT_EQ(wait("192.0.2.1"), seconds(0)) << "a new streak needs the threshold again";
    ASSERT_TRUE(fail("192.0.2.1"));
    EXPECT_EQ(wait("192.0.2.1"), seconds(1));
    EXPECT_EQ(throttle.address_entries(), 1u);
}

TEST_F(ThrottleTest, AnAddressLockBindsOnlyThatAddressAndAccount) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail("192.0.2.1"));
    EXPECT_EQ(wait("192.0.2.1"), seconds(1));
    EXPECT_EQ(wait("192.0.2.2"), seconds(0)) << "another client of the same account";
    EXPECT_EQ(wait("192.0.2.1", "bob"), seconds(0)) << "another account from the same address";
}

TEST_F(ThrottleTest, Ipv6CountsPerSlash64) {
    ASSERT_TRUE(fail("2001:db8:1:2::1"));
    ASSERT_TRUE(fail("2001:db8:1:2::2"));
    ASSERT_TRUE(fail("2001:db8:1:2:ffff::3"));
    EXPECT_EQ(wait("2001:db8:1:2::99"), seconds(1)) << "one /64 is one client";
    EXPECT_EQ(wait("2001:db8:1:3::1"), seconds(0)) << "the next /64 is another";
}

TEST_F(ThrottleTest, AccountNamesAreCaseInsensitiveLikeTheStore) {
    ASSERT_TRUE(fail("192.0.2.1", "Alice"));
    ASSERT_TRUE(fail("192.0.2.1", "ALICE"));
    ASSERT_TRUE(fail("192.0.2.1", "alice"));
    EXPECT_EQ(wait("192.0.2.1", "aLiCe"), seconds(1));
}

TEST_F(ThrottleTest, AccountLocksAfterFailuresFromManyAddresses) {
    // Ten addresses, one guess each: no address reaches its threshold, the account does.
    for (int i = 1; i <= 9; ++i) ASSERT_TRUE(fail("198.51.100." + std::to_string(i)));
    EXPECT_EQ(wait("198.51.100.200"), seconds(0));
    ASSERT_TRUE(fail("198.51.100.10"));
    EXPECT_EQ(wait("198.51.100.200"), seconds(30));
    EXPECT_EQ(wait("198.51.100.1", "bob"), seconds(0)) << "other accounts are not affected";
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].scope, LockEvent::Scope::Account);
    EXPECT_EQ(events[0].duration, seconds(30));
}

TEST_F(ThrottleTest, AnAccountLockNeverLastsLongerThanItsBound) {
    for (int i = 1; i <= 10; ++i) ASSERT_TRUE(fail("198.51.100." + std::to_string(i)));
    // The attack goes on: each failure after a lock ends re-locks, never for longer.
    for (int round = 0; round < 6; ++round) {
        EXPECT_EQ(wait("203.0.113.7"), seconds(30));
        clock.now += seconds(30);
        EXPECT_EQ(wait("203.0.113.7"), seconds(0)) << "admitted once the lock ends";
        ASSERT_TRUE(fail("198.51.100." + std::to_string(20 + round)));
    }
    for (const auto& e : events) EXPECT_LE(e.duration, seconds(30));
}

TEST_F(ThrottleTest, TrustedAddressesAreExemptFromAccountLocks) {
    ASSERT_TRUE(succeed("203.0.113.5"));  // the router's usual address
    for (int i = 1; i <= 10; ++i) ASSERT_TRUE(fail("198.51.100." + std::to_string(i)));
    EXPECT_EQ(wait("198.51.100.200"), seconds(30));
    EXPECT_EQ(wait("203.0.113.5"), seconds(0));
    ASSERT_TRUE(succeed("203.0.113.5"));
    // Trust lasts trusted_for after the last success; a later attack binds the address again.
    clock.now += minutes(61);
    for (int i = 11; i <= 20; ++i) ASSERT_TRUE(fail("198.51.100." + std::to_string(i)));
    EXPECT_EQ(wait("203.0.113.5"), seconds(30));
}

TEST_F(ThrottleTest, FailuresFromATrustedAddressCountForTheAccount) {
    // A trusted address's ticket carries only its address key; a failure still reaches the
    // account's streak (and the network's), which guards the other addresses.
    ASSERT_TRUE(succeed("203.0.113.5"));
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(fail("203.0.113.5"));
    for (int i = 1; i <= 7; ++i) ASSERT_TRUE(fail("198.51.100." + std::to_string(i)));
    EXPECT_EQ(wait("198.51.100.200"), seconds(0)) << "nine failures";
    ASSERT_TRUE(fail("198.51.100.8"));
    EXPECT_EQ(wait("198.51.100.200"), seconds(30)) << "the tenth, two of them trusted";
}

TEST_F(ThrottleTest, TrustedAddressesStillHaveTheirOwnAddressLimit) {
    ASSERT_TRUE(succeed("203.0.113.5"));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail("203.0.113.5"));
    EXPECT_EQ(wait("203.0.113.5"), seconds(1));
}

TEST_F(ThrottleTest, SprayingOnePasswordOverManyNamesLocksTheAddress) {
    for (int i = 0; i < 11; ++i) ASSERT_TRUE(fail("192.0.2.9", "user" + std::to_string(i)));
    EXPECT_EQ(wait("192.0.2.9", "user99"), seconds(0));
    EXPECT_TRUE(events.empty());
    ASSERT_TRUE(fail("192.0.2.9", "user11"));  // the twelfth name locks the address
    EXPECT_EQ(wait("192.0.2.9", "user99"), seconds(2)) << "a name never tried";
    EXPECT_EQ(wait("192.0.2.9", "user0"), seconds(2)) << "a name tried before";
    EXPECT_EQ(wait("192.0.2.10", "user99"), seconds(0)) << "another address is unaffected";
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].scope, LockEvent::Scope::Network);
    EXPECT_EQ(events[0].client, ip("192.0.2.9"));
    EXPECT_EQ(events[0].username, "user11");
    EXPECT_EQ(events[0].duration, seconds(2));
}

TEST_F(ThrottleTest, ATrustedNameStillWorksDuringANetworkLock) {
    ASSERT_TRUE(succeed("192.0.2.9", "router"));  // a router behind the spraying NAT
    for (int i = 0; i < 12; ++i) ASSERT_TRUE(fail("192.0.2.9", "user" + std::to_string(i)));
    ASSERT_EQ(wait("192.0.2.9", "user99"), seconds(2));
    EXPECT_EQ(wait("192.0.2.9", "router"), seconds(0));
    EXPECT_TRUE(succeed("192.0.2.9", "router"));
    EXPECT_EQ(wait("192.0.2.9", "user99"), seconds(2)) << "a success does not end the spray";
    // Trust lasts trusted_for after the last success; then the router is bound like the rest.
    clock.now += minutes(61);
    for (int i = 12; i < 24; ++i) ASSERT_TRUE(fail("192.0.2.9", "user" + std::to_string(i)));
    EXPECT_EQ(wait("192.0.2.9", "router"), seconds(2));
}

TEST_F(ThrottleTest, ANetworkLockEndsAndDoublesUpToItsCap) {
    for (int i = 0; i < 12; ++i) ASSERT_TRUE(fail("192.0.2.9", "user" + std::to_string(i)));
    seconds expected(2);
    int name = 100;
    for (seconds next : {seconds(4), seconds(8), seconds(16), seconds(16)}) {
        EXPECT_EQ(wait("192.0.2.9", "user99"), expected);
        clock.now += expected;
        EXPECT_EQ(wait("192.0.2.9", "user99"), seconds(0)) << "the lock has ended";
        ASSERT_TRUE(fail("192.0.2.9", "user" + std::to_string(name++)));
        expected = next;
    }
    EXPECT_EQ(wait("192.0.2.9", "user99"), seconds(16));
    // A quiet window after the last lock ends the streak: the threshold applies again.
    clock.now += seconds(16) + minutes(15);
    for (int i = 0; i < 11; ++i) ASSERT_TRUE(fail("192.0.2.9", "user" + std::to_string(i)));
    EXPECT_EQ(wait("192.0.2.9", "user99"), seconds(0));
}

TEST_F(ThrottleTest, NetworkLocksCountIpv6PerSlash64) {
    for (int i = 0; i < 12; ++i)
        ASSERT_TRUE(fail("2001:db8:1:2::" + std::to_string(i + 1), "user" + std::to_string(i)));
    EXPECT_EQ(wait("2001:db8:1:2:ffff::1", "user99"), seconds(2));
    EXPECT_EQ(wait("2001:db8:1:3::1", "user99"), seconds(0));
}

TEST_F(ThrottleTest, ChecksInFlightCountAgainstTheThreshold) {
    std::vector<FailureThrottle::Ticket> in_flight;
    for (int i = 0; i < 3; ++i) {
        in_flight.push_back(throttle.admit(ip("192.0.2.1"), "alice"));
        ASSERT_TRUE(in_flight.back().admitted());
    }
    // Three guesses are out; a fourth parallel guess must wait for their results.
    EXPECT_EQ(wait("192.0.2.1"), seconds(1));
    for (auto& t : in_flight) t.failed();
    EXPECT_EQ(wait("192.0.2.1"), seconds(1));
    EXPECT_EQ(events.size(), 1u);
}

TEST_F(ThrottleTest, AbandonedChecksCountAsNothing) {
    // The store failed (exception) for each of these: never a failure, never a lock.
    for (int i = 0; i < 20; ++i) {
        auto ticket = throttle.admit(ip("192.0.2.1"), "alice");
        ASSERT_TRUE(ticket.admitted());
    }
    EXPECT_EQ(wait("192.0.2.1"), seconds(0));
    EXPECT_EQ(throttle.address_entries(), 0u);
    EXPECT_EQ(throttle.account_entries(), 0u);
    EXPECT_TRUE(events.empty());
}

TEST_F(ThrottleTest, AMovedTicketReportsOnce) {
    auto first = throttle.admit(ip("192.0.2.1"), "alice");
    FailureThrottle::Ticket second(std::move(first));
    second.failed();
    second.failed();  // ignored: already reported
    ASSERT_TRUE(fail("192.0.2.1"));
    EXPECT_EQ(wait("192.0.2.1"), seconds(0)) << "two failures so far, not three";
}

TEST_F(ThrottleTest, SuccessfulLoginsLeaveNoAccountEntries) {
    for (int i = 0; i < 100; ++i) {
        ASSERT_TRUE(succeed("203.0.113.5", "user" + std::to_string(i)));
        ASSERT_TRUE(succeed("203.0.113.5", "user" + std::to_string(i)));  // now trusted
    }
    EXPECT_EQ(throttle.account_entries(), 0u);
    EXPECT_EQ(throttle.address_entries(), 100u) << "one trusted (address, account) each";
}

class BoundedThrottleTest : public ThrottleTest {
protected:
    BoundedThrottleTest()
        : ThrottleTest([] {
              auto o = small_policy();
              o.max_entries = 64;
              return o;
          }()) {}
};

std::string spray_address(int i) {
    return "10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) + "." +
           std::to_string(i % 256);
}

TEST_F(BoundedThrottleTest, MemoryStaysBoundedUnderASprayOfAddresses) {
    for (int i = 0; i < 20000; ++i) {
        fail(spray_address(i), "user" + std::to_string(i % 5000));
        ASSERT_LE(throttle.address_entries(), 64u);
        ASSERT_LE(throttle.account_entries(), 64u);
        ASSERT_LE(throttle.network_entries(), 64u);
    }
}

TEST_F(BoundedThrottleTest, ASprayOfAddressesDoesNotFlushANetworkLock) {
    for (int i = 0; i < 12; ++i) ASSERT_TRUE(fail("192.0.2.9", "user" + std::to_string(i)));
    ASSERT_EQ(wait("192.0.2.9", "user99"), seconds(2));
    for (int i = 0; i < 5000; ++i) fail(spray_address(i), "user" + std::to_string(i));
    EXPECT_LE(throttle.network_entries(), 64u);
    EXPECT_EQ(wait("192.0.2.9", "user99"), seconds(2)) << "locked entries are dropped last";
}

TEST_F(BoundedThrottleTest, ASprayDoesNotFlushALiveLock) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail("192.0.2.1"));
    ASSERT_EQ(wait("192.0.2.1"), seconds(1));
    for (int i = 0; i < 5000; ++i) fail(spray_address(i), "user" + std::to_string(i));
    EXPECT_EQ(wait("192.0.2.1"), seconds(1)) << "locked entries are dropped last";
}

TEST_F(BoundedThrottleTest, ExpiredEntriesAreForgottenFirst) {
    for (int i = 0; i < 64; ++i) ASSERT_TRUE(fail(spray_address(i), "user" + std::to_string(i)));
    clock.now += minutes(16);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail("192.0.2.1"));
    EXPECT_EQ(throttle.address_entries(), 1u) << "the 64 stale streaks were forgotten";
    EXPECT_EQ(wait("192.0.2.1"), seconds(1));
}

class DisabledThrottleTest : public ThrottleTest {
protected:
    DisabledThrottleTest()
        : ThrottleTest([] {
              auto o = small_policy();
              o.address_failures = 0;
              o.account_failures = 0;
              o.network_failures = 0;
              return o;
          }()) {}
};

TEST_F(DisabledThrottleTest, ZeroThresholdsNeverLock) {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(fail("192.0.2.1"));
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(fail("192.0.2.1", "user" + std::to_string(i)));
    EXPECT_TRUE(events.empty());
    EXPECT_EQ(throttle.address_entries(), 0u);
    EXPECT_EQ(throttle.account_entries(), 0u);
    EXPECT_EQ(throttle.network_entries(), 0u);
}

}  // namespace
}  // namespace ddns::auth
