// A real TLS client for tests that hold HTTPS connections open: a full handshake, then requests
// sent whole or in pieces; or only the first bytes of a real ClientHello (a handshake that never
// finishes). Trusts any certificate: these tests are about time and threads, not identity.
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <memory>
#include <string>

#include "raw_connection.hpp"

namespace ddns::test {

class TlsConnection {
public:
    explicit TlsConnection(std::uint16_t port, const std::string& source = "127.0.0.1")
        : tcp_(port, source), ctx_(SSL_CTX_new(TLS_client_method())) {
        // A write to a connection the server closed must fail, not end the test program.
        std::signal(SIGPIPE, SIG_IGN);
        ssl_ = SSL_new(ctx_.get());
        SSL_set_fd(ssl_, tcp_.fd());
    }
    ~TlsConnection() {
        SSL_free(ssl_);
        ERR_clear_error();
    }
    TlsConnection(const TlsConnection&) = delete;
    TlsConnection& operator=(const TlsConnection&) = delete;

    bool handshake() { return tcp_.connected() && SSL_connect(ssl_) == 1; }
    bool send(const std::string& bytes) {
        return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) ==
               static_cast<int>(bytes.size());
    }
    // Reads until `stop` appears, the server ends the stream or `timeout` passes.
    std::string read(std::chrono::milliseconds timeout, const std::string& stop = {}) {
        std::string got;
        const auto until = Clock::now() + timeout;
        while (Clock::now() < until && (stop.empty() || got.find(stop) == std::string::npos)) {
            if (SSL_pending(ssl_) == 0) {
                pollfd p{tcp_.fd(), POLLIN, 0};
                const auto left =
                    std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
                if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0))) <= 0) break;
            }
            char buffer[4096];
            const int n = SSL_read(ssl_, buffer, sizeof buffer);
            if (n <= 0) {
                closed_ = true;
                break;
            }
            got.append(buffer, static_cast<std::size_t>(n));
        }
        return got;
    }
    bool closed() const { return closed_; }
    // The server's certificate after the handshake (the caller frees it), nullptr before.
    X509* peer_certificate() const { return SSL_get1_peer_certificate(ssl_); }
    // Sends the first `bytes` bytes of a real ClientHello on the raw socket, nothing more.
    bool send_partial_client_hello(std::size_t bytes) {
        SSL* probe = SSL_new(ctx_.get());
        BIO* in = BIO_new(BIO_s_mem());
        BIO* out = BIO_new(BIO_s_mem());
        SSL_set_bio(probe, in, out);  // the SSL owns both
        SSL_set_connect_state(probe);
        SSL_do_handshake(probe);  // wants to read the ServerHello: the ClientHello is in `out`
        char* data = nullptr;
        const long size = BIO_get_mem_data(out, &data);
        const std::string hello(data, static_cast<std::size_t>(std::max(size, 0L)));
        SSL_free(probe);
        ERR_clear_error();
        return hello.size() > bytes && tcp_.send(hello.substr(0, bytes));
    }
    // Whether the server closed the TCP connection within `timeout` (without reading TLS).
    bool tcp_closed_within(std::chrono::milliseconds timeout) {
        tcp_.read(timeout);
        return tcp_.closed();
    }

private:
    struct CtxFree {
        void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
    };
    Connection tcp_;
    std::unique_ptr<SSL_CTX, CtxFree> ctx_;
    SSL* ssl_ = nullptr;
    bool closed_ = false;
};

}  // namespace ddns::test
