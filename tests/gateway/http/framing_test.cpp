// check_framing: which requests have a body length the server can consume completely, and which
// are refused (and their connection closed) so no unread byte becomes the next request.
#include "ddns/gateway/http/framing.hpp"

#include <gtest/gtest.h>

namespace ddns::gateway {
namespace {

constexpr std::size_t kMax = 1000;

int status(std::string_view version, const std::vector<Header>& headers) {
    const Framing f = check_framing(version, headers, kMax);
    return f.refusal ? f.refusal->status : 0;
}

TEST(Framing, AContentLengthUpToTheLimitIsTheBodyLength) {
    EXPECT_EQ(check_framing("HTTP/1.1", {{"Content-Length", "1000"}}, kMax).body_length, 1000u);
    EXPECT_EQ(check_framing("HTTP/1.0", {{"content-length", " 0012 "}}, kMax).body_length, 12u);
    EXPECT_EQ(check_framing("HTTP/1.1", {{"Host", "gw"}}, kMax).body_length, 0u);
    EXPECT_EQ(status("HTTP/1.1", {{"Content-Length", "7"}, {"Content-Length", "7"}}), 0);
}

TEST(Framing, ALargerBodyIs413) {
    EXPECT_EQ(status("HTTP/1.1", {{"Content-Length", "1001"}}), 413);
    EXPECT_EQ(status("HTTP/1.1", {{"Content-Length", "10485760"}}), 413);
    EXPECT_EQ(status("HTTP/1.1", {{"Content-Length", "99999999999999999999999999"}}), 413);
}

TEST(Framing, ABadOrAmbiguousContentLengthIs400) {
    for (const char* bad : {"", "-1", "+5", "5 5", "0x10", "1e3", "abc"})
        EXPECT_EQ(status("HTTP/1.1", {{"Content-Length", bad}}), 400) << bad;
    EXPECT_EQ(status("HTTP/1.1", {{"Content-Length", "5"}, {"Content-Length", "6"}}), 400);
}

TEST(Framing, TransferEncodingIsRefused) {
    EXPECT_EQ(status("HTTP/1.1", {{"Transfer-Encoding", "chunked"}}), 411);
    EXPECT_EQ(status("HTTP/1.1", {{"Transfer-Encoding", "gzip, chunked"}}), 400);
    EXPECT_EQ(status("HTTP/1.1", {{"Transfer-Encoding", "xchunked"}}), 400);
    EXPECT_EQ(status("HTTP/1.1", {{"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}}), 400);
}

TEST(Framing, OnlyHttp10And11AreServed) {
    EXPECT_EQ(status("HTTP/9.9", {}), 400);
    EXPECT_EQ(status("HTTP/2.0", {}), 400);
    EXPECT_EQ(status("", {}), 400);
}

TEST(Framing, TwoAuthorizationHeadersAre400) {
    EXPECT_EQ(status("HTTP/1.1", {{"Authorization", "Basic YTpi"}}), 0);
    EXPECT_EQ(status("HTTP/1.1", {{"Authorization", "Basic YTpi"}, {"authorization", "x"}}), 400);
}

}  // namespace
}  // namespace ddns::gateway
