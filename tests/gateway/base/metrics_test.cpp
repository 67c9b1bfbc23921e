// The metrics registry and its text exposition: names, labels and their escaping, histogram
// buckets, the bound on label sets. The end-to-end check with a real Prometheus parser is in
// tests/integration/metrics_integration_test.cpp.
#include "ddns/gateway/base/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace ddns::gateway {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(Metrics, CountersAreExposedWithTotalAndTheirLabels) {
    Metrics m;
    auto& requests = m.counters("ddns_requests", "Requests answered.", {"route", "status"});
    requests.with({"dyndns2", "200"}).inc();
    requests.with({"dyndns2", "200"}).inc(2);
    requests.with({"checkip", "404"}).inc();
    const auto text = m.render();
    EXPECT_TRUE(has_line(text, "# HELP ddns_requests Requests answered.")) << text;
    EXPECT_TRUE(has_line(text, "# TYPE ddns_requests counter")) << text;
    EXPECT_TRUE(has_line(text, "ddns_requests_total{route=\"dyndns2\",status=\"200\"} 3")) << text;
    EXPECT_TRUE(has_line(text, "ddns_requests_total{route=\"checkip\",status=\"404\"} 1")) << text;
}

TEST(Metrics, AnUnlabelledCounterStartsAtZero) {
    Metrics m;
    m.counter("ddns_things", "Things.");
    EXPECT_TRUE(has_line(m.render(), "ddns_things_total 0"));
}

TEST(Metrics, RegisteringANameTwiceGivesTheSameMetric) {
    Metrics m;
    m.counter("ddns_x", "X.").inc();
    m.counter("ddns_x", "X.").inc();
    EXPECT_EQ(m.counter("ddns_x", "X.").value(), 2u);
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
    Metrics m;
    m.counters("ddns_e", "back\\slash\nnew line", {"v"}).with({"a\"b\\c\nd"}).inc();
    const auto text = m.render();
    EXPECT_TRUE(has_line(text, "# HELP ddns_e back\\\\slash\\nnew line")) << text;
    EXPECT_TRUE(has_line(text, "ddns_e_total{v=\"a\\\"b\\\\c\\nd\"} 1")) << text;
}

TEST(Metrics, LabelSetsBeyondTheBoundAreCountedAsOther) {
    Metrics m;
    auto& f = m.counters("ddns_b", "B.", {"k"}, 2);
    for (int i = 0; i < 10; ++i) f.with({"v" + std::to_string(i)}).inc();
    const auto text = m.render();
    EXPECT_TRUE(has_line(text, "ddns_b_total{k=\"v0\"} 1")) << text;
    EXPECT_TRUE(has_line(text, "ddns_b_total{k=\"v1\"} 1")) << text;
    EXPECT_TRUE(has_line(text, "ddns_b_total{k=\"other\"} 8")) << text;
    EXPECT_EQ(text.find("v9"), std::string::npos) << text;
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
    Metrics m;
    auto& h = m.histograms("ddns_lat_seconds", "Latency.", {"zone"}, {0.01, 0.1, 1});
    auto& z = h.with({"example.test"});
    z.observe(0.005);
    z.observe(0.01);  // on the bound: in that bucket (le is "less or equal")
    z.observe(0.5);
    z.observe(7);
    const auto text = m.render();
    EXPECT_TRUE(has_line(text, "# TYPE ddns_lat_seconds histogram")) << text;
    EXPECT_TRUE(has_line(text, "ddns_lat_seconds_bucket{zone=\"example.test\",le=\"0.01\"} 2"))
        << text;
    EXPECT_TRUE(has_line(text, "ddns_lat_seconds_bucket{zone=\"example.test\",le=\"0.1\"} 2"))
        << text;
    EXPECT_TRUE(has_line(text, "ddns_lat_seconds_bucket{zone=\"example.test\",le=\"1\"} 3"))
        << text;
    EXPECT_TRUE(has_line(text, "ddns_lat_seconds_bucket{zone=\"example.test\",le=\"+Inf\"} 4"))
        << text;
    EXPECT_TRUE(has_line(text, "ddns_lat_seconds_count{zone=\"example.test\"} 4")) << text;
    EXPECT_NEAR(z.sum(), 7.515, 1e-9);
}

TEST(Metrics, CollectedSamplesAreReadAtEveryScrape) {
    Metrics m;
    int depth = 3;
    m.collect("ddns_queue_depth", "Queued.", MetricType::Gauge, [&] {
        return std::vector<Sample>{{{{"queue", "update_log"}}, double(depth)}};
    });
    EXPECT_TRUE(has_line(m.render(), "ddns_queue_depth{queue=\"update_log\"} 3"));
    depth = 5;
    EXPECT_TRUE(has_line(m.render(), "ddns_queue_depth{queue=\"update_log\"} 5"));
}

TEST(Metrics, ConcurrentIncrementsAreAllCounted) {
    Metrics m;
    auto& f = m.counters("ddns_c", "C.", {"t"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&f, t] {
            for (int i = 0; i < 10000; ++i) f.with({std::to_string(t % 2)}).inc();
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(f.with({"0"}).value() + f.with({"1"}).value(), 40000u);
}

TEST(Metrics, GaugeScopeCountsWhileAlive) {
    Gauge g;
    {
        GaugeScope a(g);
        GaugeScope b(g);
        EXPECT_EQ(g.value(), 2);
    }
    EXPECT_EQ(g.value(), 0);
}

}  // namespace
}  // namespace ddns::gateway
