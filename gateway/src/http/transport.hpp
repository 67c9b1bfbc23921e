// Private: non-blocking byte transport of one accepted connection, plain TCP or TLS (OpenSSL on
// the non-blocking socket, so the handshake never needs a thread of its own).
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace ddns::gateway {

enum class Io {
    Done,    // finished (handshake done, every byte written)
    Wait,    // the socket would block: try again on the next event
    Closed,  // the peer ended the stream
    Failed,  // a socket or TLS error: drop the connection
};

class Transport {
public:
    // Takes ownership of `fd` (non-blocking); with `tls`, a server-side TLS session on it.
    Transport(int fd, SSL_CTX* tls);
    ~Transport();
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

    int fd() const { return fd_; }
    bool tls() const { return ssl_ != nullptr; }
    bool handshaken() const { return handshaken_; }
    Io handshake();
    // Appends what is readable, at most up to `limit` bytes in `into`: Done when `limit` was
    // reached, Wait when the socket is drained, Closed on the peer's end of stream. With
    // `short_read_drains` (plain TCP), a recv that returned less than asked counts as drained:
    // the kernel had no more, and bytes that arrive later raise a new edge-triggered event, so
    // the recv that would only say EAGAIN is saved. Not after the peer's FIN was reported
    // (EPOLLRDHUP): no new event would come for the end of stream.
    Io read(std::string& into, std::size_t limit, bool short_read_drains = false);
    // Writes from `bytes` starting at `at` (advanced): Done when everything is written.
    Io write(std::string_view bytes, std::size_t& at);
    // Best effort: a TLS close_notify, then FIN (the socket is closed by the destructor).
    void finish();

private:
    Io ssl_result(int rc);
    int fd_;
    SSL* ssl_ = nullptr;
    bool handshaken_ = false;
};

}  // namespace ddns::gateway
