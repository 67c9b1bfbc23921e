// WaitHints: a user noted is expected to wait until cleared; others are not; any() says
// whether a lookup is needed at all.
#include "ddns/gateway/base/wait_hints.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ddns::gateway {
namespace {

TEST(WaitHints, ANotedUserIsExpectedToWaitUntilCleared) {
    WaitHints hints;
    EXPECT_FALSE(hints.any());
    EXPECT_FALSE(hints.expects_wait("alice"));
    hints.note_wait("alice");
    hints.note_wait("alice");
    EXPECT_TRUE(hints.any());
    EXPECT_TRUE(hints.expects_wait("alice"));
    EXPECT_FALSE(hints.expects_wait("bob"));
    hints.clear("bob");  // clears only its own hint
    EXPECT_TRUE(hints.expects_wait("alice"));
    hints.clear("alice");
    EXPECT_FALSE(hints.expects_wait("alice"));
    EXPECT_FALSE(hints.any());
}

TEST(WaitHints, ManyUsersAreCountedAndClearedOneByOne) {
    WaitHints hints;
    for (int i = 0; i < 100; ++i) hints.note_wait("user" + std::to_string(i));
    for (int i = 0; i < 100; ++i) hints.clear("user" + std::to_string(i));
    EXPECT_FALSE(hints.any());
    for (int i = 0; i < 100; ++i) EXPECT_FALSE(hints.expects_wait("user" + std::to_string(i)));
}

}  // namespace
}  // namespace ddns::gateway
