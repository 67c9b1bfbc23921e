// The HTTP and HTTPS listeners in-process, with a router that records what the dialects would
// see: RequestView.tls and the peer for each kind of listener, and how start() fails.
#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>

#include "ddns/gateway/http_server.hpp"
#include "gateway_stack.hpp"

namespace ddns::test {
namespace {

using gateway::Config;
using gateway::ListenAddress;

class RecordingRouter final : public gateway::RequestRouter {
public:
    struct Seen {
        bool tls = false;
        std::string peer;
        std::string path;
    };
    gateway::Response route(const gateway::RequestView& request) override {
        std::lock_guard lock(mutex_);
        seen_.push_back(Seen{request.tls, request.peer.to_string(), request.path});
        return gateway::Response::text(200, "OK", "seen\n");
    }
    std::vector<Seen> seen() const {
        std::lock_guard lock(mutex_);
        return seen_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<Seen> seen_;
};

class HttpServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        tls_ = make_self_signed_certificate(dir_.path());
        config_.database_url = "unused";
        config_.http_listen = {ListenAddress{"127.0.0.1", 0}, ListenAddress{"127.0.0.1", 0}};
        config_.https_listen = {ListenAddress{"127.0.0.1", 0}};
        config_.tls_certificate = tls_.certificate.string();
        config_.tls_private_key = tls_.private_key.string();
    }
    static HttpReply plain_get(std::uint16_t port, const std::string& path) {
        return http_exchange(port,
                             "GET " + path + " HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    }

    TempDir dir_{"ddns-http-server-test"};
    TlsFiles tls_;
    Config config_;
    gateway::Logger log_{gateway::LogLevel::Error};
    RecordingRouter router_;
};

TEST_F(HttpServerTest, TlsIsTrueExactlyForRequestsOnTheHttpsListener) {
    gateway::HttpServer server(config_, router_, log_);
    server.start();
    const auto ports = server.ports();
    const auto https_ports = server.https_ports();
    ASSERT_EQ(ports.size(), 2u);
    ASSERT_EQ(https_ports.size(), 1u);

    EXPECT_EQ(plain_get(ports[0], "/first").body, "seen\n");
    EXPECT_EQ(plain_get(ports[1], "/second").body, "seen\n");
    const auto secure = https_exchange(https_ports[0], tls_.certificate, "/third", {}, {});
    EXPECT_EQ(secure.body, "seen\n") << secure.error;
    server.stop();

    const auto seen = router_.seen();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].path, "/first");
    EXPECT_FALSE(seen[0].tls);
    EXPECT_EQ(seen[1].path, "/second");
    EXPECT_FALSE(seen[1].tls);
    EXPECT_EQ(seen[2].path, "/third");
    EXPECT_TRUE(seen[2].tls);
    for (const auto& s : seen) EXPECT_EQ(s.peer, "127.0.0.1") << s.path;
}

TEST_F(HttpServerTest, ABadKeyStopsTheStartBeforeAnyPortListens) {
    const auto port = free_port();
    config_.http_listen = {ListenAddress{"127.0.0.1", port}};
    config_.tls_private_key = (dir_.path() / "missing.key").string();
    gateway::HttpServer server(config_, router_, log_);
    try {
        server.start();
        FAIL() << "start() accepted a missing key";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "cannot read the TLS private key file " +
                                             config_.tls_private_key +
                                             ": No such file or directory");
    }
    EXPECT_FALSE(tcp_port_open(port));
}

}  // namespace
}  // namespace ddns::test
