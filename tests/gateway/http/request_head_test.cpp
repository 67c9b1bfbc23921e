#include "ddns/gateway/http/request_head.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ddns::gateway {
namespace {

using namespace std::string_literals;

HeadState classify(const std::string& bytes, std::size_t max = 64) {
    return classify_head(bytes.data(), bytes.size(), max);
}

TEST(RequestHead, CompleteOnceAnEmptyLineEndsTheHead) {
    EXPECT_EQ(classify("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), HeadState::Complete);
    EXPECT_EQ(classify("GET / HTTP/1.1\r\n\r\nbody bytes"), HeadState::Complete);
    EXPECT_EQ(classify("GET / HTTP/1.0\n\n"), HeadState::Complete);
}

TEST(RequestHead, IncompleteWhileTheHeadGrows) {
    EXPECT_EQ(classify(""), HeadState::Incomplete);
    EXPECT_EQ(classify("GE"), HeadState::Incomplete);
    EXPECT_EQ(classify("GET / HTTP/1.1\r\nHost: a\r\n"), HeadState::Incomplete);
}

TEST(RequestHead, ForeignBytesAreKnownAtOnce) {
    EXPECT_EQ(classify("\x16\x03\x01\x00\xa5\x01"s), HeadState::Foreign);
    EXPECT_EQ(classify("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), HeadState::Foreign);
    EXPECT_EQ(classify("GET /\r\n"), HeadState::Foreign);
    EXPECT_EQ(classify("hello\n"), HeadState::Foreign);
}

TEST(RequestHead, AHeadBeyondTheLimitIsTooLarge) {
    const std::string head = "GET / HTTP/1.1\r\nX: " + std::string(60, 'x');
    EXPECT_EQ(classify(head.substr(0, 64)), HeadState::TooLarge);
    EXPECT_EQ(classify("GET / HTTP/1.1\r\nX: " + std::string(50, 'x') + "\r\n\r\n"),
              HeadState::TooLarge);
}

}  // namespace
}  // namespace ddns::gateway
