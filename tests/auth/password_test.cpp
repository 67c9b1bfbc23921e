// PasswordHasher: argon2id round trips, wrong passwords, and refusal of anything not argon2id.
#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <stdexcept>
#include <string>

#include "ddns/auth/password.hpp"
#include "fakes.hpp"

namespace ddns::auth {
namespace {

using fakes::fast_params;

struct RoundTripCase {
    const char* name;
    std::string password;
};

class PasswordRoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(PasswordRoundTrip, HashVerifiesOnlyTheSamePassword) {
    const PasswordHasher hasher(fast_params());
    const Secret password(GetParam().password);
    const std::string hash = hasher.hash(password);

    EXPECT_TRUE(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$")) << hash;
    EXPECT_TRUE(PasswordHasher::is_argon2id(hash));
    EXPECT_TRUE(hasher.verify(hash, password));
    EXPECT_FALSE(hasher.verify(hash, Secret(GetParam().password + "x")));
    EXPECT_FALSE(hasher.verify(hash, Secret("wrong")));
    // Salted: the same password never hashes to the same string twice.
    EXPECT_NE(hash, hasher.hash(password));
}

INSTANTIATE_TEST_SUITE_P(
    Passwords, PasswordRoundTrip,
    ::testing::Values(RoundTripCase{"ascii", "correct horse battery staple"},
                      RoundTripCase{"colon", "pa:ss:word"},  // Basic auth splits on the first ':'
                      RoundTripCase{"utf8", "p\xc3\xa4sswort \xe2\x82\xac"},
                      RoundTripCase{"embedded_nul", std::string("a\0b", 3)},
                      RoundTripCase{"single_char", "x"},
                      RoundTripCase{"long", std::string(1000, 'z')}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(PasswordHasher, VerifiesHashesMadeWithOtherArgon2idParameters) {
    // Hashes carry their own parameters, so raising the cost later keeps old hashes valid.
    const PasswordHasher old_hasher(Argon2Params{2, 16 * 1024});
    const PasswordHasher hasher(fast_params());
    const Secret password("router-password");
    EXPECT_TRUE(hasher.verify(old_hasher.hash(password), password));
}

std::string argon2i_hash(const char* password) {
    std::array<char, crypto_pwhash_STRBYTES> out{};
    EXPECT_EQ(crypto_pwhash_str_alg(out.data(), password, std::char_traits<char>::length(password),
                                    crypto_pwhash_argon2i_OPSLIMIT_MIN, 8 * 1024,
                                    crypto_pwhash_ALG_ARGON2I13),
              0);
    return out.data();
}

struct RejectedHashCase {
    const char* name;
    std::string hash;
};

class PasswordRejectedHash : public ::testing::TestWithParam<RejectedHashCase> {};

TEST_P(PasswordRejectedHash, NeverVerifies) {
    const PasswordHasher hasher(fast_params());
    EXPECT_FALSE(hasher.verify(GetParam().hash, Secret("secret")));
    EXPECT_FALSE(hasher.verify(GetParam().hash, Secret("")));
}

std::string valid_hash_of_secret() {
    return PasswordHasher(fast_params()).hash(Secret("secret"));
}

INSTANTIATE_TEST_SUITE_P(
    Hashes, PasswordRejectedHash,
    ::testing::Values(
        RejectedHashCase{"empty", ""},
        RejectedHashCase{"argon2i_of_the_right_password", argon2i_hash("secret")},
        RejectedHashCase{"bcrypt", "$2y$10$abcdefghijklmnopqrstuu5Nw4cZb0wVYwqQ7ZJ4B3zQ7q6M0a3rS"},
        RejectedHashCase{"plain_text", "secret"}, RejectedHashCase{"prefix_only", "$argon2id$"},
        RejectedHashCase{"uppercase_prefix",
                         [] {
                             std::string h = valid_hash_of_secret();
                             h.replace(1, 8, "ARGON2ID");
                             return h;
                         }()},
        RejectedHashCase{"truncated", valid_hash_of_secret().substr(0, 40)},
        RejectedHashCase{"tampered_digest",
                         [] {
                             std::string h = valid_hash_of_secret();
                             h.back() = h.back() == 'A' ? 'B' : 'A';
                             return h;
                         }()},
        RejectedHashCase{"trailing_nul_junk", valid_hash_of_secret() + std::string("\0x", 2)},
        RejectedHashCase{"over_long", valid_hash_of_secret() + std::string(200, 'A')}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(PasswordHasher, RefusesParametersBelowTheArgon2idMinimum) {
    EXPECT_THROW(PasswordHasher(Argon2Params{0, 8 * 1024}), std::invalid_argument);
    EXPECT_THROW(PasswordHasher(Argon2Params{1, 8 * 1024 - 1}), std::invalid_argument);
    EXPECT_NO_THROW(PasswordHasher(Argon2Params{1, 8 * 1024}));
}

}  // namespace
}  // namespace ddns::auth
