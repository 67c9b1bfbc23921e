#include "ddns/gateway/base/duration.hpp"

#include <charconv>

namespace ddns::gateway {
namespace {

constexpr long long kMaxSeconds = 100LL * 366 * 86400;

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

std::optional<auth::TimePoint> parse_since(std::string_view text, auth::TimePoint now) {
    if (const auto ago = parse_duration(text)) return now - *ago;
    return parse_utc_time(text);
}

}  // namespace ddns::gateway
