#include "ddns/gateway/base/repeat_filter.hpp"

#include <cctype>

namespace ddns::gateway {

RepeatFilter::RepeatFilter(std::chrono::milliseconds interval, Clock clock, std::size_t max_kinds)
    : interval_(interval), clock_(std::move(clock)), max_kinds_(max_kinds) {
    if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
}

std::string RepeatFilter::kind_of(std::string_view message) {
    std::string kind;
    kind.reserve(message.size());
    bool in_digits = false;
    for (const char c : message) {
        const bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
        if (digit && !in_digits) kind.push_back('#');
        if (!digit) kind.push_back(c);
        in_digits = digit;
    }
    return kind;
}

std::string suppressed_note(std::uint64_t count) {
    return std::to_string(count) + (count == 1 ? " similar message" : " similar messages") +
           " suppressed";
}

// Drops kinds whose interval is over and that hold nothing back (their count was written).
void RepeatFilter::evict_expired(std::chrono::steady_clock::time_point now) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (now - it->second.window_start >= interval_ && it->second.suppressed == 0) {
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
}

RepeatFilter::Verdict RepeatFilter::admit(std::string_view message) {
    if (interval_.count() <= 0) {
        ++counters_.written;
        return {true, 0};
    }
    const auto now = clock_();
    std::string kind = kind_of(message);
    std::lock_guard lock(mutex_);
    auto it = entries_.find(kind);
    if (it == entries_.end()) {
        if (entries_.size() >= max_kinds_) evict_expired(now);
        if (entries_.size() >= max_kinds_) {
            ++counters_.written;
            return {true, 0};  // too many kinds at once to track: never lose a line
        }
        entries_.emplace(std::move(kind), Entry{now, 0, std::string(message)});
        ++counters_.written;
        return {true, 0};
    }
    Entry& entry = it->second;
    if (now - entry.window_start < interval_) {
        ++entry.suppressed;
        ++pending_;
        ++counters_.suppressed;
        return {false, 0};
    }
    const Verdict verdict{true, entry.suppressed};
    pending_ -= entry.suppressed;
    entry = Entry{now, 0, std::string(message)};
    ++counters_.written;
    return verdict;
}

std::vector<std::string> RepeatFilter::expired_summaries() {
    std::vector<std::string> out;
    if (interval_.count() <= 0) return out;
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    if (pending_ == 0) return out;
    for (auto it = entries_.begin(); it != entries_.end();) {
        Entry& entry = it->second;
        if (entry.suppressed != 0 && now - entry.window_start >= interval_) {
            out.push_back(suppressed_note(entry.suppressed) + ": " + entry.sample);
            pending_ -= entry.suppressed;
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

}  // namespace ddns::gateway
