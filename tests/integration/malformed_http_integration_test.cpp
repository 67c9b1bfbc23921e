// Malformed and hostile HTTP against the real binary, spoken as raw bytes over TCP: request
// smuggling through unread bodies, bodies over the limit, Transfer-Encoding, bad Content-Length,
// control bytes in credentials, foreign protocol versions. Every case gets a 4xx or the
// dialect's error, never a 5xx; named and PostgreSQL stay unchanged; and the next request on a
// fresh connection is served.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

using namespace std::string_literals;

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct-horse-battery";
constexpr const char* kAgent = "User-Agent: ddns-test/1.0\r\n";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config =
        "http.max_body_bytes = 4096\n"
        "auth.lockout_failures = 3\n"
        "auth.lockout_initial = 30\n"
        "auth.lockout_max = 60\n";
    return o;
}()));

using Strings = std::vector<std::string>;

bool text_iequals(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

class MalformedHttp : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        other = user + "-b." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
        stack().add_host(other, user);
    }
    std::string basic(const std::string& name, const std::string& password) const {
        return "Authorization: Basic " + base64(name + ":" + password) + "\r\n";
    }
    std::string update_line(const std::string& name, const std::string& address) const {
        return "GET /nic/update?hostname=" + name + "&myip=" + address + " HTTP/1.1\r\n" + kAgent;
    }
    // Neither host changed in named or the database, and a fresh connection is served.
    void expect_nothing_changed() {
        EXPECT_EQ(a_records(host), Strings{});
        EXPECT_EQ(a_records(other), Strings{});
        EXPECT_EQ(stored_ipv4(host), "-");
        EXPECT_EQ(stored_ipv4(other), "-");
        EXPECT_EQ(stack().get("/healthz").status, 200);
    }
    // How many responses came on the connection (each carries the server's name).
    static int responses(const HttpReply& r) {
        int n = 0;
        for (auto at = r.raw.find("\r\nServer: ddns-gateway\r\n"); at != std::string::npos;
             at = r.raw.find("\r\nServer: ddns-gateway\r\n", at + 1))
            ++n;
        return n;
    }

    std::string user;
    std::string host;
    std::string other;
};

TEST_F(MalformedHttp, ARequestHiddenInAnUnreadBodyIsNeverExecuted) {
    const std::string smuggled = update_line(other, "203.0.113.66") + "Host: gw\r\n" +
                                 basic(user, kPassword) + "X-Forwarded-For: 198.51.100.9\r\n\r\n";
    const std::string outer =
        "POST /nic/update?hostname=" + host + "&myip=192.0.2.10 HTTP/1.1\r\nHost: gw\r\n" + kAgent +
        basic(user, kPassword) + "Content-Type: text/plain\r\n" +
        "Content-Length: " + std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled;
    const auto r = stack().raw(outer +
                               "GET /healthz HTTP/1.1\r\nHost: gw\r\n"
                               "Connection: close\r\n\r\n");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body.substr(0, 15), "good 192.0.2.10");
    EXPECT_EQ(responses(r), 2) << r.raw;  // the update and /healthz, nothing in between
    EXPECT_EQ(a_records(host), Strings{"192.0.2.10"});
    EXPECT_EQ(a_records(other), Strings{});
    EXPECT_EQ(stored_ipv4(other), "-");
}

TEST_F(MalformedHttp, PipelinedRequestsAreEachAnswered) {
    const auto r =
        stack().raw(update_line(host, "192.0.2.20") + "Host: gw\r\n" + basic(user, kPassword) +
                    "\r\n" + update_line(other, "192.0.2.21") + "Host: gw\r\n" +
                    basic(user, kPassword) + "Connection: close\r\n\r\n");
    EXPECT_EQ(responses(r), 2) << r.raw;
    EXPECT_EQ(a_records(host), Strings{"192.0.2.20"});
    EXPECT_EQ(a_records(other), Strings{"192.0.2.21"});
}

TEST_F(MalformedHttp, TheLastResponseAllowedOnAConnectionSaysClose) {
    std::string requests;
    for (int i = 0; i < 100; ++i) requests += "GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n";
    const auto r = stack().raw(requests);  // http.max_keepalive_requests = 100, the default
    EXPECT_EQ(responses(r), 100);
    const auto last = r.raw.rfind("\r\nConnection: ");
    ASSERT_NE(last, std::string::npos);
    EXPECT_EQ(r.raw.substr(last + 14, 7), "Close\r\n") << "the server closes after it";
}

TEST_F(MalformedHttp, BadFramingIsRefusedAndTheConnectionClosed) {
    const std::string post = "POST /nic/update?hostname=" + host +
                             "&myip=192.0.2.30 HTTP/1.1\r\nHost: gw\r\n" + kAgent +
                             basic(user, kPassword);
    const std::string next = update_line(other, "192.0.2.31") + "Host: gw\r\n" +
                             basic(user, kPassword) + "Connection: close\r\n\r\n";
    const std::vector<std::pair<std::string, int>> cases = {
        {"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411},
        {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400},
        {"Transfer-Encoding: gzip\r\n\r\n", 400},
        {"Content-Length: -1\r\n\r\n", 400},
        {"Content-Length: 5, 6\r\n\r\nhello", 400},
        {"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
        {"Content-Length: 4097\r\n\r\n" + std::string(4097, 'x'), 413},
        {basic(user, kPassword) + "\r\n", 400},  // a second Authorization
    };
    for (const auto& [rest, status] : cases) {
        const auto r = stack().raw(post + rest + next);
        EXPECT_EQ(r.status, status) << rest;
        if (status != 0) {
            EXPECT_TRUE(text_iequals(r.header("Connection").value_or(""), "close")) << rest;
            EXPECT_EQ(responses(r), 1) << rest << r.raw;
        }
    }
    expect_nothing_changed();
}

TEST_F(MalformedHttp, ATenMegabyteBodyIsRefusedUnread) {
    const auto r =
        stack().raw("POST /nic/update?hostname=" + host +
                    "&myip=192.0.2.40 HTTP/1.1\r\nHost: gw\r\n" + basic(user, kPassword) +
                    "Content-Length: 10485760\r\n\r\n" + std::string(10 * 1024 * 1024, 'x'));
    // 413, unless the server's close reset the connection before the answer was read.
    EXPECT_TRUE(r.status == 413 || r.status == 0) << r.status_line;
    expect_nothing_changed();
}

TEST_F(MalformedHttp, ForeignProtocolsAndVersionsGetA4xxOrAClose) {
    for (const std::string& request :
         {"GET /healthz HTTP/9.9\r\nHost: gw\r\n\r\n"s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"s,
          "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: gw\r\n\r\n",
          "GET /healthz HTTP/1.1\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n",
          "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"s + std::string(64, '\x01')}) {
        const auto r = stack().raw(request);
        EXPECT_TRUE(r.status == 0 || (r.status >= 400 && r.status < 500))
            << request.substr(0, 40) << " -> " << r.status_line;
    }
    expect_nothing_changed();
}

// The route table over the wire: a method an endpoint does not serve gets 405 with Allow (the
// update dialects answer in their own words instead), HEAD is GET without the body, an unknown
// path is 404, and none of them changes anything.
TEST_F(MalformedHttp, UnservedMethodsGet405WithAllowAndHeadIsGetWithoutBody) {
    for (const char* request : {"POST /checkip HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n",
                                "DELETE /healthz HTTP/1.1\r\nHost: gw\r\n",
                                "PUT /READYZ/ HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n"}) {
        const auto r = stack().raw(std::string(request) + "Connection: close\r\n\r\n");
        EXPECT_EQ(r.status_line, "HTTP/1.1 405 Method Not Allowed") << request;
        EXPECT_EQ(r.header("Allow"), "GET, HEAD") << request;
        EXPECT_EQ(r.body, "method not allowed\n") << request;
    }
    const auto wrong =
        stack().raw("PUT " + update_line(host, "192.0.2.50").substr(4) + basic(user, kPassword) +
                    "Content-Length: 0\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(wrong.status, 200);
    EXPECT_EQ(wrong.body, "badagent");

    const auto get = stack().raw("GET /myip HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    const auto head = stack().raw("HEAD /MyIP HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(get.body, "127.0.0.1\n");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.body, "");
    EXPECT_EQ(head.header("Content-Length"), get.header("Content-Length"));

    const auto missing =
        stack().raw("GET /nic/updates HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body, "not found\n");
    expect_nothing_changed();
}

TEST_F(MalformedHttp, NamesWithOuterWhitespaceAreNoNamesInEveryDialect) {
    const std::string token = stack().add_token(user);
    ASSERT_EQ(stack().admin({"account", "enable-updates", user}).exit_code, 0);
    for (const std::string& name : {"%20" + host, host + "%09", host + "%20"}) {
        auto r = stack().get("/nic/update?hostname=" + name + "&myip=192.0.2.80",
                             std::pair{user, std::string(kPassword)});
        EXPECT_EQ(r.body, "notfqdn") << name;
        r = stack().get("/dynamic?host=" + name + "&ip=192.0.2.80&user=" + user +
                        "&password=" + token);
        EXPECT_EQ(r.status, 400) << name << ": " << r.body;
        r = stack().get("/Login/updateip.asp?SiteID=" + name + "&Password=" + kPassword +
                        "&IPAddr=192.0.2.80&ProgVer=1.0");
        EXPECT_EQ(r.status, 200) << name;
        EXPECT_EQ(r.body.find("192.0.2.80"), std::string::npos) << name << ": " << r.body;
    }
    expect_nothing_changed();
}

TEST_F(MalformedHttp, ControlBytesInCredentialsNeverLogIn) {
    // The right password behind a name with a NUL: the database would look up the account.
    auto r = stack().raw(update_line(host, "192.0.2.60") + "Host: gw\r\n" +
                         basic(user + "\0zz"s, kPassword) + "Connection: close\r\n\r\n");
    EXPECT_EQ(r.body, "badauth");
    const std::string token = stack().add_token(user);
    ASSERT_EQ(stack().admin({"account", "enable-updates", user}).exit_code, 0);
    r = stack().get("/dynamic?host=" + host + "&ip=192.0.2.60&user=" + user +
                    "%00x&password=" + token);
    EXPECT_NE(r.status, 200) << r.body;
    r = stack().get("/dynamic?host=" + host + "&ip=192.0.2.60&user=" + user + "&password=" + token +
                    "%00");
    EXPECT_NE(r.status, 200) << r.body;
    r = stack().get("/dnslogin3.asp?Usr=" + user + "%00x&Pwd=" + kPassword +
                    "&FXN=Add&IP=192.0.2.60");
    EXPECT_EQ(r.body.find("Successful"), std::string::npos) << r.body;
    EXPECT_EQ(
        stack().sql("select count(*) from hosts where name = '" + host + "' and ipv4 is not null"),
        "0");
    expect_nothing_changed();
}

TEST_F(MalformedHttp, NulSuffixedNamesCountAgainstTheAccountsThrottle) {
    const std::string source = "127.3.0.1";
    for (const char* suffix : {"1", "2", "3"}) {
        const auto guess =
            stack().raw(update_line(host, "192.0.2.70") + "Host: gw\r\n" +
                            basic(user + "\0"s + suffix, "guess") + "Connection: close\r\n\r\n",
                        source);
        ASSERT_EQ(guess.body, "badauth") << suffix;
    }
    // Three failures against the account from this address: even the right password waits.
    const auto r = stack().raw(update_line(host, "192.0.2.70") + "Host: gw\r\n" +
                                   basic(user, kPassword) + "Connection: close\r\n\r\n",
                               source);
    EXPECT_EQ(r.body, "abuse");
    expect_nothing_changed();
}

}  // namespace
}  // namespace ddns::test
