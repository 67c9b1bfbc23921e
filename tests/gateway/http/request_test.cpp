// Request parsing: query parameters, request targets (absolute form, doubled slashes), Basic auth.
#include <gtest/gtest.h>

#include "ddns/gateway/http/request.hpp"
#include "ddns/nsupdate/tsig_key.hpp"

namespace ddns::gateway {
namespace {

TEST(QueryParams, DecodesValuesAndKeepsPlusAndRawSpecials) {
    const auto q = QueryParams::parse(
        "hostname=a.example.org,b.example.org&myip=2001%3adb8%3A%3A1"
        "&password=p@ss:w+rd/x&empty=&flag&bad=%zz%4");
    EXPECT_EQ(q.get("hostname"), "a.example.org,b.example.org");
    EXPECT_EQ(q.get("myip"), "2001:db8::1");
    EXPECT_EQ(q.get("password"), "p@ss:w+rd/x");
    EXPECT_EQ(q.get("empty"), "");
    EXPECT_EQ(q.get("flag"), "");
    EXPECT_EQ(q.get("bad"), "%zz%4");
    EXPECT_EQ(q.get("missing"), std::nullopt);
}

TEST(QueryParams, CaseInsensitiveLookupIsOptIn) {
    const auto q = QueryParams::parse("FXN=Login&usr=me");
    EXPECT_EQ(q.get("fxn"), std::nullopt);
    EXPECT_EQ(q.get_nocase("fxn"), "Login");
    EXPECT_EQ(q.get_nocase("USR"), "me");
}

struct TargetCase {
    const char* target;
    const char* path;
    const char* query;
};

class RequestTargetTest : public ::testing::TestWithParam<TargetCase> {};

TEST_P(RequestTargetTest, Parses) {
    const auto& c = GetParam();
    const auto t = parse_request_target(c.target);
    EXPECT_EQ(t.path, c.path);
    EXPECT_EQ(t.query, c.query);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RequestTargetTest,
    ::testing::Values(TargetCase{"/nic/update?hostname=x", "/nic/update", "hostname=x"},
                      TargetCase{"//nic/update?a=b", "/nic/update", "a=b"},
                      TargetCase{"///nic/update", "/nic/update", ""},
                      TargetCase{"http://update.example:80/dynamic?host=x", "/dynamic", "host=x"},
                      TargetCase{"HTTP://update.example/dynamic", "/dynamic", ""},
                      TargetCase{"https://h?x=1", "/", "x=1"}, TargetCase{"http://h", "/", ""},
                      TargetCase{"/checkip#frag", "/checkip", ""},
                      TargetCase{"/a?b=c#frag", "/a", "b=c"}, TargetCase{"", "/", ""},
                      TargetCase{"*", "/*", ""}));

TEST(BasicAuthorization, SplitsOnFirstColon) {
    // "user:pa:ss" in base64
    const auto c = parse_basic_authorization("Basic dXNlcjpwYTpzcw==");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->username, "user");
    EXPECT_EQ(c->password.expose_view(), "pa:ss");
}

TEST(BasicAuthorization, SchemeIsCaseInsensitive) {
    const auto c = parse_basic_authorization("basic   dXNlcjpwdw==");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->username, "user");
    EXPECT_EQ(c->password.expose_view(), "pw");
}

TEST(BasicAuthorization, RejectsGarbage) {
    for (const char* v : {"", "Basic", "Basic ", "Bearer dXNlcjpwdw==", "Basic !!!!",
                          "Basic dXNlcg==" /* "user" without colon */, "Basicdxnlcjpwdw=="}) {
        EXPECT_FALSE(parse_basic_authorization(v)) << v;
    }
}

// Credentials are decoded on the stack up to 384 bytes and on the heap beyond: both sides of the
// boundary, and a password far longer, come out whole.
TEST(BasicAuthorization, LongCredentialsDecodeWhole) {
    for (const std::size_t length : {379U, 380U, 381U, 382U, 383U, 384U, 385U, 386U, 1000U}) {
        const std::string password(length - 5, 'p');
        const std::string header = "Basic " + encode_base64(Secret("user:" + password));
        const auto c = parse_basic_authorization(header);
        ASSERT_TRUE(c) << length;
        EXPECT_EQ(c->username, "user");
        EXPECT_EQ(c->password.expose_view(), password) << length;
    }
}

TEST(BasicAuthorization, PaddingOnlyAtTheEnd) {
    // "user:pw" is dXNlcjpwdw==; padding inside, after the end, or too much is no base64.
    for (const char* v : {"Basic dXNl=cjpwdw==", "Basic dXNlcjpwdw==dw==", "Basic dXNlcjpwdw===",
                          "Basic dXNlcjpwd===", "Basic dXNlcjpwdw", "Basic ===="}) {
        EXPECT_FALSE(parse_basic_authorization(v)) << v;
    }
    const auto spaced = parse_basic_authorization("Basic dXNl cjpw dw==");
    ASSERT_TRUE(spaced);
    EXPECT_EQ(spaced->password.expose_view(), "pw");
}

TEST(RequestView, HeaderLookupIsCaseInsensitive) {
    RequestView v;
    v.headers = {{"User-Agent", "ddclient/3.10.0"}, {"x-forwarded-for", "192.0.2.1"}};
    EXPECT_EQ(v.header("user-agent"), "ddclient/3.10.0");
    EXPECT_EQ(v.header("X-Forwarded-For"), "192.0.2.1");
    EXPECT_EQ(v.header("Forwarded"), std::nullopt);
}

}  // namespace
}  // namespace ddns::gateway
