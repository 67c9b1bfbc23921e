// Key-file parsing (tsig-keygen format and variations) and base64 of key material.
#include <gtest/gtest.h>

#include "ddns/nsupdate/tsig_key.hpp"

namespace ddns {
namespace {

constexpr std::string_view kSecret = "WQYfU4JXWinQ7GwOrAfM6c3ByGHQ82RfAMmXuLIu3Sc=";

struct KeyFileRow {
    std::string label;
    std::string text;
    bool ok;
    std::string name;  // when ok
    TsigAlgorithm algorithm = TsigAlgorithm::HmacSha256;
};

class KeyFile : public ::testing::TestWithParam<KeyFileRow> {};

TEST_P(KeyFile, Parses) {
    const auto& row = GetParam();
    const auto key = parse_tsig_key_file(row.text);
    ASSERT_EQ(key.has_value(), row.ok) << row.label << ": " << (key ? "" : key.error());
    if (key) {
        EXPECT_EQ(key->name.str(), row.name);
        EXPECT_EQ(key->algorithm, row.algorithm);
        EXPECT_EQ(encode_base64(key->secret), kSecret);
        EXPECT_EQ(key->secret.size(), 32u);
    } else {
        // The error never echoes the secret (nor a recognisable part of it).
        EXPECT_EQ(key.error().find("WQYfU4JX"), std::string::npos) << key.error();
        EXPECT_EQ(key.error().find("u3Sc"), std::string::npos) << key.error();
    }
}

const std::string S(kSecret);

INSTANTIATE_TEST_SUITE_P(
    Table, KeyFile,
    ::testing::Values(
        KeyFileRow{"tsig-keygen output",
                   "key \"test.key\" {\n\talgorithm hmac-sha256;\n\tsecret \"" + S + "\";\n};\n",
                   true, "test.key"},
        KeyFileRow{"one line", "key ddns-key{algorithm hmac-sha512;secret \"" + S + "\";};", true,
                   "ddns-key", TsigAlgorithm::HmacSha512},
        KeyFileRow{
            "secret first, CRLF, upper-case algorithm",
            "key \"K.Example.\" {\r\n secret \"" + S + "\";\r\n algorithm HMAC-SHA1;\r\n};\r\n",
            true, "k.example", TsigAlgorithm::HmacSha1},
        KeyFileRow{"comments of every style",
                   "# generated\n// by hand\n/* multi\nline */ key \"a\" { # c\n algorithm "
                   "hmac-sha384; // c\n secret /* c */ \"" +
                       S + "\"; };\n",
                   true, "a", TsigAlgorithm::HmacSha384},
        KeyFileRow{
            "spaces everywhere",
            "  key   \"a\"   {   algorithm   hmac-sha224  ;  secret  \"" + S + "\"  ;  }  ;  ",
            true, "a", TsigAlgorithm::HmacSha224},
        KeyFileRow{"missing secret", "key \"a\" { algorithm hmac-sha256; };", false, ""},
        KeyFileRow{"missing algorithm", "key \"a\" { secret \"" + S + "\"; };", false, ""},
        KeyFileRow{"unsupported algorithm",
                   "key \"a\" { algorithm hmac-md5; secret \"" + S + "\"; };", false, ""},
        KeyFileRow{"bad base64", "key \"a\" { algorithm hmac-sha256; secret \"" + S + "!\"; };",
                   false, ""},
        KeyFileRow{"unquoted secret with junk",
                   "key \"a\" { algorithm hmac-sha256; secret " + S + " x; };", false, ""},
        KeyFileRow{"missing semicolon after brace",
                   "key \"a\" { algorithm hmac-sha256; secret \"" + S + "\"; }", false, ""},
        KeyFileRow{"two keys",
                   "key \"a\" { algorithm hmac-sha256; secret \"" + S +
                       "\"; };key \"b\" { "
                       "algorithm hmac-sha256; secret \"" +
                       S + "\"; };",
                   false, ""},
        KeyFileRow{"unterminated string", "key \"a\" { algorithm hmac-sha256; secret \"" + S, false,
                   ""},
        KeyFileRow{"unterminated comment", "/* key \"a\" { secret \"" + S + "\"; };", false, ""},
        KeyFileRow{"invalid key name",
                   "key \"a b\" { algorithm hmac-sha256; secret \"" + S + "\"; };", false, ""},
        KeyFileRow{"unknown statement",
                   "key \"a\" { algorithm hmac-sha256; secret \"" + S + "\"; x y; };", false, ""},
        KeyFileRow{
            "duplicate secret",
            "key \"a\" { algorithm hmac-sha256; secret \"" + S + "\"; secret \"" + S + "\"; };",
            false, ""},
        KeyFileRow{"empty", "", false, ""}),
    [](const auto& param_info) {
        std::string name;
        for (const char c : param_info.param.label)
            name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        return name;
    });

TEST(TsigAlgorithm, NamesRoundTrip) {
    for (const auto a :
         {TsigAlgorithm::HmacSha1, TsigAlgorithm::HmacSha224, TsigAlgorithm::HmacSha256,
          TsigAlgorithm::HmacSha384, TsigAlgorithm::HmacSha512}) {
        EXPECT_EQ(parse_tsig_algorithm(to_string(a)), a);
    }
    EXPECT_EQ(parse_tsig_algorithm("hmac-sha256."), TsigAlgorithm::HmacSha256);
    EXPECT_EQ(parse_tsig_algorithm("hmac-md5.sig-alg.reg.int"), std::nullopt);
    EXPECT_EQ(parse_tsig_algorithm(""), std::nullopt);
}

struct Base64Row {
    std::string text;
    std::optional<std::string> decoded;
};

class Base64 : public ::testing::TestWithParam<Base64Row> {};

TEST_P(Base64, Decodes) {
    const auto& row = GetParam();
    const auto secret = decode_base64_secret(row.text);
    ASSERT_EQ(secret.has_value(), row.decoded.has_value()) << row.text;
    if (secret) {
        EXPECT_EQ(secret->expose_view(), *row.decoded);
        if (row.text.find(' ') == std::string::npos) {
            EXPECT_EQ(encode_base64(*secret), row.text);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, Base64,
    ::testing::Values(Base64Row{"Zg==", "f"}, Base64Row{"Zm8=", "fo"}, Base64Row{"Zm9v", "foo"},
                      Base64Row{"Zm9vYg==", "foob"}, Base64Row{"Zm9v YmFy", "foobar"},
                      Base64Row{"Zg", std::nullopt}, Base64Row{"Zg=", std::nullopt},
                      Base64Row{"Z===", std::nullopt}, Base64Row{"Zg==Zg==", std::nullopt},
                      Base64Row{"Zm9-", std::nullopt}, Base64Row{"Z=g=", std::nullopt},
                      Base64Row{"", std::nullopt}));

TEST(MakeTsigKey, ValidatesParts) {
    EXPECT_TRUE(make_tsig_key("k.example", "hmac-sha256", kSecret).has_value());
    EXPECT_FALSE(make_tsig_key("k..example", "hmac-sha256", kSecret).has_value());
    EXPECT_FALSE(make_tsig_key("k", "md5", kSecret).has_value());
    const auto bad = make_tsig_key("k", "hmac-sha256", "not base64!");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().find("not base64"), std::string::npos);
}

}  // namespace
}  // namespace ddns
