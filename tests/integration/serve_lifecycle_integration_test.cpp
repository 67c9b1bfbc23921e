// The life of the real `serve` process: SIGTERM during a burst of updates from several clients
// (every request answered or refused at connect, never reset; named and PostgreSQL agree; the
// update log written out; exit 0), SIGHUP swapping the TLS certificate (new connections see the
// new one, an open keep-alive connection goes on, a bad certificate keeps the old one), and
// systemd's notification protocol on a socket the test binds.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_notify_socket.hpp"
#include "stack_environment.hpp"
#include "tls_connection.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.tls = true;
    return o;
}()));

enum class Outcome { Answered, Refused, Broken };

struct Attempt {
    Outcome outcome = Outcome::Broken;
    std::string body;
    std::string why;  // for Broken
};

// One request on a new connection, telling a refused connect from a connection that was
// accepted and then ended without a whole answer (reset, or closed early).
Attempt one_request(std::uint16_t port, const std::string& request) {
    Attempt out;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        out.outcome = errno == ECONNREFUSED ? Outcome::Refused : Outcome::Broken;
        out.why = std::string("connect: ") + std::strerror(errno);
        ::close(fd);
        return out;
    }
    timeval timeout{20, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
        out.why = std::string("send: ") + std::strerror(errno);
        ::close(fd);
        return out;
    }
    std::string raw;
    char buffer[4096];
    for (;;) {
        const auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n == 0) break;
        if (n < 0) {
            out.why = std::string("recv: ") + std::strerror(errno) + " after " + raw;
            ::close(fd);
            return out;
        }
        raw.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    const auto end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.1 200", 0) != 0 || end == std::string::npos) {
        out.why = "no whole answer: " + raw;
        return out;
    }
    out.outcome = Outcome::Answered;
    out.body = raw.substr(end + 4);
    return out;
}

class ServeLifecycle : public StackTest {
protected:
    // A second gateway on the stack's database and configuration, on ports of its own.
    std::unique_ptr<ChildProcess> second_gateway(std::uint16_t port,
                                                 std::map<std::string, std::string> env = {}) {
        env["DDNS_HTTP_LISTEN"] = "127.0.0.1:" + std::to_string(port);
        env["DDNS_HTTPS_LISTEN"] = "127.0.0.1:" + std::to_string(free_port());
        auto child = std::make_unique<ChildProcess>(
            std::vector<std::string>{gateway_binary(), "serve", "--config",
                                     stack().config_path().string()},
            dir_.path() / ("gateway-" + std::to_string(port) + ".log"), env);
        if (!wait_until([&] { return tcp_port_open(port) || !child->running(); }) ||
            !child->running())
            ADD_FAILURE() << "second gateway did not start: " << child->log();
        return child;
    }
    TempDir dir_{"ddns-lifecycle-test"};
};

TEST_F(ServeLifecycle, SigtermDuringABurstAnswersEveryRequestAndExitsZero) {
    constexpr int kClients = 4;
    std::vector<std::string> hosts;
    const std::string user = unique_label();
    stack().add_account(user, kPassword);
    for (int i = 0; i < kClients; ++i) {
        hosts.push_back(user + "-" + std::to_string(i) + "." + kZone);
        stack().add_host(hosts.back(), user);
    }
    const std::uint16_t port = free_port();
    auto gateway = second_gateway(port, {{"DDNS_HTTP_SHUTDOWN_GRACE", "15"}});
    ASSERT_FALSE(HasFailure());

    std::atomic<int> answered{0};
    std::mutex mutex;
    std::vector<std::string> broken;
    std::vector<std::string> last_good(kClients);
    std::vector<int> answers(kClients, 0);
    const std::string auth = "Authorization: Basic " + base64(user + ":" + kPassword) + "\r\n";
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] {
            for (int i = 0;; ++i) {
                const std::string address =
                    "203.0.113." + std::to_string(1 + (i * kClients + c) % 250);
                const auto attempt = one_request(
                    port, "GET /nic/update?hostname=" + hosts[static_cast<std::size_t>(c)] +
                              "&myip=" + address + " HTTP/1.1\r\nHost: gw\r\n" + auth +
                              "User-Agent: ddns-test/1.0\r\nConnection: close\r\n\r\n");
                const std::lock_guard lock(mutex);
                if (attempt.outcome == Outcome::Refused) return;  // the listener is closed
                if (attempt.outcome == Outcome::Broken || attempt.body != "good " + address) {
                    broken.push_back(address + ": " + attempt.why + attempt.body);
                    if (broken.size() > 20) return;
                    continue;
                }
                last_good[static_cast<std::size_t>(c)] = address;
                ++answers[static_cast<std::size_t>(c)];
                ++answered;
            }
        });
    }
    // SIGTERM in the middle of the burst.
    ASSERT_TRUE(wait_until([&] { return answered >= 40; }, std::chrono::seconds(60)))
        << gateway->log();
    ::kill(gateway->pid(), SIGTERM);
    for (auto& t : clients) t.join();
    ASSERT_TRUE(wait_until([&] { return !gateway->running(); }, std::chrono::seconds(30)))
        << gateway->log();
    EXPECT_EQ(gateway->stop(), 0) << gateway->log();
    EXPECT_TRUE(broken.empty()) << broken.size() << " requests not answered, e.g. "
                                << (broken.empty() ? "" : broken.front()) << "\n"
                                << gateway->log();
    const auto log = gateway->log();
    EXPECT_NE(log.find("received SIGTERM, shutting down"), std::string::npos) << log;
    EXPECT_NE(log.find("stopped"), std::string::npos) << log;
    for (int c = 0; c < kClients; ++c) {
        const auto& host = hosts[static_cast<std::size_t>(c)];
        SCOPED_TRACE(host);
        const auto& last = last_good[static_cast<std::size_t>(c)];
        ASSERT_FALSE(last.empty());
        // The last success a client got is what BIND serves and what the database holds.
        EXPECT_EQ(a_records(host), std::vector<std::string>{last});
        EXPECT_EQ(stored_ipv4(host), last);
        // Every answered update is in the update log: the queue was written out at the stop.
        EXPECT_EQ(stack().sql("select count(*) from update_log where hostname = '" + host + "'"),
                  std::to_string(answers[static_cast<std::size_t>(c)]));
    }
}

// The certificate a TLS connection was given equals the one in `path`.
bool presents(TlsConnection& connection, const std::filesystem::path& path) {
    X509* seen = connection.peer_certificate();
    BIO* file = BIO_new_file(path.c_str(), "r");
    X509* expected = file != nullptr ? PEM_read_bio_X509(file, nullptr, nullptr, nullptr) : nullptr;
    const bool same = seen != nullptr && expected != nullptr && X509_cmp(seen, expected) == 0;
    X509_free(seen);
    X509_free(expected);
    BIO_free(file);
    return same;
}

std::string keep_alive_get(const std::string& target) {
    return "GET " + target + " HTTP/1.1\r\nHost: gw\r\nUser-Agent: ddns-test/1.0\r\n\r\n";
}

TEST_F(ServeLifecycle, SighupReloadsTheCertificateForNewConnectionsAndKeepsOpenOnes) {
    const TlsFiles original{dir_.path() / "original.crt", dir_.path() / "original.key"};
    std::filesystem::copy_file(stack().tls_files().certificate, original.certificate);
    std::filesystem::copy_file(stack().tls_files().private_key, original.private_key);
    const auto renewed = make_self_signed_certificate(dir_.path(), "renewed");

    TlsConnection open(stack().https_port());
    ASSERT_TRUE(open.handshake());
    EXPECT_TRUE(presents(open, original.certificate));
    ASSERT_TRUE(open.send(keep_alive_get("/healthz")));
    EXPECT_NE(open.read(std::chrono::seconds(5), "ok\n").find("200 OK"), std::string::npos);

    // The renewal: both files replaced, then SIGHUP (what `systemctl reload` sends).
    std::filesystem::copy_file(renewed.certificate, stack().tls_files().certificate,
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(renewed.private_key, stack().tls_files().private_key,
                               std::filesystem::copy_options::overwrite_existing);
    stack().signal_gateway(SIGHUP);
    ASSERT_TRUE(wait_until([&] {
        return stack().gateway_log().find("TLS certificate and key reloaded") != std::string::npos;
    })) << stack().gateway_log();
    TlsConnection fresh(stack().https_port());
    ASSERT_TRUE(fresh.handshake());
    EXPECT_TRUE(presents(fresh, renewed.certificate));
    ASSERT_TRUE(fresh.send(keep_alive_get("/healthz")));
    EXPECT_NE(fresh.read(std::chrono::seconds(5), "ok\n").find("200 OK"), std::string::npos);
    // The connection opened before the reload goes on with its session.
    ASSERT_TRUE(open.send(keep_alive_get("/readyz")));
    EXPECT_NE(open.read(std::chrono::seconds(5), "ready\n").find("200 OK"), std::string::npos);
    EXPECT_FALSE(open.closed());

    // A broken renewal: the new certificate does not load; the last good one stays in use.
    write_file(stack().tls_files().certificate, "not a certificate\n");
    stack().signal_gateway(SIGHUP);
    ASSERT_TRUE(wait_until([&] {
        return stack().gateway_log().find(
                   "TLS certificate not reloaded: cannot load the TLS "
                   "certificate file " +
                   stack().tls_files().certificate.string()) != std::string::npos;
    })) << stack().gateway_log();
    TlsConnection after_bad(stack().https_port());
    ASSERT_TRUE(after_bad.handshake());
    EXPECT_TRUE(presents(after_bad, renewed.certificate));

    // Put the original back for the other tests of this binary.
    std::filesystem::copy_file(original.certificate, stack().tls_files().certificate,
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(original.private_key, stack().tls_files().private_key,
                               std::filesystem::copy_options::overwrite_existing);
    stack().signal_gateway(SIGHUP);
    ASSERT_TRUE(wait_until([&] { return stack().https_get("/healthz").status == 200; }));
}

TEST_F(ServeLifecycle, SystemdHearsReadyReloadingWatchdogAndStopping) {
    FakeNotifySocket notify((dir_.path() / "notify").string());
    const std::uint16_t port = free_port();
    auto gateway =
        second_gateway(port, {{"NOTIFY_SOCKET", notify.name()}, {"WATCHDOG_USEC", "1000000"}});
    ASSERT_FALSE(HasFailure());
    const auto ready = notify.receive(std::chrono::seconds(20));
    EXPECT_EQ(ready.rfind("READY=1\n", 0), 0u) << ready;
    EXPECT_NE(ready.find("MAINPID=" + std::to_string(gateway->pid())), std::string::npos) << ready;
    // READY comes once the listeners accept and the database answered.
    EXPECT_TRUE(tcp_port_open(port));
    EXPECT_EQ(notify.receive(std::chrono::seconds(5)), "WATCHDOG=1");
    EXPECT_EQ(notify.receive(std::chrono::seconds(5)), "WATCHDOG=1");

    ::kill(gateway->pid(), SIGHUP);
    std::string message;
    do {
        message = notify.receive(std::chrono::seconds(5));
    } while (message == "WATCHDOG=1");
    EXPECT_EQ(message.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u) << message;
    do {
        message = notify.receive(std::chrono::seconds(5));
    } while (message == "WATCHDOG=1");
    EXPECT_EQ(message.rfind("READY=1", 0), 0u) << message;

    ::kill(gateway->pid(), SIGTERM);
    do {
        message = notify.receive(std::chrono::seconds(5));
    } while (message == "WATCHDOG=1");
    EXPECT_EQ(message.rfind("STOPPING=1", 0), 0u) << message;
    ASSERT_TRUE(wait_until([&] { return !gateway->running(); }, std::chrono::seconds(30)));
    EXPECT_EQ(gateway->stop(), 0) << gateway->log();
}

}  // namespace
}  // namespace ddns::test
