// Rate limiting of repeated log lines: while the database is down, every request fails the same
// way, and one error line per request buried everything else in the log (1,090 lines in a 10 s
// outage). A RepeatFilter lets the first line of a kind through, suppresses the same kind for
// `interval`, and has the next line of that kind after the interval say how many were suppressed
// (or, if none comes, any later line of the log). The kind of a line is its text with every run
// of digits read as one placeholder, so "id 17" and "id 18" are one kind. Free of I/O; the
// Logger consults it for warnings and errors.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ddns::gateway {

// Totals since start, readable from any thread (for metrics).
struct RepeatCounters {
    std::atomic<std::uint64_t> written{0};     // lines let through
    std::atomic<std::uint64_t> suppressed{0};  // lines held back
};

class RepeatFilter {
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    // `interval` 0 lets every line through. At most `max_kinds` kinds are tracked; when that
    // many are within their interval, further new kinds are let through unfiltered.
    explicit RepeatFilter(std::chrono::milliseconds interval, Clock clock = {},
                          std::size_t max_kinds = 4096);

    struct Verdict {
        bool write = false;
        std::uint64_t suppressed = 0;  // lines of this kind held back since the last one written
    };
    Verdict admit(std::string_view message);

    // Kinds whose interval ended with lines held back and no line since: one summary each
    // ("N similar messages suppressed: <first line>"), removed from the pending set.
    std::vector<std::string> expired_summaries();

    static std::string kind_of(std::string_view message);
    const RepeatCounters& counters() const noexcept { return counters_; }

private:
    struct Entry {
        std::chrono::steady_clock::time_point window_start;
        std::uint64_t suppressed = 0;
        std::string sample;  // the line that opened the window
    };
    void evict_expired(std::chrono::steady_clock::time_point now);

    std::chrono::milliseconds interval_;
    Clock clock_;
    std::size_t max_kinds_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    std::uint64_t pending_ = 0;  // sum of entries_[*].suppressed
    RepeatCounters counters_;
};

// "N similar messages suppressed" wording shared by both ways a count is written.
std::string suppressed_note(std::uint64_t count);

}  // namespace ddns::gateway
