// A gateway with two request threads and a queue of one, against the real binary: many more slow
// clients than threads, of every kind (bodies trickled after a fast head, idle keep-alive
// connections on both ports, TLS handshakes and heads that never finish), hold none of the
// threads, so /healthz and updates over HTTP and HTTPS keep answering in normal time; a body
// that never completes gets 408 after http.body_timeout (issue #9 finding 3).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "raw_connection.hpp"
#include "stack_environment.hpp"
#include "tls_connection.hpp"

namespace ddns::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct-horse-battery";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.tls = true;
    o.extra_config = "http.threads = 2\nhttp.max_queued = 1\nhttp.body_timeout = 2\n";
    return o;
}()));

// A request whose body never comes.
constexpr const char* kStuck =
    "POST /healthz HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\nab";
constexpr const char* kHealth = "GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n";

class BusyPool : public StackTest {
protected:
    template <typename F>
    static long long timed(F&& f) {
        const auto start = Clock::now();
        f();
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    }
};

TEST_F(BusyPool, SlowClientsBeyondTheThreadCountLeaveHealthzAndUpdatesServed) {
    const std::string user = unique_label();
    const std::string host = user + "." + kZone;
    stack().add_account(user, kPassword);
    stack().add_host(host, user);
    std::vector<std::unique_ptr<Connection>> plain;
    std::vector<std::unique_ptr<TlsConnection>> secure;
    // Each source address stays below http.max_connections_per_address (64).
    for (int i = 0; i < 16; ++i) {
        plain.push_back(std::make_unique<Connection>(stack().http_port(), "127.0.0.2"));
        plain.back()->send(kStuck);
        plain.push_back(std::make_unique<Connection>(stack().http_port(), "127.0.0.2"));
        plain.back()->send(kHealth);
        ASSERT_NE(plain.back()->read(5s, "\r\n\r\nok\n").find(" 200 "), std::string::npos);
        secure.push_back(std::make_unique<TlsConnection>(stack().https_port(), "127.0.0.3"));
        ASSERT_TRUE(secure.back()->send_partial_client_hello(60));
        secure.push_back(std::make_unique<TlsConnection>(stack().https_port(), "127.0.0.3"));
        ASSERT_TRUE(secure.back()->handshake());
        secure.back()->send("GET /healthz HTTP/1.1\r\nHost");
        secure.push_back(std::make_unique<TlsConnection>(stack().https_port(), "127.0.0.3"));
        ASSERT_TRUE(secure.back()->handshake());
        secure.back()->send(kHealth);
        ASSERT_NE(secure.back()->read(5s, "\r\n\r\nok\n").find(" 200 "), std::string::npos);
    }
    std::string health;
    EXPECT_LT(timed([&] {
                  Connection c(stack().http_port());
                  c.send(kHealth);
                  health = c.read(5s, "\r\n\r\nok\n");
              }),
              1000);
    EXPECT_EQ(health.rfind("HTTP/1.1 200 ", 0), 0U) << health;
    // Nothing is so busy that an answer gives up its connection.
    EXPECT_NE(health.find("\r\nConnection: Keep-Alive\r\n"), std::string::npos) << health;
    HttpReply update;
    EXPECT_LT(timed([&] {
                  update = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.78",
                                       std::pair{user, std::string(kPassword)});
              }),
              1000);
    EXPECT_EQ(update.status, 200) << update.raw;
    EXPECT_LT(timed([&] {
                  update = stack().https_get("/nic/update?hostname=" + host + "&myip=192.0.2.79",
                                             std::pair{user, std::string(kPassword)});
              }),
              2000);
    EXPECT_EQ(update.status, 200) << update.raw << update.error;
    EXPECT_EQ(a_records(host), std::vector<std::string>{"192.0.2.79"});
}

TEST_F(BusyPool, ABodyThatNeverCompletesGets408AfterTheBodyTimeout) {
    Connection stuck(stack().http_port());
    stuck.send(kStuck);
    std::string got;
    const auto ms = timed([&] { got = stuck.read(6s); });
    EXPECT_EQ(got.rfind("HTTP/1.1 408 ", 0), 0U) << got;
    EXPECT_TRUE(stuck.closed());
    EXPECT_GE(ms, 1500);
    EXPECT_LT(ms, 3500);
}

}  // namespace
}  // namespace ddns::test
