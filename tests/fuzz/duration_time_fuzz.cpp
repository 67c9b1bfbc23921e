// Fuzzes the operator-typed durations and UTC times: parse_duration, parse_utc_time and
// parse_since. Beyond not crashing: accepted durations lie in 0..100 years and
// parse_duration(format_duration(d)) == d; accepted times lie in 1970..2200 and print back to a
// text that parses to the same time; parse_since is a duration back from now or a UTC time.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "ddns/gateway/base/duration.hpp"
#include "ddns/gateway/base/utc_time.hpp"
#include "fuzz_check.hpp"

namespace {

std::string format_utc(ddns::auth::TimePoint t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd(day);
    const hh_mm_ss clock(floor<seconds>(t - day));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(clock.hours().count()),
                  int(clock.minutes().count()), int(clock.seconds().count()));
    return buf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ddns::gateway;
    using namespace std::chrono;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const auto duration = parse_duration(text);
    if (duration) {
        DDNS_FUZZ_CHECK(duration->count() >= 0 && duration->count() <= 100LL * 366 * 86400);
        const auto printed = format_duration(*duration);
        DDNS_FUZZ_CHECK(parse_duration(printed) == duration);
    }

    const auto time = parse_utc_time(text);
    if (time) {
        const auto printed = format_utc(*time);
        DDNS_FUZZ_CHECK(printed.size() == 20);
        const int year = std::stoi(printed.substr(0, 4));
        DDNS_FUZZ_CHECK(year >= 1970 && year <= 2200);
        DDNS_FUZZ_CHECK(parse_utc_time(printed) == time);
        DDNS_FUZZ_CHECK(time_point_cast<seconds>(*time) == *time);
    }

    const ddns::auth::TimePoint now = sys_days(year{2026} / 6 / 15) + hours(12);
    const auto since = parse_since(text, now);
    if (duration) {
        DDNS_FUZZ_CHECK(since == now - *duration);
    } else {
        DDNS_FUZZ_CHECK(since == time);
    }
    return 0;
}
