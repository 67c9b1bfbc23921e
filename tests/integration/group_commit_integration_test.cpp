// Group commit end to end: many concurrent requests into one zone share UPDATE messages and
// database transactions (one per message). Each request still gets its own true answer, named
// and PostgreSQL agree afterwards for every host, requests for one host are applied in the order
// they were answered, and every request leaves its update-log row. (A change BIND refuses inside
// a batch is split off by run_zone_batch: update_service_test.cpp.)
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <mutex>
#include <set>
#include <thread>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";
constexpr int kHosts = 24;

// The brute-force throttle counts logins in flight; the tests send many at once for one account
// (the throttle has tests of its own).
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config =
        "auth.lockout_failures = 0\nauth.account_lockout_failures = 0\n"
        "auth.address_lockout_failures = 0\n";
    return o;
}()));

using Strings = std::vector<std::string>;

class GroupCommit : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        stack().add_account(user, kPassword);
    }
    std::string add(const std::string& label) {
        const std::string fqdn = label + "-" + user + "." + kZone;
        stack().add_host(fqdn, user);
        return fqdn;
    }
    std::string update(const std::string& host, const std::string& ip) {
        const std::string request = "GET /nic/update?hostname=" + host + "&myip=" + ip +
                                    " HTTP/1.0\r\nUser-Agent: group-commit-test\r\n" +
                                    "Authorization: Basic " + base64(user + ":" + kPassword) +
                                    "\r\n\r\n";
        return http_exchange(stack().http_port(), request).body;
    }

    std::string user;
};

// Every thread changes its own host at the same instant, three times, then sends the same
// address again: every change is good with its own address, every repeat nochg, and named and
// the database agree on every host.
TEST_F(GroupCommit, ConcurrentChangesIntoOneZoneEachGetTheirOwnAnswer) {
    std::vector<std::string> hosts;
    for (int h = 0; h < kHosts; ++h) hosts.push_back(add("h" + std::to_string(h)));
    const auto serial_before = zone_serial(kZone);
    std::barrier start(kHosts);
    std::mutex mutex;
    std::vector<std::string> wrong;
    std::vector<std::thread> threads;
    for (int h = 0; h < kHosts; ++h) {
        threads.emplace_back([&, h] {
            for (int round = 1; round <= 3; ++round) {
                const std::string ip = "198.51.100." + std::to_string(round * 50 + h);
                start.arrive_and_wait();
                const std::string body = update(hosts[static_cast<std::size_t>(h)], ip);
                if (body != "good " + ip) {
                    std::lock_guard lock(mutex);
                    wrong.push_back(hosts[static_cast<std::size_t>(h)] + ": " + body);
                }
            }
            start.arrive_and_wait();
            const std::string ip = "198.51.100." + std::to_string(150 + h);
            const std::string body = update(hosts[static_cast<std::size_t>(h)], ip);
            if (body != "nochg " + ip) {
                std::lock_guard lock(mutex);
                wrong.push_back(hosts[static_cast<std::size_t>(h)] + " (repeat): " + body);
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_TRUE(wrong.empty()) << wrong.front();
    for (int h = 0; h < kHosts; ++h) {
        const std::string ip = "198.51.100." + std::to_string(150 + h);
        const auto& host = hosts[static_cast<std::size_t>(h)];
        EXPECT_EQ(a_records(host), Strings{ip}) << host;
        EXPECT_EQ(stored_addresses(host), ip + " -") << host;
    }
    // At most one zone serial per change (several changes share a message), none for the repeats.
    const auto grown = zone_serial(kZone) - serial_before;
    EXPECT_GE(grown, 1U);
    EXPECT_LE(grown, static_cast<std::uint32_t>(3 * kHosts));
}

// Threads hammer one host with their own addresses. Whatever the interleaving, every answer
// names an address somebody sent, and once the burst is over named and the database hold the
// same one; a request sent after an answer is applied after it.
TEST_F(GroupCommit, RequestsForOneHostAreAppliedInTheOrderTheyWereAnswered) {
    const std::string host = add("one");
    std::set<std::string> sent;
    for (int t = 0; t < 8; ++t)
        for (int i = 0; i < 6; ++i) sent.insert("198.51.100." + std::to_string(100 + t * 6 + i));
    std::mutex mutex;
    std::vector<std::string> wrong;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 6; ++i) {
                const std::string ip = "198.51.100." + std::to_string(100 + t * 6 + i);
                const std::string body = update(host, ip);
                const auto space = body.find(' ');
                const std::string word = body.substr(0, space);
                const std::string address =
                    space == std::string::npos ? "" : body.substr(space + 1);
                if ((word != "good" && word != "nochg") || sent.count(address) == 0) {
                    std::lock_guard lock(mutex);
                    wrong.push_back(body);
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_TRUE(wrong.empty()) << wrong.front();
    const auto in_dns = a_records(host);
    ASSERT_EQ(in_dns.size(), 1U);
    EXPECT_EQ(stored_addresses(host), in_dns[0] + " -") << "database and DNS disagree";
    // Sequential requests: each is applied after the one answered before it.
    for (const char* ip : {"198.51.100.201", "198.51.100.202", "198.51.100.201"}) {
        EXPECT_EQ(update(host, ip), std::string("good ") + ip);
        EXPECT_EQ(a_records(host), Strings{ip});
        EXPECT_EQ(stored_addresses(host), std::string(ip) + " -");
    }
}

// A burst of unchanged updates from many clients at once leaves every request in the update log,
// counted exactly: nothing is dropped.
TEST_F(GroupCommit, ABurstOfRequestsLeavesOneUpdateLogRowEach) {
    const std::string host = add("burst");
    ASSERT_EQ(update(host, "198.51.100.77"), "good 198.51.100.77");
    constexpr int kThreads = 16;
    constexpr int kEach = 100;
    std::atomic<int> nochg{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < kEach; ++i)
                if (update(host, "198.51.100.77") == "nochg 198.51.100.77") ++nochg;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(nochg.load(), kThreads * kEach);
    // Identical answers that waited for the writer together are one row with their count
    // (audit.merge_repeats): the requests are sum(repeats), exactly.
    const std::string rows = "select coalesce(sum(repeats), 0) from update_log where hostname = '" +
                             host + "' and outcome = 'nochg'";
    EXPECT_TRUE(wait_until([&] { return stack().sql(rows) == std::to_string(kThreads * kEach); }))
        << stack().sql(rows) << " requests";
    EXPECT_EQ(stack().sql("select sum(repeats) from update_log where hostname = '" + host + "'"),
              std::to_string(kThreads * kEach + 1));
}

}  // namespace
}  // namespace ddns::test
