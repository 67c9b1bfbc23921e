// Update latency with and without thousands of slow and idle connections held open against the
// real binary (issue #9 finding 3). Phase 1 measures address changes (a new connection per
// request, as routers do) on a quiet gateway; then the bench opens --connections connections of
// five kinds, spread over many loopback source addresses, and keeps them slow while phase 2
// measures the same updates again. It prints both side by side with the machine's load average;
// it asserts nothing.
//
//   ddns_slow_bench [--connections N] [--clients C] [--seconds S] [--hosts H]
//
// The kinds, in equal shares: silent (connected, never a byte), trickling head (a byte a
// second), slow body (a complete head, then a byte of the body a second), idle keep-alive (one
// request answered, then nothing), unfinished TLS handshake (half a ClientHello). The gateway's
// timeouts are raised to 10 minutes so that none of them is closed during the run; the bench
// raises RLIMIT_NOFILE to its hard limit (the gateway, which it starts, inherits it).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "gateway_stack.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using ddns::test::GatewayStack;
using ddns::test::GatewayStackOptions;

using ddns::bench::connect_from;
using ddns::bench::Result;

std::string update(const std::string& user, const std::string& ip) {
    return "GET /nic/update?hostname=" + user + ".example.test&myip=" + ip +
           " HTTP/1.1\r\nHost: gw\r\nUser-Agent: ddns-bench\r\nAuthorization: Basic " +
           ddns::test::base64(user + ":bench-password") + "\r\nConnection: close\r\n\r\n";
}

// `clients` threads send address changes for `seconds`, each to hosts of its own.
Result measure(GatewayStack& stack, const std::vector<std::string>& users, int clients,
               int seconds) {
    return ddns::bench::run_closed(clients, seconds, [&](int c, std::size_t i) {
        const auto& user =
            users[(static_cast<std::size_t>(c) + static_cast<std::size_t>(clients) * (i % 4)) %
                  users.size()];
        const auto reply = stack.raw(update(user, "198.51.100." + std::to_string(1 + (i % 250))));
        return reply.body.rfind("good", 0) == 0 || reply.body.rfind("nochg", 0) == 0;
    });
}

std::string load_average() {
    double load[3] = {0, 0, 0};
    if (::getloadavg(load, 3) != 3) return "unknown";
    char text[64];
    std::snprintf(text, sizeof text, "%.2f %.2f %.2f", load[0], load[1], load[2]);
    return text;
}

void report(const char* name, const Result& r, int seconds) {
    std::printf("%-34s %7.1f updates/s  ok=%zu errors=%zu  p50=%.2f ms  p99=%.2f ms  load %s\n",
                name, static_cast<double>(r.ok) / seconds, r.ok, r.errors, r.pct(0.5), r.pct(0.99),
                load_average().c_str());
}

void send_all(int fd, const std::string& bytes) {
    [[maybe_unused]] const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

// Reads one answer (up to its blank line and a little more) within `timeout`.
bool answered(int fd, std::chrono::milliseconds timeout) {
    std::string got;
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until && got.find("\r\n\r\n") == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buffer[4096];
        const auto n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) return false;
        got.append(buffer, static_cast<std::size_t>(n));
    }
    return got.rfind("HTTP/1.1 200 ", 0) == 0;
}

// The first bytes of a real ClientHello.
std::string client_hello_start() {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL* ssl = SSL_new(ctx);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, in, out);
    SSL_set_connect_state(ssl);
    SSL_do_handshake(ssl);
    char* data = nullptr;
    const long size = BIO_get_mem_data(out, &data);
    std::string hello(data, static_cast<std::size_t>(std::max(size, 0L)));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return hello.substr(0, hello.size() / 2);
}

enum class Kind { Silent, TricklingHead, SlowBody, IdleKeepAlive, UnfinishedTls };
constexpr Kind kKinds[] = {Kind::Silent, Kind::TricklingHead, Kind::SlowBody, Kind::IdleKeepAlive,
                           Kind::UnfinishedTls};

struct Held {
    int fd;
    Kind kind;
};

// Opens `n` connections, the kinds in turn, 50 per loopback source address.
std::vector<Held> open_connections(GatewayStack& stack, std::size_t n) {
    const std::string hello = client_hello_start();
    std::vector<Held> held;
    held.reserve(n);
    std::size_t failed = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string source =
            "127.2." + std::to_string((i / 50) / 250) + "." + std::to_string(1 + (i / 50) % 250);
        const Kind kind = kKinds[i % 5];
        const int fd = connect_from(
            source, kind == Kind::UnfinishedTls ? stack.https_port() : stack.http_port());
        if (fd < 0) {
            ++failed;
            continue;
        }
        switch (kind) {
            case Kind::Silent:
                break;
            case Kind::TricklingHead:
                send_all(fd, "GET /healthz HTTP/1.1\r\n");
                break;
            case Kind::SlowBody:
                send_all(fd, "POST /healthz HTTP/1.1\r\nHost: gw\r\nContent-Length: 60000\r\n\r\n");
                break;
            case Kind::IdleKeepAlive:
                send_all(fd, "GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n");
                if (!answered(fd, std::chrono::seconds(10))) ++failed;
                break;
            case Kind::UnfinishedTls:
                send_all(fd, hello);
                break;
        }
        held.push_back({fd, kind});
    }
    std::printf("opened %zu connections (%zu failed)\n", held.size(), failed);
    return held;
}

// Connections the gateway has not closed.
std::size_t still_open(const std::vector<Held>& held) {
    std::size_t open = 0;
    for (const auto& h : held) {
        pollfd p{h.fd, POLLRDHUP, 0};
        if (::poll(&p, 1, 0) == 0) ++open;
    }
    return open;
}

void raise_file_limit() {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    std::printf("RLIMIT_NOFILE %llu\n", static_cast<unsigned long long>(limit.rlim_cur));
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t connections = 10000;
    int clients = 4;
    int seconds = 10;
    int hosts = 32;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const long value = std::atol(argv[i + 1]);
        if (flag == "--connections") connections = static_cast<std::size_t>(value);
        if (flag == "--clients") clients = static_cast<int>(value);
        if (flag == "--seconds") seconds = static_cast<int>(value);
        if (flag == "--hosts") hosts = static_cast<int>(value);
    }
    raise_file_limit();
    GatewayStackOptions options;
    options.tls = true;
    options.extra_config =
        "auth.lockout_failures = 0\nauth.account_lockout_failures = 0\n"
        "auth.address_lockout_failures = 0\n"
        "http.header_timeout = 600\nhttp.body_timeout = 600\nhttp.keepalive_timeout = 600\n";
    GatewayStack stack(options);
    std::vector<std::string> users;
    for (int h = 0; h < hosts; ++h) {
        users.push_back("bench" + std::to_string(h));
        stack.add_account(users.back(), "bench-password");
        stack.add_host(users.back() + ".example.test", users.back());
    }
    for (const auto& u : users) stack.raw(update(u, "192.0.2.1"));  // warm-up
    std::printf(
        "ddns_slow_bench: %d clients, %d s per phase, %d hosts, %zu held connections, "
        "%u cores\n",
        clients, seconds, hosts, connections, std::thread::hardware_concurrency());

    report("updates, nothing held", measure(stack, users, clients, seconds), seconds);

    auto held = open_connections(stack, connections);
    std::atomic<bool> done{false};
    // Trickling heads and slow bodies each get one more byte a second.
    std::thread trickle([&] {
        while (!done) {
            for (const auto& h : held)
                if (h.kind == Kind::TricklingHead || h.kind == Kind::SlowBody) send_all(h.fd, "x");
            for (int i = 0; i < 10 && !done; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const std::size_t before = still_open(held);
    const Result busy = measure(stack, users, clients, seconds);
    const std::size_t after = still_open(held);
    char name[64];
    std::snprintf(name, sizeof name, "updates, %zu held", before);
    report(name, busy, seconds);
    std::printf("held connections open before/after the phase: %zu/%zu\n", before, after);
    done = true;
    trickle.join();
    for (const auto& h : held) ::close(h.fd);
    return 0;
}
