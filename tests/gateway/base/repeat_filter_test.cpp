// RepeatFilter with an injected clock: the first line of a kind passes, repeats within the
// interval are held back and counted, the next line after the interval carries the count, a kind
// nobody repeats is summarised on its own, and the number of tracked kinds is bounded.
#include <gtest/gtest.h>

#include "ddns/gateway/base/repeat_filter.hpp"

namespace ddns::gateway {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
    std::chrono::steady_clock::time_point now{std::chrono::seconds(1000)};
    RepeatFilter::Clock fn() {
        return [this] { return now; };
    }
};

constexpr const char* kDown = "dyndns2: backend failure: connection to 127.0.0.1:5432 refused";

TEST(RepeatFilter, OneLinePerKindPerIntervalThenTheCount) {
    FakeClock clock;
    RepeatFilter filter(10s, clock.fn());
    EXPECT_TRUE(filter.admit(kDown).write);
    for (int i = 0; i < 500; ++i) {
        clock.now += 10ms;
        EXPECT_FALSE(filter.admit(kDown).write) << i;
    }
    clock.now += 6s;  // 11 s after the first line
    const auto verdict = filter.admit(kDown);
    EXPECT_TRUE(verdict.write);
    EXPECT_EQ(verdict.suppressed, 500u);
    EXPECT_FALSE(filter.admit(kDown).write) << "a new interval began with that line";
    EXPECT_EQ(filter.counters().written.load(), 2u);
    EXPECT_EQ(filter.counters().suppressed.load(), 501u);
}

TEST(RepeatFilter, NumbersDoNotMakeANewKindButOtherWordsDo) {
    EXPECT_EQ(RepeatFilter::kind_of("zone id 17 failed after 250 ms"),
              RepeatFilter::kind_of("zone id 3 failed after 9 ms"));
    EXPECT_NE(RepeatFilter::kind_of("dyndns2: backend failure"),
              RepeatFilter::kind_of("dynamic: backend failure"));

    FakeClock clock;
    RepeatFilter filter(10s, clock.fn());
    EXPECT_TRUE(filter.admit("offline sweep of zone id 3 failed").write);
    EXPECT_FALSE(filter.admit("offline sweep of zone id 4 failed").write);
    EXPECT_TRUE(filter.admit("reconcile: database failure").write);
}

TEST(RepeatFilter, AKindThatFallsSilentIsSummarisedOnceItsIntervalEnds) {
    FakeClock clock;
    RepeatFilter filter(10s, clock.fn());
    filter.admit(kDown);
    filter.admit(kDown);
    filter.admit(kDown);
    EXPECT_TRUE(filter.expired_summaries().empty()) << "still within the interval";
    clock.now += 10s;
    const auto summaries = filter.expired_summaries();
    ASSERT_EQ(summaries.size(), 1u);
    EXPECT_EQ(summaries[0], std::string("2 similar messages suppressed: ") + kDown);
    EXPECT_TRUE(filter.expired_summaries().empty()) << "written once";
    const auto next = filter.admit(kDown);
    EXPECT_TRUE(next.write);
    EXPECT_EQ(next.suppressed, 0u) << "the count was already written";
}

TEST(RepeatFilter, ZeroIntervalLetsEverythingThrough) {
    RepeatFilter filter(0s);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(filter.admit(kDown).write);
    EXPECT_EQ(filter.counters().suppressed.load(), 0u);
}

TEST(RepeatFilter, TooManyKindsAtOnceAreWrittenRatherThanLost) {
    FakeClock clock;
    RepeatFilter filter(10s, clock.fn(), 2);
    EXPECT_TRUE(filter.admit("first kind").write);
    EXPECT_TRUE(filter.admit("second kind").write);
    EXPECT_TRUE(filter.admit("third kind").write);
    EXPECT_TRUE(filter.admit("third kind").write) << "untracked: never suppressed";
    EXPECT_FALSE(filter.admit("first kind").write);
    clock.now += 11s;  // the tracked kinds' intervals end; "second kind" is evicted
    EXPECT_TRUE(filter.admit("fourth kind").write);
    EXPECT_FALSE(filter.admit("fourth kind").write) << "tracked now";
}

TEST(RepeatFilter, SuppressedNoteWording) {
    EXPECT_EQ(suppressed_note(1), "1 similar message suppressed");
    EXPECT_EQ(suppressed_note(1090), "1090 similar messages suppressed");
}

}  // namespace
}  // namespace ddns::gateway
