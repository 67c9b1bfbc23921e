// The connection loop in-process, with far fewer request threads than clients: trickled bodies,
// idle keep-alive connections, TLS handshakes and heads that never finish hold no thread, so a
// normal request on either port is answered at once; a body late past http.body_timeout gets
// 408; a request that finds every thread busy and the queue full gets 503 (issue #9 finding 3).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "ddns/gateway/http/http_server.hpp"
#include "gateway_stack.hpp"
#include "raw_connection.hpp"
#include "tls_connection.hpp"

namespace ddns::test {
namespace {

using namespace std::chrono_literals;
using gateway::ListenAddress;

// Answers with the body it got; requests to /block wait until open() is called.
class GateRouter final : public gateway::RequestRouter {
public:
    gateway::Response route(const gateway::RequestView& request) override {
        if (request.path == "/block") {
            ++blocked_;
            std::unique_lock lock(mutex_);
            open_cv_.wait(lock, [this] { return open_; });
        }
        return gateway::Response::text(200, "OK", "got:" + request.body + "\n");
    }
    void open() {
        {
            const std::lock_guard lock(mutex_);
            open_ = true;
        }
        open_cv_.notify_all();
    }
    int blocked() const { return blocked_; }

private:
    std::atomic<int> blocked_{0};
    std::mutex mutex_;
    std::condition_variable open_cv_;
    bool open_ = false;
};

constexpr const char* kGet = "GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n";

template <typename F>
long long timed_ms(F&& f) {
    const auto start = Clock::now();
    f();
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

class ConnectionLoopTest : public ::testing::Test {
protected:
    void SetUp() override {
        tls_ = make_self_signed_certificate(dir_.path());
        config_.http_listen = {ListenAddress{"127.0.0.1", 0}};
        config_.https_listen = {ListenAddress{"127.0.0.1", 0}};
        config_.tls_certificate = tls_.certificate.string();
        config_.tls_private_key = tls_.private_key.string();
        config_.threads = 2;
        config_.max_queued = 1;
        config_.header_timeout = 2s;
        config_.body_timeout = 2s;
        config_.max_connections_per_address = 1000;
    }
    void TearDown() override {
        router_.open();
        if (server_) server_->stop();
    }
    void start() {
        server_ = std::make_unique<gateway::HttpServer>(config_, router_, log_);
        server_->start();
    }
    std::uint16_t http() const { return server_->ports().at(0); }
    std::uint16_t https() const { return server_->https_ports().at(0); }
    // A fresh plain and a fresh TLS request, each answered within `ms`.
    void expect_served_within(long long ms) {
        std::string plain;
        EXPECT_LT(timed_ms([&] {
                      Connection c(http());
                      c.send(kGet);
                      plain = c.read(5s, "\r\n\r\ngot:");
                  }),
                  ms);
        EXPECT_EQ(plain.rfind("HTTP/1.1 200 ", 0), 0U) << plain;
        std::string secure;
        EXPECT_LT(timed_ms([&] {
                      TlsConnection c(https());
                      ASSERT_TRUE(c.handshake());
                      c.send(kGet);
                      secure = c.read(5s, "\r\n\r\ngot:");
                  }),
                  ms);
        EXPECT_EQ(secure.rfind("HTTP/1.1 200 ", 0), 0U) << secure;
    }

    TempDir dir_{"ddns-connection-loop-test"};
    TlsFiles tls_;
    gateway::HttpServerOptions config_;
    gateway::Logger log_{gateway::LogLevel::Error};
    GateRouter router_;
    std::unique_ptr<gateway::HttpServer> server_;
};

TEST_F(ConnectionLoopTest, SlowClientsOfEveryKindHoldNoThread) {
    start();
    std::vector<std::unique_ptr<Connection>> plain;
    std::vector<std::unique_ptr<TlsConnection>> secure;
    for (int i = 0; i < 8; ++i) {
        // A body trickled after a fast head.
        auto body = std::make_unique<Connection>(http());
        body->send("POST /healthz HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\nabc");
        plain.push_back(std::move(body));
        // An idle keep-alive connection after one request.
        auto idle = std::make_unique<Connection>(http());
        idle->send(kGet);
        ASSERT_NE(idle->read(5s, "\r\n\r\ngot:").find("Keep-Alive"), std::string::npos);
        plain.push_back(std::move(idle));
        // Half a ClientHello, then nothing.
        auto hello = std::make_unique<TlsConnection>(https());
        ASSERT_TRUE(hello->send_partial_client_hello(40));
        secure.push_back(std::move(hello));
        // A finished handshake, then half a head; and one idle after a request over TLS.
        auto head = std::make_unique<TlsConnection>(https());
        ASSERT_TRUE(head->handshake());
        head->send("GET /healthz HTTP/1.1\r\nHo");
        secure.push_back(std::move(head));
        auto tls_idle = std::make_unique<TlsConnection>(https());
        ASSERT_TRUE(tls_idle->handshake());
        tls_idle->send(kGet);
        ASSERT_NE(tls_idle->read(5s, "\r\n\r\ngot:").find(" 200 "), std::string::npos);
        secure.push_back(std::move(tls_idle));
    }
    expect_served_within(1000);
    // The idle keep-alive connections still serve their next request.
    plain[1]->send(kGet);
    EXPECT_EQ(plain[1]->read(5s, "\r\n\r\ngot:").rfind("HTTP/1.1 200 ", 0), 0U);
    secure[2]->send(kGet);
    EXPECT_EQ(secure[2]->read(5s, "\r\n\r\ngot:").rfind("HTTP/1.1 200 ", 0), 0U);
}

// The answer's head, byte for byte (the Date is formatted once per second and thread): two
// answers on one keep-alive connection, then one that closes it.
TEST_F(ConnectionLoopTest, AnswersCarryTheExactHeadAndTheCurrentDate) {
    start();
    Connection c(http());
    const std::regex head(
        "HTTP/1\\.1 200 OK\r\nServer: ddns-gateway\r\n"
        "Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d\\d "
        "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d\\d:\\d\\d:\\d\\d GMT\r\n"
        "Connection: (Keep-Alive|Close)\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 6\r\n\r\ngot:x\n");
    for (const bool last : {false, false, true}) {
        const auto before = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
        c.send(std::string("POST /healthz HTTP/1.1\r\nHost: gw\r\nContent-Length: 1\r\n") +
               (last ? "Connection: close\r\n" : "") + "\r\nx");
        const std::string reply = c.read(5s, "got:x\n");
        const auto after = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
        std::smatch m;
        ASSERT_TRUE(std::regex_match(reply, m, head)) << reply;
        EXPECT_EQ(m[3], last ? "Close" : "Keep-Alive");
        std::tm tm{};
        const auto date = reply.find("Date: ") + 6;
        ASSERT_NE(::strptime(reply.c_str() + date, "%a, %d %b %Y %H:%M:%S GMT", &tm), nullptr);
        EXPECT_GE(::timegm(&tm), before);
        EXPECT_LE(::timegm(&tm), after);
    }
}

TEST_F(ConnectionLoopTest, ATrickledBodyIsServedWhole) {
    start();
    Connection c(http());
    c.send("POST /healthz HTTP/1.1\r\nHost: gw\r\nContent-Length: 13\r\n\r\nhello");
    for (const char* piece : {" ", "wor", "ld", "!!"}) {
        std::this_thread::sleep_for(100ms);
        c.send(piece);
    }
    const auto got = c.read(5s, "\n");
    EXPECT_NE(got.find("\r\n\r\ngot:hello world!!\n"), std::string::npos) << got;
}

TEST_F(ConnectionLoopTest, ABodyLateBeyondTheBodyTimeoutGets408) {
    start();
    Connection c(http());
    c.send("POST /healthz HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nabc");
    std::string got;
    const auto ms = timed_ms([&] { got = c.read(6s); });
    EXPECT_EQ(got.rfind("HTTP/1.1 408 ", 0), 0U) << got;
    EXPECT_TRUE(c.closed());
    EXPECT_GE(ms, 1500);
    EXPECT_LT(ms, 3500);
}

TEST_F(ConnectionLoopTest, AnUnfinishedTlsHandshakeIsClosedAfterTheHeaderTimeout) {
    start();
    TlsConnection c(https());
    ASSERT_TRUE(c.send_partial_client_hello(40));
    bool closed = false;
    const auto ms = timed_ms([&] { closed = c.tcp_closed_within(6s); });
    EXPECT_TRUE(closed);
    EXPECT_GE(ms, 1500);
    EXPECT_LT(ms, 3500);
}

TEST_F(ConnectionLoopTest, AnUnfinishedHeadOverTlsGets408) {
    start();
    TlsConnection c(https());
    ASSERT_TRUE(c.handshake());
    c.send("GET /healthz HTTP/1.1\r\n");
    const auto got = c.read(6s);
    EXPECT_EQ(got.rfind("HTTP/1.1 408 ", 0), 0U) << got;
}

TEST_F(ConnectionLoopTest, AnIdleKeepAliveConnectionEndsAfterTheKeepAliveTimeout) {
    config_.keepalive_timeout = 1s;
    start();
    Connection c(http());
    c.send(kGet);
    ASSERT_NE(c.read(5s, "\r\n\r\ngot:").find(" 200 "), std::string::npos);
    std::string more;
    const auto ms = timed_ms([&] { more = c.read(5s); });
    EXPECT_TRUE(c.closed());
    EXPECT_EQ(more, "") << "an idle connection is closed without a word";
    EXPECT_GE(ms, 700);
    EXPECT_LT(ms, 2500);
}

TEST_F(ConnectionLoopTest, ExpectContinueGetsA100BeforeTheBody) {
    start();
    Connection c(http());
    c.send(
        "POST /healthz HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    EXPECT_EQ(c.read(2s, "\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
    c.send("ok");
    EXPECT_NE(c.read(5s, "got:ok\n").find(" 200 "), std::string::npos);
}

// Two threads and a queue of one: two requests run, one waits, the fourth gets 503 at once.
TEST_F(ConnectionLoopTest, ARequestFindingThreadsAndQueueFullGets503) {
    start();
    std::vector<std::unique_ptr<Connection>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<Connection>(http()));
        held.back()->send("GET /block HTTP/1.1\r\nHost: gw\r\n\r\n");
        if (i < 2)
            for (int wait = 0; wait < 200 && router_.blocked() <= i; ++wait)
                std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(router_.blocked(), 2);
    std::this_thread::sleep_for(100ms);  // the third is queued
    Connection over(http());
    over.send("GET /block HTTP/1.1\r\nHost: gw\r\n\r\n");
    std::string got;
    EXPECT_LT(timed_ms([&] { got = over.read(5s); }), 1000);
    EXPECT_EQ(got.rfind("HTTP/1.1 503 ", 0), 0U) << got;
    EXPECT_NE(got.find("\r\nRetry-After: 1\r\n"), std::string::npos) << got;
    router_.open();
    for (auto& c : held) EXPECT_EQ(c->read(5s, "got:").rfind("HTTP/1.1 200 ", 0), 0U);
}

// Graceful shutdown: new connections refused at once, idle keep-alive closed, a request in a
// worker and one whose head is half sent both answered (with Connection: Close), then done.
TEST_F(ConnectionLoopTest, ShutdownFinishesWhatWasBegunAndRefusesTheRest) {
    start();
    const auto port = http();
    Connection idle(port);
    ASSERT_TRUE(idle.send(kGet));
    ASSERT_NE(idle.read(5s, "got:\n").find("200 OK"), std::string::npos);
    Connection working(port);
    ASSERT_TRUE(working.send("GET /block HTTP/1.1\r\nHost: gw\r\n\r\n"));
    ASSERT_TRUE(wait_until([&] { return router_.blocked() == 1; }));
    Connection half(port);
    ASSERT_TRUE(half.send("GET /healthz HTTP/1.1\r\nHo"));
    std::this_thread::sleep_for(100ms);  // the loop has read the first bytes

    std::atomic<bool> drained{false};
    std::atomic<bool> returned{false};
    std::thread stopping([&] {
        drained = server_->shutdown(10s);
        returned = true;
    });
    EXPECT_TRUE(wait_until([&] { return !Connection(port).connected(); }, 5s))
        << "a new connection must be refused once shutdown began";
    idle.read(5s);
    EXPECT_TRUE(idle.closed()) << "an idle keep-alive connection is closed";
    EXPECT_FALSE(returned);
    ASSERT_TRUE(half.send("st: gw\r\n\r\n"));
    const auto late = half.read(5s, "got:\n");
    EXPECT_EQ(late.rfind("HTTP/1.1 200 ", 0), 0U) << late;
    EXPECT_NE(late.find("Connection: Close"), std::string::npos) << late;
    router_.open();
    const auto blocked = working.read(5s, "got:\n");
    EXPECT_EQ(blocked.rfind("HTTP/1.1 200 ", 0), 0U) << blocked;
    stopping.join();
    EXPECT_TRUE(drained);
}

TEST_F(ConnectionLoopTest, ShutdownGivesUpAfterTheGrace) {
    start();
    Connection working(http());
    ASSERT_TRUE(working.send("GET /block HTTP/1.1\r\nHost: gw\r\n\r\n"));
    ASSERT_TRUE(wait_until([&] { return router_.blocked() == 1; }));
    std::thread release([&] {
        std::this_thread::sleep_for(1s);
        router_.open();  // so the pool's thread can end after the loop gave up
    });
    bool drained = true;
    const auto took = timed_ms([&] { drained = server_->shutdown(300ms); });
    release.join();
    EXPECT_FALSE(drained);
    EXPECT_GE(took, 300);
}

}  // namespace
}  // namespace ddns::test
