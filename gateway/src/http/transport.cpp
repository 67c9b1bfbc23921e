#include "transport.hpp"

#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace ddns::gateway {

Transport::Transport(int fd, SSL_CTX* tls) : fd_(fd) {
    if (tls == nullptr) {
        handshaken_ = true;
        return;
    }
    ssl_ = SSL_new(tls);
    if (ssl_ == nullptr) return;  // handshake() then fails and the connection is dropped
    SSL_set_fd(ssl_, fd_);
    SSL_set_accept_state(ssl_);
    // A non-blocking SSL_write may be retried with the rest of a buffer that moved.
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

Transport::~Transport() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    ::close(fd_);
}

Io Transport::ssl_result(int rc) {
    const int error = SSL_get_error(ssl_, rc);
    // The error queue belongs to the thread; the loop's thread serves every connection.
    ERR_clear_error();
    switch (error) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return Io::Wait;
        case SSL_ERROR_ZERO_RETURN:
            return Io::Closed;
        default:
            return Io::Failed;
    }
}

Io Transport::handshake() {
    if (handshaken_) return Io::Done;
    if (ssl_ == nullptr) return Io::Failed;
    const int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
        handshaken_ = true;
        return Io::Done;
    }
    const Io io = ssl_result(rc);
    return io == Io::Closed ? Io::Failed : io;
}

Io Transport::read(std::string& into, std::size_t limit, bool short_read_drains) {
    char buffer[16 * 1024];
    while (into.size() < limit) {
        const std::size_t want = std::min(sizeof buffer, limit - into.size());
        if (ssl_ != nullptr) {
            const int n = SSL_read(ssl_, buffer, static_cast<int>(want));
            if (n <= 0) {
                const Io io = ssl_result(n);
                // A TCP end of stream without close_notify is an end all the same.
                return io == Io::Failed && ::recv(fd_, buffer, 1, MSG_PEEK) == 0 ? Io::Closed : io;
            }
            into.append(buffer, static_cast<std::size_t>(n));
            continue;
        }
        const auto n = ::recv(fd_, buffer, want, 0);
        if (n > 0) {
            into.append(buffer, static_cast<std::size_t>(n));
            if (short_read_drains && static_cast<std::size_t>(n) < want && into.size() < limit)
                return Io::Wait;
            continue;
        }
        if (n == 0) return Io::Closed;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? Io::Wait : Io::Failed;
    }
    return Io::Done;
}

Io Transport::write(std::string_view bytes, std::size_t& at) {
    while (at < bytes.size()) {
        const std::string_view rest = bytes.substr(at);
        if (ssl_ != nullptr) {
            const int n = SSL_write(ssl_, rest.data(), static_cast<int>(rest.size()));
            if (n <= 0) return ssl_result(n) == Io::Wait ? Io::Wait : Io::Failed;
            at += static_cast<std::size_t>(n);
            continue;
        }
        const auto n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            at += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? Io::Wait : Io::Failed;
    }
    return Io::Done;
}

void Transport::finish() {
    if (ssl_ != nullptr && handshaken_) {
        SSL_shutdown(ssl_);
        ERR_clear_error();
    }
    ::shutdown(fd_, SHUT_WR);
}

}  // namespace ddns::gateway
