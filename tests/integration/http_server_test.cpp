// The HTTP and HTTPS listeners in-process, with a router that records what the dialects would
// see: RequestView.tls and the peer for each kind of listener, how start() fails (a port another
// server holds), and that a restart binds the same port again at once.
#include <gtest/gtest.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "ddns/gateway/http/http_server.hpp"
#include "gateway_stack.hpp"

namespace ddns::test {
namespace {

using gateway::HttpServerOptions;
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
        config_.http_listen = {ListenAddress{"127.0.0.1", 0}, ListenAddress{"127.0.0.1", 0}};
        config_.https_listen = {ListenAddress{"127.0.0.1", 0}};
        config_.tls_certificate = tls_.certificate.string();
        config_.tls_private_key = tls_.private_key.string();
    }
    // start()'s error message, empty when it started.
    static std::string start_error(gateway::HttpServer& server) {
        try {
            server.start();
            return {};
        } catch (const std::runtime_error& e) {
            return e.what();
        }
    }
    static HttpReply plain_get(std::uint16_t port, const std::string& path) {
        return http_exchange(port,
                             "GET " + path + " HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
    }

    TempDir dir_{"ddns-http-server-test"};
    TlsFiles tls_;
    gateway::HttpServerOptions config_;
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

TEST_F(HttpServerTest, ARestartRightAfterStopBindsTheSamePorts) {
    const auto port = free_port();
    const auto https_port = free_port();
    config_.http_listen = {ListenAddress{"127.0.0.1", port}};
    config_.https_listen = {ListenAddress{"127.0.0.1", https_port}};
    {
        gateway::HttpServer first(config_, router_, log_);
        first.start();
        // The server closes a Connection: close exchange first, which leaves its end in
        // TIME_WAIT on the listening port: the state a bind without SO_REUSEADDR trips over.
        EXPECT_EQ(plain_get(port, "/before").body, "seen\n");
        EXPECT_EQ(https_exchange(https_port, tls_.certificate, "/before", {}, {}).body, "seen\n");
        first.stop();
    }
    gateway::HttpServer again(config_, router_, log_);
    EXPECT_EQ(start_error(again), "");
    EXPECT_EQ(plain_get(port, "/after").body, "seen\n");
    EXPECT_EQ(https_exchange(https_port, tls_.certificate, "/after", {}, {}).body, "seen\n");
}

// One listener kind on one address family.
struct ListenerCase {
    const char* host;
    bool tls;
};

class PortInUse : public HttpServerTest, public ::testing::WithParamInterface<ListenerCase> {
protected:
    // config_ listening on exactly one address of the case's kind.
    HttpServerOptions listening_on(std::uint16_t port) const {
        HttpServerOptions config = config_;
        config.http_listen.clear();
        config.https_listen.clear();
        const ListenAddress address{GetParam().host, port};
        if (GetParam().tls) {
            config.https_listen.push_back(address);
        } else {
            config.http_listen.push_back(address);
        }
        return config;
    }
    // GET /probe with curl, which reaches IPv6 and TLS listeners alike: the body, or curl's
    // complaint.
    std::string curl_get(std::uint16_t port) const {
        const std::string host = GetParam().host;
        const std::string address = host.find(':') != std::string::npos ? "[" + host + "]" : host;
        const std::string p = std::to_string(port);
        std::vector<std::string> argv{"curl", "-sS", "-g", "--max-time", "10"};
        if (GetParam().tls) {
            // The certificate names localhost: make localhost mean the listener's address.
            argv.insert(argv.end(),
                        {"--cacert", tls_.certificate.string(), "--resolve",
                         "localhost:" + p + ":" + address, "https://localhost:" + p + "/probe"});
        } else {
            argv.push_back("http://" + address + ":" + p + "/probe");
        }
        return run_command(argv).output;
    }
};

TEST_P(PortInUse, TheSecondServerFailsNamingTheAddressAndTheFirstKeepsServing) {
    const HttpServerOptions first_config = listening_on(0);
    gateway::HttpServer first(first_config, router_, log_);
    ASSERT_EQ(start_error(first), "");
    const auto ports = GetParam().tls ? first.https_ports() : first.ports();
    ASSERT_EQ(ports.size(), 1u);
    const auto port = ports[0];
    ASSERT_EQ(curl_get(port), "seen\n");

    const HttpServerOptions second_config = listening_on(port);
    gateway::HttpServer second(second_config, router_, log_);
    const std::string error = start_error(second);
    const std::string expected = std::string("cannot listen on ") +
                                 (GetParam().tls ? "https://" : "http://") +
                                 ListenAddress{GetParam().host, port}.to_string() + ": ";
    EXPECT_EQ(error.substr(0, expected.size()), expected) << error;
    EXPECT_NE(error.find("in use"), std::string::npos) << error;

    // The failed start released nothing of the first server's.
    EXPECT_EQ(curl_get(port), "seen\n");
    EXPECT_EQ(router_.seen().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Listeners, PortInUse,
                         ::testing::Values(ListenerCase{"127.0.0.1", false},
                                           ListenerCase{"127.0.0.1", true},
                                           ListenerCase{"::1", false}, ListenerCase{"::1", true}),
                         [](const ::testing::TestParamInfo<ListenerCase>& param_info) {
                             return std::string(param_info.param.tls ? "Https" : "Http") +
                                    (std::string(param_info.param.host) == "::1" ? "V6" : "V4");
                         });

}  // namespace
}  // namespace ddns::test
