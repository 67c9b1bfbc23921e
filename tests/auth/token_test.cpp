// Update tokens: format (32 lower-case base32 characters) and the SHA-256 digest kept in the store.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "ddns/auth/token.hpp"

namespace ddns::auth {
namespace {

struct DigestCase {
    const char* name;
    std::string text;
    const char* sha256_hex;
};

class TokenDigest : public ::testing::TestWithParam<DigestCase> {};

TEST_P(TokenDigest, IsLowerCaseHexSha256OfTheText) {
    EXPECT_EQ(token_digest(GetParam().text), GetParam().sha256_hex);
    EXPECT_EQ(token_digest(Secret(GetParam().text)), GetParam().sha256_hex);
}

// FIPS 180-2 test vectors and one token-shaped value (sha256sum of the same bytes).
INSTANTIATE_TEST_SUITE_P(
    Vectors, TokenDigest,
    ::testing::Values(
        DigestCase{"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        DigestCase{"abc", "abc",
                   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        DigestCase{"two_blocks", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(Token, HasThirtyTwoLowerCaseBase32Characters) {
    for (int i = 0; i < 100; ++i) {
        const NewToken token = generate_token();
        const std::string_view text = token.token.expose_view();
        ASSERT_EQ(text.size(), 32u);
        EXPECT_EQ(text.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567"),
                  std::string_view::npos)
            << "token contains a character outside the base32 alphabet";
        EXPECT_EQ(text.find('='), std::string_view::npos);
    }
}

TEST(Token, DigestIsTheSha256OfTheTokenText) {
    const NewToken token = generate_token();
    ASSERT_EQ(token.digest.size(), 64u);
    EXPECT_EQ(token.digest.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(token.digest, token_digest(token.token));
    EXPECT_EQ(token.digest, token_digest(token.token.expose_view()));
}

TEST(Token, TokensAreUnique) {
    std::set<std::string> digests;
    for (int i = 0; i < 1000; ++i) digests.insert(generate_token().digest);
    EXPECT_EQ(digests.size(), 1000u);
}

TEST(Token, UsesTheWholeAlphabet) {
    // 160 random bits per token: over many tokens every base32 symbol turns up, and the last
    // character is not stuck (a classic off-by-one in base32 encoders).
    std::set<char> seen;
    std::set<char> last;
    for (int i = 0; i < 500; ++i) {
        const NewToken token = generate_token();
        const std::string_view text = token.token.expose_view();
        seen.insert(text.begin(), text.end());
        last.insert(text.back());
    }
    EXPECT_EQ(seen.size(), 32u);
    EXPECT_EQ(last.size(), 32u);
}

TEST(TokenShape, OnlyGeneratedTokensLookLikeTokens) {
    EXPECT_TRUE(looks_like_token(generate_token().token));
    EXPECT_TRUE(looks_like_token(Secret(std::string_view("abcdefghijklmnopqrstuvwxyz234567"))));
    for (const char* s : {"", "router-password", "abcdefghijklmnopqrstuvwxyz23456",
                          "abcdefghijklmnopqrstuvwxyz2345678", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
                          "abcdefghijklmnopqrstuvwxyz234561"})
        EXPECT_FALSE(looks_like_token(Secret(std::string_view(s)))) << s;
}

}  // namespace
}  // namespace ddns::auth
