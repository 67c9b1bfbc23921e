// Slow, idle and foreign clients against the real binary: connections that trickle their
// request head, sit silent or idle on keep-alive, or speak TLS to the plain port must not hold
// the workers, so /healthz and updates are still answered at once (issue #9 finding 3).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "raw_connection.hpp"
#include "stack_environment.hpp"

namespace ddns::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct-horse-battery";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config = "http.header_timeout = 3\nmetrics.on_public_listeners = true\n";
    return o;
}()));

using Connections = std::vector<std::unique_ptr<Connection>>;

class SlowClients : public StackTest {
protected:
    Connections open(std::size_t n, const std::string& source) {
        Connections out;
        for (std::size_t i = 0; i < n; ++i) {
            out.push_back(std::make_unique<Connection>(stack().http_port(), source));
            EXPECT_TRUE(out.back()->connected());
        }
        return out;
    }
    // Connections the gateway holds now (its /metrics gauge, asked from 127.0.0.1).
    double connections_open() {
        const std::string body = "\n" + stack().get("/metrics").body;
        const std::string sample = "\nddns_http_connections_open ";
        const auto at = body.find(sample);
        return at == std::string::npos ? -1 : std::stod(body.substr(at + sample.size()));
    }
    // Polls until `done(connections_open())` holds, for at most five seconds.
    template <typename F>
    bool wait_for_open(F&& done) {
        for (int i = 0; i < 250; ++i) {
            if (done(connections_open())) return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }
    // Milliseconds `f` took.
    template <typename F>
    static long long timed(F&& f) {
        const auto start = Clock::now();
        f();
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    }
};

TEST_F(SlowClients, TricklingSilentAndIdleClientsLeaveHealthzAndUpdatesServed) {
    const std::string user = unique_label();
    const std::string host = user + "." + kZone;
    stack().add_account(user, kPassword);
    stack().add_host(host, user);

    auto idle = open(64, "127.0.0.2");  // keep-alive after one request, then nothing
    for (auto& c : idle) {
        c->send("GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n");
        EXPECT_NE(c->read(5s, "\r\n\r\nok").find(" 200 "), std::string::npos);
    }
    auto silent = open(32, "127.0.0.3");  // connected, never a byte
    auto trickling = open(64, "127.0.0.4");
    for (auto& c : trickling) c->send("GET /healthz HTTP/1.1\r\n");
    // Every client sends a byte now and then, well within any read timeout.
    for (int round = 0; round < 5; ++round) {
        for (auto& c : trickling) c->send("X");
        std::this_thread::sleep_for(100ms);
    }
    HttpReply health;
    EXPECT_LT(timed([&] { health = stack().get("/healthz"); }), 1000);
    EXPECT_EQ(health.status, 200);
    HttpReply update;
    EXPECT_LT(timed([&] {
                  update = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.77",
                                       std::pair{user, std::string(kPassword)});
              }),
              1000);
    EXPECT_EQ(update.status, 200) << update.raw;
    EXPECT_EQ(a_records(host), std::vector<std::string>{"192.0.2.77"});
}

TEST_F(SlowClients, OneAddressGetsAtMostItsCapOfConnections) {
    // Several connection loops share the listener, so a connection that is connected is not yet
    // counted: wait until earlier tests' connections are gone and all of these are admitted, so
    // that the next one is the 65th the gateway counts.
    ASSERT_TRUE(wait_for_open([](double n) { return n >= 0 && n <= 1; }));
    auto held = open(64, "127.0.0.5");  // the cap, each connection silent
    ASSERT_TRUE(wait_for_open([](double n) { return n >= 64; }));
    Connection over(stack().http_port(), "127.0.0.5");
    std::string got;
    EXPECT_LT(timed([&] { got = over.read(5s); }), 1000);
    EXPECT_EQ(got.rfind("HTTP/1.1 503 ", 0), 0U) << got;
    EXPECT_NE(got.find("\r\nRetry-After: 1\r\n"), std::string::npos) << got;
    EXPECT_TRUE(over.closed());
    // Another address is served meanwhile; once one connection ends, the address is again.
    EXPECT_EQ(http_exchange(stack().http_port(),
                            "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", 5s, "127.0.0.6")
                  .status,
              200);
    held.pop_back();
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(http_exchange(stack().http_port(),
                            "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", 5s, "127.0.0.5")
                  .status,
              200);
}

TEST_F(SlowClients, AHeadNeverCompletedIsAnswered408AfterTheHeaderTimeout) {
    Connection c(stack().http_port());
    ASSERT_TRUE(c.connected());
    c.send("GET /healthz HTTP/1.1\r\nHost: gw\r\n");
    std::string got;
    const auto ms = timed([&] { got = c.read(8s); });
    EXPECT_TRUE(c.closed());
    EXPECT_EQ(got.rfind("HTTP/1.1 408 ", 0), 0U) << got;
    EXPECT_GE(ms, 2500);
    EXPECT_LT(ms, 4500);
}

TEST_F(SlowClients, ATlsClientHelloOnThePlainPortIsRefusedAtOnce) {
    Connection c(stack().http_port());
    ASSERT_TRUE(c.connected());
    c.send(std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11) +
           std::string(64, '\x01'));
    std::string got;
    EXPECT_LT(timed([&] { got = c.read(5s); }), 1000);
    EXPECT_TRUE(c.closed());
    EXPECT_EQ(got.rfind("HTTP/1.1 400 ", 0), 0U) << got;
}

TEST_F(SlowClients, AnHttp09RequestLineIsRefusedAtOnce) {
    Connection c(stack().http_port());
    ASSERT_TRUE(c.connected());
    c.send("GET /healthz\r\n");
    std::string got;
    EXPECT_LT(timed([&] { got = c.read(5s); }), 1000);
    EXPECT_TRUE(c.closed());
    EXPECT_EQ(got.rfind("HTTP/1.1 400 ", 0), 0U) << got;
}

// An idle keep-alive connection sits in a worker; SIGTERM must end it, not wait out
// http.keepalive_timeout (10 s).
TEST_F(SlowClients, StopEndsIdleKeepAliveConnectionsAtOnce) {
    Connection idle(stack().http_port());
    idle.send("GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n");
    ASSERT_NE(idle.read(5s, "\r\n\r\nok\n").find(" 200 "), std::string::npos);
    EXPECT_LT(timed([&] { stack().stop_gateway(); }), 3000);
    stack().start_gateway();
    EXPECT_EQ(stack().get("/healthz").status, 200);
}

}  // namespace
}  // namespace ddns::test
