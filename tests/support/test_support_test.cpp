// The test helpers themselves, where a flaw shows only as a rare failure elsewhere.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ddns::test {
namespace {

// CI once failed with "Address already in use": the port free_port() had checked was taken by
// an outgoing connection of a benchmark running in parallel before the gateway bound it.
TEST(FreePort, NeverHandsOutAnEphemeralPort) {
    const auto range = ephemeral_ports();
    ASSERT_LT(range.low, range.high);
    for (int i = 0; i < 500; ++i) {
        const int port = free_port();
        EXPECT_TRUE(port < range.low || port > range.high)
            << port << " is in the ephemeral range " << range.low << "-" << range.high;
    }
}

}  // namespace
}  // namespace ddns::test
