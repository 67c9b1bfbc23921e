#include "ddns/gateway/base/utc_time.hpp"

#include <chrono>

namespace ddns::gateway {
namespace {

// Exactly `count` ASCII digits at `pos`.
bool read_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > text.size()) return false;
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        value = value * 10 + (text[i] - '0');
    }
    out = value;
    return true;
}

bool is(char c, char upper) {
    return c == upper || c == upper - 'A' + 'a';
}

}  // namespace

std::optional<auth::TimePoint> parse_utc_time(std::string_view text) {
    using namespace std::chrono;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    // The Z is optional: every time on the admin command line is UTC.
    if (!text.empty() && is(text.back(), 'Z')) text.remove_suffix(1);
    if (text.size() < 10 || !read_digits(text, 0, 4, y) || text[4] != '-' ||
        !read_digits(text, 5, 2, mo) || text[7] != '-' || !read_digits(text, 8, 2, d))
        return std::nullopt;
    // "THH:MM" or "THH:MM:SS" after the date (a space may replace the T), or nothing.
    const std::string_view clock = text.substr(10);
    if (!clock.empty()) {
        const bool with_seconds = clock.size() == 9;
        if ((clock.size() != 6 && !with_seconds) ||
            (!is(clock.front(), 'T') && clock.front() != ' ') || !read_digits(clock, 1, 2, h) ||
            clock[3] != ':' || !read_digits(clock, 4, 2, mi))
            return std::nullopt;
        if (with_seconds && (clock[6] != ':' || !read_digits(clock, 7, 2, s))) return std::nullopt;
    }
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                              day{static_cast<unsigned>(d)}};
    if (y < 1970 || y > 2200 || !date.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
    return auth::TimePoint(sys_days(date)) + hours(h) + minutes(mi) + seconds(s);
}

}  // namespace ddns::gateway
