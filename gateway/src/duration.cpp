#include "ddns/gateway/duration.hpp"

#include <charconv>

namespace ddns::gateway {
namespace {

constexpr long long kMaxSeconds = 100LL * 366 * 86400;

// Exactly `count` ASCII digits at `pos`.
bool digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > text.size()) return false;
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
        value = value * 10 + (text[i] - '0');
    }
    out = value;
    return true;
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
    long long unit = 1;  // a bare number is seconds
    if (!text.empty()) {
        const char suffix = text.back();
        const long long scale = suffix == 's'   ? 1
                                : suffix == 'm' ? 60
                                : suffix == 'h' ? 3600
                                : suffix == 'd' ? 86400
                                                : 0;
        if (scale != 0) {
            unit = scale;
            text.remove_suffix(1);
        }
    }
    long long count = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || count < 0 ||
        count > kMaxSeconds / unit)
        return std::nullopt;
    return std::chrono::seconds(count * unit);
}

std::string format_duration(std::chrono::seconds duration) {
    const auto s = duration.count();
    if (s > 0 && s % 86400 == 0) return std::to_string(s / 86400) + "d";
    if (s > 0 && s % 3600 == 0) return std::to_string(s / 3600) + "h";
    if (s > 0 && s % 60 == 0) return std::to_string(s / 60) + "m";
    return std::to_string(s) + "s";
}

std::optional<auth::TimePoint> parse_utc(std::string_view text) {
    using namespace std::chrono;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (!text.empty() && (text.back() == 'Z' || text.back() == 'z')) text.remove_suffix(1);
    if (text.size() < 10 || !digits(text, 0, 4, y) || text[4] != '-' || !digits(text, 5, 2, mo) ||
        text[7] != '-' || !digits(text, 8, 2, d))
        return std::nullopt;
    const std::string_view clock = text.substr(10);  // "", "THH:MM" or "THH:MM:SS"
    if (!clock.empty()) {
        if ((clock.size() != 6 && clock.size() != 9) ||
            (clock[0] != 'T' && clock[0] != 't' && clock[0] != ' ') || !digits(clock, 1, 2, h) ||
            clock[3] != ':' || !digits(clock, 4, 2, mi))
            return std::nullopt;
        if (clock.size() == 9 && (clock[6] != ':' || !digits(clock, 7, 2, s))) return std::nullopt;
    }
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                              day{static_cast<unsigned>(d)}};
    if (y < 1970 || !date.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
    return auth::TimePoint(sys_days(date)) + hours(h) + minutes(mi) + seconds(s);
}

std::optional<auth::TimePoint> parse_since(std::string_view text, auth::TimePoint now) {
    if (const auto ago = parse_duration(text)) return now - *ago;
    return parse_utc(text);
}

}  // namespace ddns::gateway
