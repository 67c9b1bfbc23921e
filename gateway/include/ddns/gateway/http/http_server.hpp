// HTTP and HTTPS listeners on several addresses, sharing one thread pool. Converts POCO requests
// into RequestView values and writes Response values with an exact Content-Length (never chunked).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/http/http_options.hpp"
#include "ddns/gateway/http/request_router.hpp"

namespace ddns::gateway {

class HttpServer {
public:
    HttpServer(HttpServerOptions options, RequestRouter& router, const Logger& log);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Loads the TLS certificate and key when https.listen is set, binds every listen address
    // (throws std::runtime_error with one sentence naming the file or the address on failure)
    // and starts serving.
    void start();
    // Graceful: stops accepting (new connections are refused), lets the requests already begun
    // finish and be answered, at most `grace`; then stop(). False when `grace` ran out.
    bool shutdown(std::chrono::milliseconds grace);
    void stop();
    // Loads tls.certificate and tls.private_key again (after a renewal) for the connections
    // accepted from now on; open connections keep the old ones. On failure the old certificate
    // stays in use and the error is one sentence naming the file. nullopt without https.listen.
    std::optional<std::string> reload_tls();
    // True while the connection loop goes round (it does ten times a second even when idle):
    // it has done so within `within`. The systemd watchdog asks.
    bool responsive(std::chrono::milliseconds within) const;
    // The bound ports, in http.listen order (useful when a port was 0).
    std::vector<std::uint16_t> ports() const;
    // The bound HTTPS ports, in https.listen order.
    std::vector<std::uint16_t> https_ports() const;

    // Request threads serving a connection now, and connections held by one (for /metrics).
    std::size_t threads_busy() const;
    std::size_t connections_open() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ddns::gateway
