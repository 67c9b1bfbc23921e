// One GatewayStack per test binary, shared by its tests. Each test works on its own account and
// host names (derived from the test's name), so tests are independent in any order.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway_stack.hpp"

namespace ddns::test {

inline GatewayStack* g_stack = nullptr;

// The gateway answers no-change requests from its principal cache (on in every stack). A change
// another process commits (admin, SQL, a second instance) reaches it by notification: normally
// within milliseconds, and never later than cache.max_lag_ms after the commit (configuration.md).
// A test that changes something that way and then sends a request the cache may answer must
// allow for that window. Fixtures that rely on the bound pin it with kCacheMaxLagConfig.
inline constexpr std::chrono::milliseconds kCacheMaxLag{500};
inline const std::string kCacheMaxLagConfig =
    "cache.max_lag_ms = " + std::to_string(kCacheMaxLag.count()) + "\n";

// After a change committed before `changed` by another process: asks `ask` until it answers
// `want`, and returns the last answer. `ask` must change nothing whichever state it is answered
// from (the address the host already has, a login). A different answer to a request sent
// kCacheMaxLag or later after `changed` fails the test: the cache answered from a state older
// than its bound.
inline std::string expect_seen_within_max_lag(std::chrono::steady_clock::time_point changed,
                                              const std::function<std::string()>& ask,
                                              const std::string& want) {
    for (;;) {
        const auto sent = std::chrono::steady_clock::now();
        std::string got = ask();
        if (got == want) return got;
        if (sent - changed >= kCacheMaxLag) {
            ADD_FAILURE()
                << "answered '" << got << "', not '" << want << "', to a request sent "
                << std::chrono::duration_cast<std::chrono::milliseconds>(sent - changed).count()
                << " ms after the change (cache.max_lag_ms = " << kCacheMaxLag.count() << ")";
            return got;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

// Where no request that changes nothing can show the change (a budget that every request counts
// against, a TTL or a zone's server that only a change writes): waits the bound out.
inline void wait_out_cache_max_lag() {
    std::this_thread::sleep_for(kCacheMaxLag + std::chrono::milliseconds(100));
}

class StackEnvironment : public ::testing::Environment {
public:
    explicit StackEnvironment(GatewayStackOptions options) : options_(std::move(options)) {}
    void SetUp() override {
        stack_ = std::make_unique<GatewayStack>(options_);
        g_stack = stack_.get();
    }
    void TearDown() override {
        g_stack = nullptr;
        stack_.reset();
    }

private:
    GatewayStackOptions options_;
    std::unique_ptr<GatewayStack> stack_;
};

// Base fixture: prints every server log when a test fails, and reads the two sources of truth
// (what named serves, what PostgreSQL holds) the same way in every test binary.
class StackTest : public ::testing::Test {
protected:
    GatewayStack& stack() { return *g_stack; }

    // The A (AAAA) records named serves for `name`; empty when there are none.
    std::vector<std::string> a_records(const std::string& name) {
        return stack().named().query(name, "A");
    }
    std::vector<std::string> aaaa_records(const std::string& name) {
        return stack().named().query(name, "AAAA");
    }
    // The zone's SOA serial; 0 when named does not answer.
    std::uint32_t zone_serial(const std::string& zone) {
        return stack().named().soa_serial(zone).value_or(0);
    }
    // The host row's addresses as "<ipv4> <ipv6>", "-" for one that is not set.
    std::string stored_addresses(const std::string& host) {
        return stack().sql(
            "select coalesce(host(ipv4),'-') || ' ' || coalesce(host(ipv6),'-') "
            "from hosts where name = '" +
            host + "'");
    }
    // The host row's IPv4 address, "-" when it is not set.
    std::string stored_ipv4(const std::string& host) {
        return stack().sql("select coalesce(host(ipv4),'-') from hosts where name = '" + host +
                           "'");
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << g_stack->logs();
    }
    // How often a test of this name asked for a label before, i.e. the repeat iteration, assuming
    // one call per test run (SetUp). Process-wide, like the shared stack.
    static int iteration_of(const std::string& name) {
        static std::map<std::string, int> seen;
        static std::mutex mutex;
        const std::string key =
            std::string(
                ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name()) +
            "." + name;
        std::lock_guard lock(mutex);
        return seen[key]++;
    }
    // A DNS label unique to the running test: "t-" + lower-cased test name, cut to 36 chars,
    // with "-rN" on repeats.
    static std::string unique_label() {
        std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::string out = "t-";
        for (char c : name)
            if (std::isalnum(static_cast<unsigned char>(c)))
                out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        if (out.size() > 36) out.resize(36);
        // Repeated runs (--gtest_repeat) need fresh names: the stack outlives the iterations.
        const int iteration = iteration_of(name);
        if (iteration > 0) out += "-r" + std::to_string(iteration);
        return out;
    }
};

}  // namespace ddns::test
