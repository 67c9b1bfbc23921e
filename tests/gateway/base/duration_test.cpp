// Durations as operators type them (audit.retention, admin log --since); the UTC times of
// --since are utc_time_test's.
#include "ddns/gateway/base/duration.hpp"

#include <gtest/gtest.h>

namespace ddns::gateway {
namespace {

using std::chrono::seconds;

struct DurationCase {
    const char* text;
    std::optional<seconds> expected;
};

class Durations : public ::testing::TestWithParam<DurationCase> {};

TEST_P(Durations, Parse) {
    EXPECT_EQ(parse_duration(GetParam().text), GetParam().expected) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, Durations,
    ::testing::Values(DurationCase{"45s", seconds(45)}, DurationCase{"30m", seconds(1800)},
                      DurationCase{"1h", seconds(3600)}, DurationCase{"2d", seconds(172800)},
                      DurationCase{"90", seconds(90)}, DurationCase{"0", seconds(0)},
                      DurationCase{"0d", seconds(0)}, DurationCase{"36500d", seconds(3153600000)},
                      DurationCase{"36700d", std::nullopt},  // over 100 years
                      DurationCase{"", std::nullopt}, DurationCase{"h", std::nullopt},
                      DurationCase{"-1h", std::nullopt}, DurationCase{"+1h", std::nullopt},
                      DurationCase{"1.5h", std::nullopt}, DurationCase{"1 h", std::nullopt},
                      DurationCase{"1w", std::nullopt}, DurationCase{"1H", std::nullopt},
                      DurationCase{"99999999999999999999s", std::nullopt}));

// 2024-05-01T00:00:00Z
const auth::TimePoint kMay1 = auth::TimePoint(seconds(1714521600));

TEST(Since, ADurationCountsBackFromNowAndATimeIsAbsolute) {
    const auth::TimePoint now = kMay1 + seconds(7200);
    EXPECT_EQ(parse_since("1h", now), kMay1 + seconds(3600));
    EXPECT_EQ(parse_since("30m", now), kMay1 + seconds(5400));
    EXPECT_EQ(parse_since("2024-05-01", now), kMay1);
    EXPECT_FALSE(parse_since("an hour", now));
}

}  // namespace
}  // namespace ddns::gateway
