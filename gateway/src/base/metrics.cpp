#include "ddns/gateway/base/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <variant>

namespace ddns::gateway {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
    if (!std::is_sorted(bounds_.begin(), bounds_.end()))
        throw std::invalid_argument("histogram bounds must ascend");
}

void Histogram::observe(double value) noexcept {
    const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
    counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative() const {
    std::vector<std::uint64_t> out(bounds_.size() + 1);
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        total += counts_[i].load(std::memory_order_relaxed);
        out[i] = total;
    }
    return out;
}

std::vector<double> latency_buckets() {
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out.push_back(c);
    }
    return out;
}

std::string escape_help(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out.push_back(c);
    }
    return out;
}

struct Metrics::Entry {
    std::string name;
    std::string help;
    MetricType type = MetricType::Counter;
    std::variant<std::unique_ptr<Family<Counter>>, std::unique_ptr<Family<Gauge>>,
                 std::unique_ptr<Family<Histogram>>, std::function<std::vector<Sample>()>>
        source;
};

namespace {

using Labels = std::vector<std::string>;

std::string number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (std::isnan(v)) return "NaN";
    if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
    // The shortest of %.15g and %.17g that reads back as the same double ("0.1", not
    // "0.10000000000000001").
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    if (std::strtod(buf, nullptr) != v) std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

// `{a="x",b="y"}` (empty when there are no labels); `extra` is appended (a histogram's le).
std::string label_text(const std::vector<std::pair<std::string, std::string>>& labels) {
    if (labels.empty()) return {};
    std::string out = "{";
    for (const auto& [name, value] : labels) {
        if (out.size() > 1) out += ",";
        out += name + "=\"" + escape_label_value(value) + "\"";
    }
    return out + "}";
}

std::vector<std::pair<std::string, std::string>> zip(const Labels& names, const Labels& values) {
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t i = 0; i < names.size(); ++i) out.emplace_back(names[i], values[i]);
    return out;
}

void render_histogram(std::string& out, const std::string& name,
                      std::vector<std::pair<std::string, std::string>> labels, const Histogram& h) {
    const auto counts = h.cumulative();
    labels.emplace_back("le", "");
    for (std::size_t i = 0; i < counts.size(); ++i) {
        labels.back().second = i < h.bounds().size() ? number(h.bounds()[i]) : "+Inf";
        out += name + "_bucket" + label_text(labels) + " " + std::to_string(counts[i]) + "\n";
    }
    labels.pop_back();
    out += name + "_sum" + label_text(labels) + " " + number(h.sum()) + "\n";
    out += name + "_count" + label_text(labels) + " " + std::to_string(counts.back()) + "\n";
}

const char* type_name(MetricType type) {
    switch (type) {
        case MetricType::Counter:
            return "counter";
        case MetricType::Gauge:
            return "gauge";
        case MetricType::Histogram:
            return "histogram";
    }
    return "untyped";
}

void render_entry(std::string& out, const Metrics::Entry& e) {
    out += "# HELP " + e.name + " " + escape_help(e.help) + "\n";
    out += "# TYPE " + e.name + " " + type_name(e.type) + "\n";
    // Counters are exposed under `<name>_total`, as the text format expects.
    const std::string sample = e.type == MetricType::Counter ? e.name + "_total" : e.name;
    if (const auto* f = std::get_if<0>(&e.source)) {
        (*f)->each([&](const Labels& v, const Counter& c) {
            out += sample + label_text(zip((*f)->label_names(), v)) + " " +
                   std::to_string(c.value()) + "\n";
        });
    } else if (const auto* g = std::get_if<1>(&e.source)) {
        (*g)->each([&](const Labels& v, const Gauge& m) {
            out += sample + label_text(zip((*g)->label_names(), v)) + " " +
                   std::to_string(m.value()) + "\n";
        });
    } else if (const auto* h = std::get_if<2>(&e.source)) {
        (*h)->each([&](const Labels& v, const Histogram& m) {
            render_histogram(out, e.name, zip((*h)->label_names(), v), m);
        });
    } else if (const auto* read = std::get_if<3>(&e.source)) {
        for (const auto& s : (*read)())
            out += sample + label_text(s.labels) + " " + number(s.value) + "\n";
    }
}

}  // namespace

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

Metrics::Entry* Metrics::find(const std::string& name) {
    for (auto& e : entries_)
        if (e->name == name) return e.get();
    return nullptr;
}

Metrics::Entry& Metrics::add(std::unique_ptr<Entry> entry) {
    entries_.push_back(std::move(entry));
    return *entries_.back();
}

Family<Counter>& Metrics::counters(const std::string& name, const std::string& help,
                                   std::vector<std::string> labels, std::size_t max_series) {
    std::lock_guard lock(mutex_);
    if (auto* e = find(name)) return *std::get<0>(e->source);
    auto family = std::make_unique<Family<Counter>>(std::move(labels), max_series,
                                                    [] { return std::make_unique<Counter>(); });
    auto& ref = *family;
    add(std::make_unique<Entry>(Entry{name, help, MetricType::Counter, std::move(family)}));
    return ref;
}

Family<Gauge>& Metrics::gauges(const std::string& name, const std::string& help,
                               std::vector<std::string> labels, std::size_t max_series) {
    std::lock_guard lock(mutex_);
    if (auto* e = find(name)) return *std::get<1>(e->source);
    auto family = std::make_unique<Family<Gauge>>(std::move(labels), max_series,
                                                  [] { return std::make_unique<Gauge>(); });
    auto& ref = *family;
    add(std::make_unique<Entry>(Entry{name, help, MetricType::Gauge, std::move(family)}));
    return ref;
}

Family<Histogram>& Metrics::histograms(const std::string& name, const std::string& help,
                                       std::vector<std::string> labels, std::vector<double> bounds,
                                       std::size_t max_series) {
    std::lock_guard lock(mutex_);
    if (auto* e = find(name)) return *std::get<2>(e->source);
    auto family = std::make_unique<Family<Histogram>>(
        std::move(labels), max_series,
        [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); });
    auto& ref = *family;
    add(std::make_unique<Entry>(Entry{name, help, MetricType::Histogram, std::move(family)}));
    return ref;
}

Counter& Metrics::counter(const std::string& name, const std::string& help) {
    return counters(name, help, {}).with({});
}

Gauge& Metrics::gauge(const std::string& name, const std::string& help) {
    return gauges(name, help, {}).with({});
}

Histogram& Metrics::histogram(const std::string& name, const std::string& help,
                              std::vector<double> bounds) {
    return histograms(name, help, {}, std::move(bounds)).with({});
}

void Metrics::collect(const std::string& name, const std::string& help, MetricType type,
                      std::function<std::vector<Sample>()> read) {
    std::lock_guard lock(mutex_);
    if (find(name)) return;
    add(std::make_unique<Entry>(Entry{name, help, type, std::move(read)}));
}

std::string Metrics::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& e : entries_) render_entry(out, *e);
    return out;
}

}  // namespace ddns::gateway
