// What the HTTP and HTTPS listeners need to know, apart from the rest of the configuration (the
// config layer fills it in from http.*, https.*, tls.* and proxy.*).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ddns/gateway/http/client_address.hpp"

namespace ddns::gateway {

struct ListenAddress {
    std::string host;  // IP literal ("127.0.0.1", "::", "0.0.0.0")
    std::uint16_t port = 0;
    std::string to_string() const;
};

struct HttpServerOptions {
    std::vector<ListenAddress> http_listen;
    std::vector<ListenAddress> https_listen;  // needs tls_certificate and tls_private_key
    std::string tls_certificate;              // PEM, leaf first, then the chain
    std::string tls_private_key;              // PEM, unencrypted
    std::size_t threads = 64;
    std::size_t max_queued = 256;
    std::chrono::seconds keepalive_timeout{10};
    std::size_t max_connections_per_address = 64;  // trusted proxies exempt
    std::chrono::seconds header_timeout{10};       // TLS handshake and request head, from accept
    std::chrono::seconds body_timeout{10};         // the whole body, from the end of the head
    std::size_t max_keepalive_requests = 100;
    std::size_t max_body_bytes = 64 * 1024;  // larger bodies get 413 and a closed connection
    TrustedProxies trusted_proxies;
    ProxyHeader proxy_header = ProxyHeader::Auto;
    std::size_t loops = 1;       // connection loop threads; 0: one per hardware thread
    bool answer_inline = false;  // try each request on its loop before handing it to a worker
                                 // (the configuration's defaults: 0 and true)
};

}  // namespace ddns::gateway
