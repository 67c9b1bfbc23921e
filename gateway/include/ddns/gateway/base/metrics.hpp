// A small metrics registry and its Prometheus text exposition (format 0.0.4), written by hand.
// Counters, gauges and histograms with fixed buckets, optionally in families with labels. Label
// sets are bounded: a family takes at most `max_series` of them and counts the rest under the
// value "other", so no client can grow the output. Never label by user or host name.
// Counting is lock-free (atomics); only the first use of a new label set takes a mutex.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ddns::gateway {

class Counter {
public:
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class Gauge {
public:
    void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void add(std::int64_t n) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> value_{0};
};

// Adds one to a gauge for as long as it lives (requests in flight and the like).
class GaugeScope {
public:
    explicit GaugeScope(Gauge& gauge) : gauge_(gauge) { gauge_.add(1); }
    ~GaugeScope() { gauge_.add(-1); }
    GaugeScope(const GaugeScope&) = delete;
    GaugeScope& operator=(const GaugeScope&) = delete;

private:
    Gauge& gauge_;
};

class Histogram {
public:
    // `bounds`: the upper bounds of the buckets, ascending; +Inf is implied.
    explicit Histogram(std::vector<double> bounds);
    void observe(double value) noexcept;
    const std::vector<double>& bounds() const noexcept { return bounds_; }
    // Cumulative counts per bound, then the total (the +Inf bucket).
    std::vector<std::uint64_t> cumulative() const;
    double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one per bound, then +Inf
    std::atomic<double> sum_{0.0};
};

// Buckets for durations in seconds, from 1 ms to 10 s.
std::vector<double> latency_buckets();

enum class MetricType { Counter, Gauge, Histogram };

// One metric name with its label names and the label sets seen so far.
template <class M>
class Family {
public:
    using Labels = std::vector<std::string>;
    Family(std::vector<std::string> label_names, std::size_t max_series,
           std::function<std::unique_ptr<M>()> make)
        : names_(std::move(label_names)), max_series_(max_series), make_(std::move(make)) {}
    // The series for these label values (as many as label names). References stay valid.
    M& with(const Labels& values);
    const std::vector<std::string>& label_names() const { return names_; }
    // Calls `f(values, metric)` for every series, in label order.
    void each(const std::function<void(const Labels&, const M&)>& f) const;

private:
    std::vector<std::string> names_;
    std::size_t max_series_;
    std::function<std::unique_ptr<M>()> make_;
    mutable std::mutex mutex_;
    std::map<Labels, std::unique_ptr<M>> series_;
};

// A value read at scrape time from a stat struct kept elsewhere (the pool's waits, the queue's
// depth), with its labels.
struct Sample {
    std::vector<std::pair<std::string, std::string>> labels;
    double value = 0;
};

class Metrics {
public:
    Metrics();
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // Registering a name twice returns the first registration (same type and labels expected).
    Counter& counter(const std::string& name, const std::string& help);
    Gauge& gauge(const std::string& name, const std::string& help);
    Family<Counter>& counters(const std::string& name, const std::string& help,
                              std::vector<std::string> labels, std::size_t max_series = 200);
    Family<Gauge>& gauges(const std::string& name, const std::string& help,
                          std::vector<std::string> labels, std::size_t max_series = 200);
    Family<Histogram>& histograms(const std::string& name, const std::string& help,
                                  std::vector<std::string> labels, std::vector<double> bounds,
                                  std::size_t max_series = 200);
    Histogram& histogram(const std::string& name, const std::string& help,
                         std::vector<double> bounds);
    // A counter or gauge whose samples are read from elsewhere when scraped.
    void collect(const std::string& name, const std::string& help, MetricType type,
                 std::function<std::vector<Sample>()> read);

    // The Prometheus text exposition of everything registered, in registration order.
    std::string render() const;

    struct Entry;  // one registered name (public for the renderer in metrics.cpp)

private:
    Entry* find(const std::string& name);
    Entry& add(std::unique_ptr<Entry> entry);

    mutable std::mutex mutex_;
    std::deque<std::unique_ptr<Entry>> entries_;
};

// The content type of render()'s output.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Label values and HELP text escaped as the text format requires.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view text);

template <class M>
M& Family<M>::with(const Labels& values) {
    std::lock_guard lock(mutex_);
    auto it = series_.find(values);
    if (it != series_.end()) return *it->second;
    Labels key = values;
    key.resize(names_.size());
    if (series_.size() >= max_series_) key.assign(names_.size(), "other");
    auto& slot = series_[key];
    if (!slot) slot = make_();
    return *slot;
}

template <class M>
void Family<M>::each(const std::function<void(const Labels&, const M&)>& f) const {
    std::lock_guard lock(mutex_);
    for (const auto& [labels, metric] : series_) f(labels, *metric);
}

}  // namespace ddns::gateway
