// The reconciler's thread and the sweeper: a full pass that is due waits while the sweeper says it
// is busy (taking many hosts offline would make them differ from the pass's zone transfer), at
// most one interval, and in-doubt passes go on meanwhile.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "ddns/gateway/jobs/reconciler.hpp"
#include "job_fakes.hpp"
#include "test_support.hpp"

namespace ddns::gateway {
namespace {

using std::chrono::seconds;

DnsName name(const std::string& text) {
    return *DnsName::parse(text);
}

class ReconcilerDeferTest : public ::testing::Test {
protected:
    ReconcilerDeferTest() {
        auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0");
        store.zone = std::make_shared<auth::Zone>(
            auth::Zone{7, name("example.org"), ServerEndpoint{*IpAddress::parse("127.0.0.1"), 53},
                       std::move(*key), 60, std::nullopt});
        // The database holds an address BIND lacks: the first full pass repairs it.
        store.hosts.emplace(
            1, auth::ReconcileHost{1, name("h1.example.org"), 60, IpAddress::parse("192.0.2.1"),
                                   std::nullopt, std::nullopt});
        dns.transfers_enabled = true;
    }
    std::unique_ptr<Reconciler> make(seconds interval, std::function<bool()> defer) {
        auto r = std::make_unique<Reconciler>(
            dns, dns, store, log, ReconcileOptions{interval, seconds(1), 100, 100, false});
        if (defer) r->defer_full_pass_while(std::move(defer));
        return r;
    }
    std::uint64_t transfers(const Reconciler& r) { return r.counters().transfers.load(); }

    fakes::FakeZoneDns dns;
    fakes::FakeReconcileStore store;
    Logger log{LogLevel::Error};
};

TEST_F(ReconcilerDeferTest, AFullPassWaitsWhileTheSweeperIsBusyThenRuns) {
    std::atomic<bool> busy{true};
    auto r = make(seconds(3600), [&busy] { return busy.load(); });
    r->start();
    // An in-doubt pass ran in place of the full one.
    ASSERT_TRUE(
        ddns::test::wait_until([&] { return r->counters().passes.load() >= 2; }, seconds(10)));
    EXPECT_EQ(transfers(*r), 0u) << "the full pass ran beside a busy sweeper";
    busy = false;
    EXPECT_TRUE(ddns::test::wait_until([&] { return transfers(*r) >= 1; }, seconds(10)));
    r->stop();
    EXPECT_EQ(dns.get("h1.example.org").size(), 1u) << "the deferred pass repaired the host";
}

TEST_F(ReconcilerDeferTest, ASweeperThatStaysBusyDelaysTheFullPassByOneIntervalAtMost) {
    auto r = make(seconds(1), [] { return true; });
    r->start();
    EXPECT_TRUE(ddns::test::wait_until([&] { return transfers(*r) >= 1; }, seconds(10)));
    r->stop();
    EXPECT_EQ(dns.get("h1.example.org").size(), 1u);
}

TEST_F(ReconcilerDeferTest, WithoutAProbeTheFirstFullPassRunsAtOnce) {
    auto r = make(seconds(3600), {});
    r->start();
    EXPECT_TRUE(ddns::test::wait_until([&] { return transfers(*r) >= 1; }, seconds(10)));
    r->stop();
    EXPECT_EQ(r->counters().passes.load(), 1u) << "the first pass was the full one";
}

}  // namespace
}  // namespace ddns::gateway
