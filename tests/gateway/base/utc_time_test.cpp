// UTC timestamps as the admin command line accepts them (account expiry, log --since).
#include "ddns/gateway/base/utc_time.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace ddns::gateway {
namespace {

using namespace std::chrono;

auth::TimePoint utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
    return auth::TimePoint(sys_days{year{y} / month{mo} / day{d}}) + hours(h) + minutes(mi) +
           seconds(s);
}

struct ParseCase {
    const char* text;
    std::optional<auth::TimePoint> expected;
};

class UtcTimeParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(UtcTimeParse, Row) {
    EXPECT_EQ(parse_utc_time(GetParam().text), GetParam().expected) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, UtcTimeParse,
    ::testing::Values(
        ParseCase{"2027-03-05", utc(2027, 3, 5)},
        ParseCase{"2027-03-05T16:07Z", utc(2027, 3, 5, 16, 7, 0)},
        ParseCase{"2027-03-05T16:07:09Z", utc(2027, 3, 5, 16, 7, 9)},
        ParseCase{"2027-03-05t16:07:09z", utc(2027, 3, 5, 16, 7, 9)},
        ParseCase{"2028-02-29", utc(2028, 2, 29)}, ParseCase{"1970-01-01", utc(1970, 1, 1)},
        ParseCase{"2200-12-31T23:59:59Z", utc(2200, 12, 31, 23, 59, 59)},
        ParseCase{"2027-02-29", std::nullopt},  // not a leap year
        ParseCase{"2027-04-31", std::nullopt}, ParseCase{"2027-13-01", std::nullopt},
        ParseCase{"2027-00-10", std::nullopt}, ParseCase{"2027-03-05T24:00Z", std::nullopt},
        ParseCase{"2027-03-05T23:60Z", std::nullopt},
        ParseCase{"2027-03-05T23:59:60Z", std::nullopt},
        // The Z is optional and a space may replace the T: every time here is UTC.
        ParseCase{"2027-03-05T16:07", utc(2027, 3, 5, 16, 7, 0)},
        ParseCase{"2027-03-05 16:07:09Z", utc(2027, 3, 5, 16, 7, 9)},
        ParseCase{"2027-03-05 16:07:09", utc(2027, 3, 5, 16, 7, 9)},
        ParseCase{"2027-03-05Z", utc(2027, 3, 5)},
        ParseCase{"2027-03-05T16:07+01:00", std::nullopt}, ParseCase{"2027-03-05T16", std::nullopt},
        ParseCase{"2027-03-05T16:07ZZ", std::nullopt}, ParseCase{"2027-03-05_16:07", std::nullopt},
        ParseCase{"2027-3-5", std::nullopt}, ParseCase{"2024-02-30", std::nullopt},
        ParseCase{"27-03-05", std::nullopt}, ParseCase{"1969-12-31", std::nullopt},
        ParseCase{"2201-01-01", std::nullopt},  // beyond what the clock's time points hold
        ParseCase{"2027-03-05T", std::nullopt}, ParseCase{"yesterday", std::nullopt},
        ParseCase{"", std::nullopt}, ParseCase{"never", std::nullopt},
        ParseCase{"+027-03-05", std::nullopt}));

}  // namespace
}  // namespace ddns::gateway
