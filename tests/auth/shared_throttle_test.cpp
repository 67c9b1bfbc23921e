// FailureThrottle with a shared store (a fake that keeps the streaks like the PostgreSQL one,
// on the test's clock): failures spread over two instances lock both, a new instance (a
// restart) starts with the locks already held, successes and admissions never touch the store,
// and a failing store leaves the throttle working from memory.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ddns/auth/failure_throttle.hpp"
#include "fakes.hpp"

namespace ddns::auth {
namespace {

using fakes::FakeSteadyClock;
using fakes::FakeThrottleStore;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

IpAddress ip(const std::string& text) {
    return *IpAddress::parse(text);
}

FailureThrottleOptions shared_policy(ThrottleStore& store) {
    FailureThrottleOptions o;
    o.address_failures = 3;
    o.address_initial = seconds(10);
    o.address_max = seconds(80);
    o.account_failures = 10;
    o.account_lock = seconds(30);
    o.window = minutes(15);
    o.network_failures = 0;  // out of the way: the address and account streaks are under test
    o.trusted_for = minutes(60);
    o.shared = &store;
    return o;
}

class SharedThrottleTest : public ::testing::Test {
protected:
    bool fail(FailureThrottle& t, const std::string& from, const std::string& user = "alice") {
        auto ticket = t.admit(ip(from), user);
        if (!ticket.admitted()) return false;
        ticket.failed();
        return true;
    }
    seconds wait(FailureThrottle& t, const std::string& from, const std::string& user = "alice") {
        auto ticket = t.admit(ip(from), user);
        return ticket.admitted() ? seconds(0) : ticket.retry_after();
    }

    FakeSteadyClock clock;
    FakeThrottleStore store{clock};
};

TEST_F(SharedThrottleTest, FailuresSpreadOverTwoInstancesLockTheAddressInBoth) {
    FailureThrottle a(shared_policy(store), clock.function());
    FailureThrottle b(shared_policy(store), clock.function());
    ASSERT_TRUE(fail(a, "192.0.2.1"));
    ASSERT_TRUE(fail(b, "192.0.2.1"));
    ASSERT_TRUE(fail(a, "192.0.2.1"));  // the third in all: the shared streak locks
    EXPECT_EQ(wait(a, "192.0.2.1"), seconds(10)) << "the instance that saw it applies it at once";
    EXPECT_EQ(wait(b, "192.0.2.1"), seconds(0)) << "b has seen one failure and not synced yet";
    EXPECT_EQ(b.sync(), 1u);
    EXPECT_EQ(wait(b, "192.0.2.1"), seconds(10));
    EXPECT_EQ(wait(b, "192.0.2.2"), seconds(0)) << "another address is not locked";
}

TEST_F(SharedThrottleTest, AccountLockCountsFailuresOfAllInstances) {
    FailureThrottle a(shared_policy(store), clock.function());
    FailureThrottle b(shared_policy(store), clock.function());
    // Ten addresses, five failures seen by each instance: neither reaches 10 alone.
    for (int i = 0; i < 10; ++i)
        ASSERT_TRUE(fail(i % 2 ? a : b, "198.51.100." + std::to_string(i + 1)));
    b.sync();
    a.sync();
    EXPECT_EQ(wait(a, "203.0.113.9"), seconds(30));
    EXPECT_EQ(wait(b, "203.0.113.9"), seconds(30));
    EXPECT_EQ(wait(b, "203.0.113.9", "bob"), seconds(0));
}

TEST_F(SharedThrottleTest, ANewInstanceStartsWithTheLocksHeld) {
    {
        FailureThrottle before(shared_policy(store), clock.function());
        for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail(before, "192.0.2.7"));
    }
    clock.now += seconds(4);
    FailureThrottle after(shared_policy(store), clock.function());  // the restart
    EXPECT_EQ(wait(after, "192.0.2.7"), seconds(6));
    clock.now += seconds(6);
    EXPECT_EQ(wait(after, "192.0.2.7"), seconds(0));
    ASSERT_TRUE(fail(after, "192.0.2.7"));  // locked before: one more failure locks, doubled
    EXPECT_EQ(wait(after, "192.0.2.7"), seconds(20));
}

TEST_F(SharedThrottleTest, AdmissionAndSuccessNeverTouchTheStore) {
    FailureThrottle t(shared_policy(store), clock.function());
    const int at_start = store.calls;
    for (int i = 0; i < 100; ++i) {
        auto ticket = t.admit(ip("192.0.2.1"), "alice");
        ASSERT_TRUE(ticket.admitted());
        ticket.succeeded();
    }
    EXPECT_EQ(store.calls, at_start);
    ASSERT_TRUE(fail(t, "192.0.2.1"));
    EXPECT_EQ(store.calls, at_start + 1) << "one store call per failure";
}

TEST_F(SharedThrottleTest, AllInstancesHashWithTheFirstOnesKey) {
    FailureThrottle a(shared_policy(store), clock.function());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail(a, "192.0.2.1", "carol"));
    FailureThrottle b(shared_policy(store), clock.function());
    EXPECT_EQ(wait(b, "192.0.2.1", "Carol"), seconds(10)) << "same key, same case folding";
}

TEST_F(SharedThrottleTest, AStoreOutageLeavesTheThrottleWorkingFromMemory) {
    std::vector<std::string> errors;
    FailureThrottleOptions o = shared_policy(store);
    o.on_shared_error = [&](const std::string& e) { errors.push_back(e); };
    FailureThrottle t(std::move(o), clock.function());
    store.down = true;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(fail(t, "192.0.2.1"));
    EXPECT_EQ(wait(t, "192.0.2.1"), seconds(10)) << "the local streak still locks";
    EXPECT_EQ(wait(t, "192.0.2.2"), seconds(0)) << "others are not turned into suspects";
    EXPECT_EQ(t.sync(), 0u);
    ASSERT_EQ(errors.size(), 1u) << "an outage is reported once, not per request";
    EXPECT_NE(errors[0].find("database down"), std::string::npos);
    store.down = false;
    EXPECT_EQ(t.sync(), 0u);
    store.down = true;
    EXPECT_EQ(t.sync(), 0u);
    EXPECT_EQ(errors.size(), 2u) << "a new outage after recovery is reported again";
}

}  // namespace
}  // namespace ddns::auth
