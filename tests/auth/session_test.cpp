// Session ids: 256 random bits as 43 base64url characters, stored as their SHA-256.
#include "ddns/auth/session.hpp"

#include <gtest/gtest.h>

#include <set>

#include "ddns/auth/token.hpp"

namespace ddns::auth {
namespace {

TEST(SessionId, IsFortyThreeBase64urlCharactersAndItsDigestIsTheSha256) {
    const auto s = generate_session_id();
    EXPECT_EQ(s.id.size(), 43u);
    EXPECT_TRUE(looks_like_session_id(s.id.expose_view()));
    EXPECT_EQ(s.digest, token_digest(s.id.expose_view()));
    EXPECT_EQ(s.digest.size(), 64u);
}

TEST(SessionId, NeverRepeats) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) seen.insert(generate_session_id().digest);
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(SessionId, OnlyTheRightShapeLooksLikeAnId) {
    EXPECT_FALSE(looks_like_session_id(""));
    EXPECT_FALSE(looks_like_session_id(std::string(42, 'a')));
    EXPECT_FALSE(looks_like_session_id(std::string(44, 'a')));
    EXPECT_FALSE(looks_like_session_id(std::string(42, 'a') + "="));
    EXPECT_FALSE(looks_like_session_id(std::string(42, 'a') + ";"));
    EXPECT_TRUE(looks_like_session_id(std::string(41, 'a') + "-_"));
}

}  // namespace
}  // namespace ddns::auth
