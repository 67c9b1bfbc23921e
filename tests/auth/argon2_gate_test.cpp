// The argon2 gate (issue #13): concurrent argon2 runs never exceed the bound, a run that waits
// past the queue timeout is refused as busy, and the authenticator answers that as Busy
// without counting a failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "ddns/auth/argon2_gate.hpp"
#include "ddns/auth/authenticator.hpp"
#include "fakes.hpp"

namespace ddns::auth {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPassword = "router-password";
const IpAddress kClient = *IpAddress::parse("198.51.100.7");

// Records how many argon2 runs are inside libsodium at once; each run lasts at least 20 ms so
// the runs of different threads overlap unless something keeps them apart.
class InstrumentedHasher final : public PasswordHasher {
public:
    explicit InstrumentedHasher(std::shared_ptr<Argon2Gate> gate)
        : PasswordHasher(fakes::fast_params(), std::move(gate)) {}
    mutable std::atomic<int> active{0};
    mutable std::atomic<int> peak{0};
    mutable std::atomic<int> runs{0};

protected:
    bool verify_now(std::string_view encoded_hash, const Secret& password) const override {
        const int now = ++active;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        ++runs;
        std::this_thread::sleep_for(20ms);
        const bool ok = PasswordHasher::verify_now(encoded_hash, password);
        --active;
        return ok;
    }
};

TEST(Argon2Gate, SlotsComeFromTheMemoryBudget) {
    constexpr std::size_t kMiB = 1024 * 1024;
    EXPECT_EQ(Argon2Gate::slots_for(256 * kMiB, 64 * kMiB), 4u);
    EXPECT_EQ(Argon2Gate::slots_for(255 * kMiB, 64 * kMiB), 3u);
    EXPECT_EQ(Argon2Gate::slots_for(10 * kMiB, 64 * kMiB), 1u) << "a tiny budget still admits one";
    EXPECT_EQ(Argon2Gate::slots_for(64 * kMiB, 0), 1u);
}

TEST(Argon2Gate, ConcurrentVerificationsNeverExceedTheBound) {
    auto gate = std::make_shared<Argon2Gate>(3, 30s);
    InstrumentedHasher hasher(gate);
    const std::string hash = hasher.hash(Secret(kPassword));

    constexpr int kThreads = 16;
    std::atomic<int> accepted{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&] {
            if (hasher.verify(hash, Secret(kPassword))) ++accepted;
        });
    }
    for (auto& t : threads) t.join();

    EXPECT_EQ(accepted.load(), kThreads) << "every queued verification ran in time";
    EXPECT_EQ(hasher.runs.load(), kThreads);
    EXPECT_LE(hasher.peak.load(), 3) << "never more runs at once than the gate's slots";
    EXPECT_GE(hasher.peak.load(), 2) << "the slots are used in parallel, not one at a time";
    EXPECT_EQ(gate->in_use(), 0u);
    EXPECT_EQ(gate->refused(), 0u);
}

TEST(Argon2Gate, ARunQueuedPastTheTimeoutIsBusy) {
    auto gate = std::make_shared<Argon2Gate>(1, 50ms);
    InstrumentedHasher hasher(gate);
    const std::string hash = hasher.hash(Secret(kPassword));
    {
        const auto held = gate->acquire();
        const auto start = std::chrono::steady_clock::now();
        try {
            (void)hasher.verify(hash, Secret(kPassword));
            FAIL() << "verify ran without a slot";
        } catch (const Argon2Busy& busy) {
            EXPECT_GE(busy.retry_after(), 1s);
        }
        EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms) << "it waited the timeout";
        EXPECT_THROW((void)hasher.hash(Secret(kPassword)), Argon2Busy);
        EXPECT_EQ(hasher.runs.load(), 0);
        EXPECT_EQ(gate->refused(), 2u);
    }
    EXPECT_TRUE(hasher.verify(hash, Secret(kPassword))) << "the released slot is usable again";
    EXPECT_FALSE(hasher.verify("not-a-hash", Secret(kPassword)));
}

class BusyLogin : public ::testing::Test {
protected:
    BusyLogin() {
        Account alice;
        alice.id = 7;
        alice.username = "alice";
        alice.password_hash = hasher.hash(Secret(kPassword));
        store.add(alice);
    }
    static FailureThrottleOptions policy() {
        FailureThrottleOptions o;
        o.address_failures = 2;
        o.account_failures = 2;
        o.network_failures = 2;
        return o;
    }
    AuthOutcome login(const char* password) {
        return auth.authenticate("alice", Secret(password), CredentialPolicy::PasswordOrToken,
                                 kClient);
    }

    std::shared_ptr<Argon2Gate> gate = std::make_shared<Argon2Gate>(1, 20ms);
    InstrumentedHasher hasher{gate};
    fakes::FakeClock clock;
    fakes::FakeSteadyClock steady;
    fakes::FakeAccountStore store;
    FailureThrottle throttle{policy(), steady.function()};
    Authenticator auth{store, hasher, clock.function(), AuthenticatorOptions{}, &throttle};
};

TEST_F(BusyLogin, IsBusyNeitherBadCredentialsNorThrottledAndCountsNothing) {
    {
        const auto held = gate->acquire();
        for (int i = 0; i < 5; ++i) {
            const AuthOutcome right = login(kPassword);
            EXPECT_EQ(right.status, AuthStatus::Busy) << "never a wrong 'bad credentials'";
            EXPECT_GE(right.retry_after, std::chrono::seconds(1));
            EXPECT_EQ(login("wrong").status, AuthStatus::Busy);
        }
    }
    // Ten refused attempts, two of them enough to lock: none was counted.
    EXPECT_EQ(login(kPassword).status, AuthStatus::Ok);
}

TEST_F(BusyLogin, ARememberedLoginNeedsNoSlot) {
    ASSERT_EQ(login(kPassword).status, AuthStatus::Ok);
    const int runs = hasher.runs.load();
    const auto held = gate->acquire();
    EXPECT_EQ(login(kPassword).status, AuthStatus::Ok);
    EXPECT_EQ(hasher.runs.load(), runs);
}

TEST_F(BusyLogin, HostLoginsAreBusyToo) {
    const auto held = gate->acquire();
    const auto outcome =
        auth.authenticate_host(*DnsName::parse("nohost.example.org"), Secret(kPassword),
                               CredentialPolicy::PasswordOrToken, kClient);
    EXPECT_EQ(outcome.status, AuthStatus::Busy);
}

}  // namespace
}  // namespace ddns::auth
