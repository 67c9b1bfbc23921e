#include "ddns/gateway/http/request_head.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

TEST(RequestHead, ParsesTheRequestLineAndTheFieldsInOrder) {
    const std::string bytes =
        "GET /nic/update?hostname=a.example HTTP/1.1\r\nHost: gw\r\n"
        "Authorization:   Basic eDp5 \t\r\nX-Empty:\r\n\r\nbody";
    const auto head = parse_request_head(bytes);
    ASSERT_TRUE(head) << head.error();
    EXPECT_EQ(head->method, "GET");
    EXPECT_EQ(head->target, "/nic/update?hostname=a.example");
    EXPECT_EQ(head->version, "HTTP/1.1");
    ASSERT_EQ(head->headers.size(), 3U);
    EXPECT_EQ(head->headers[0].name, "Host");
    EXPECT_EQ(head->headers[1].value, "Basic eDp5");
    EXPECT_EQ(head->headers[2].value, "");
    EXPECT_EQ(head->size, bytes.size() - 4);
}

TEST(RequestHead, LfAloneEndsLinesAndTheHead) {
    const auto head = parse_request_head("GET http://gw/dynamic?host=a HTTP/1.0\nHost: gw\n\n");
    ASSERT_TRUE(head) << head.error();
    EXPECT_EQ(head->target, "http://gw/dynamic?host=a");
    EXPECT_EQ(head->version, "HTTP/1.0");
    EXPECT_EQ(head->headers.size(), 1U);
}

TEST(RequestHead, MalformedHeadsAreRefusedWithAReason) {
    const std::vector<std::string> cases = {
        "GET /\r\n\r\n",                              // HTTP/0.9
        "GET  / HTTP/1.1\r\n\r\n",                    // empty target
        "GET /a b HTTP/1.1\r\n\r\n",                  // space in the target
        "G(T / HTTP/1.1\r\n\r\n",                     // method no token
        "GET / HTTP/1.1x\r\n\r\n",                    // version
        "GET / http/1.1\r\n\r\n",                     // version case
        "GET /\x01 HTTP/1.1\r\n\r\n"s,                // control byte in the target
        "GET / HTTP/1.1\r\nHost : gw\r\n\r\n",        // space before the colon
        "GET / HTTP/1.1\r\nNo colon\r\n\r\n",         // no colon
        "GET / HTTP/1.1\r\n: empty name\r\n\r\n",     // empty name
        "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",  // obs-fold
        "GET / HTTP/1.1\r\nA: b\0c\r\n\r\n"s,         // NUL in a value
        "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",          // bare CR in a value
        "GET / HTTP/1.1\r\nHost: gw\r\n",             // incomplete
    };
    for (const auto& bytes : cases) {
        const auto head = parse_request_head(bytes);
        EXPECT_FALSE(head) << bytes;
        if (!head) {
            EXPECT_FALSE(head.error().empty());
        }
    }
}

TEST(RequestHead, AtMostAHundredFields) {
    std::string bytes = "GET / HTTP/1.1\r\n";
    for (std::size_t i = 0; i < kMaxHeaders; ++i) bytes += "X-" + std::to_string(i) + ": v\r\n";
    EXPECT_TRUE(parse_request_head(bytes + "\r\n"));
    EXPECT_FALSE(parse_request_head(bytes + "X-more: v\r\n\r\n"));
}

}  // namespace
}  // namespace ddns::gateway
