// Raw-socket DNS transport. ldns_resolver is not used: it stops sending after one timeout, drops
// replies whose TSIG fails and crashes on signed packets without a key.
#include "transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace ddns::detail {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

socklen_t to_sockaddr(const ServerEndpoint& server, sockaddr_storage& storage) {
    std::memset(&storage, 0, sizeof storage);
    const auto bytes = server.address.bytes();
    if (server.address.is_v4()) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(server.port);
        std::memcpy(&sin->sin_addr, bytes.data(), bytes.size());
        return sizeof(sockaddr_in);
    }
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(server.port);
    std::memcpy(&sin6->sin6_addr, bytes.data(), bytes.size());
    return sizeof(sockaddr_in6);
}

Exchange failure(UpdateStatus status, std::string detail) {
    Exchange e;
    e.status = status;
    e.detail = std::move(detail);
    return e;
}

Exchange errno_failure(const char* what, int err) {
    if (err == ECONNREFUSED) return failure(UpdateStatus::NetworkError, "connection refused");
    return failure(UpdateStatus::NetworkError, std::string(what) + ": " + std::strerror(err));
}

// Waits for `events` on fd until the deadline. Returns >0 ready, 0 timeout, <0 error.
int wait_for(int fd, short events, Clock::time_point deadline) {
    while (true) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return 0;
        pollfd p{fd, events, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
        if (rc < 0 && errno == EINTR) continue;
        return rc;
    }
}

int open_socket(const ServerEndpoint& server, int type) {
    return ::socket(server.address.is_v4() ? AF_INET : AF_INET6,
                    type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

}  // namespace

Exchange udp_exchange(const ServerEndpoint& server, std::span<const std::uint8_t> request,
                      std::uint16_t id, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    Fd fd(open_socket(server, SOCK_DGRAM));
    if (fd.get() < 0) return errno_failure("socket", errno);
    sockaddr_storage addr{};
    const socklen_t len = to_sockaddr(server, addr);
    // A connected socket only receives datagrams from the server's address and port, and
    // reports an ICMP port unreachable as ECONNREFUSED.
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
        return errno_failure("connect", errno);
    }
    if (::send(fd.get(), request.data(), request.size(), 0) < 0) {
        return errno_failure("send", errno);
    }
    // Uninitialized, on the stack: a zeroed 64 KiB vector per message cost more than the rest
    // of the exchange, and freeing a chunk that large makes malloc consolidate its fast bins
    // (every later small allocation of the thread then takes the slow path; issue #13).
    std::array<std::uint8_t, 65535> buf;
    while (true) {
        const int ready = wait_for(fd.get(), POLLIN, deadline);
        if (ready == 0) return failure(UpdateStatus::Timeout, "no reply over UDP");
        if (ready < 0) return errno_failure("poll", errno);
        const auto n = ::recv(fd.get(), buf.data(), buf.size(), 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            return errno_failure("recv", errno);
        }
        const auto size = static_cast<std::size_t>(n);
        if (size < 2 || ((buf[0] << 8) | buf[1]) != id) continue;  // stray datagram
        Exchange e;
        e.replied = true;
        e.reply.assign(buf.begin(), buf.begin() + n);
        return e;
    }
}

Exchange tcp_exchange(const ServerEndpoint& server, std::span<const std::uint8_t> request,
                      std::chrono::milliseconds timeout) {
    TcpStream stream(Clock::now() + timeout);
    Exchange err;
    if (!stream.open(server, request, err)) return err;
    return stream.next();
}

TcpStream::~TcpStream() {
    if (fd_ >= 0) ::close(fd_);
}

bool TcpStream::open(const ServerEndpoint& server, std::span<const std::uint8_t> request,
                     Exchange& err) {
    const auto fail = [&err](Exchange e) {
        err = std::move(e);
        return false;
    };
    if (request.size() > 65535)
        return fail(failure(UpdateStatus::EncodeError, "message too large"));
    fd_ = open_socket(server, SOCK_STREAM);
    if (fd_ < 0) return fail(errno_failure("socket", errno));
    sockaddr_storage addr{};
    const socklen_t len = to_sockaddr(server, addr);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
        if (errno != EINPROGRESS) return fail(errno_failure("connect", errno));
        const int ready = wait_for(fd_, POLLOUT, deadline_);
        if (ready == 0) return fail(failure(UpdateStatus::Timeout, "TCP connect timed out"));
        if (ready < 0) return fail(errno_failure("poll", errno));
        int so_error = 0;
        socklen_t so_error_len = sizeof so_error;
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &so_error_len);
        if (so_error != 0) return fail(errno_failure("connect", so_error));
    }

    std::vector<std::uint8_t> out;
    out.reserve(request.size() + 2);
    out.push_back(static_cast<std::uint8_t>(request.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(request.size()));
    out.insert(out.end(), request.begin(), request.end());
    std::size_t sent = 0;
    while (sent < out.size()) {
        const auto n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n >= 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return fail(errno_failure("send", errno));
        }
        const int ready = wait_for(fd_, POLLOUT, deadline_);
        if (ready == 0) return fail(failure(UpdateStatus::Timeout, "TCP send timed out"));
        if (ready < 0) return fail(errno_failure("poll", errno));
    }
    return true;
}

bool TcpStream::read_exact(std::uint8_t* dst, std::size_t want, Exchange& err) {
    std::size_t got = 0;
    while (got < want) {
        const auto n = ::recv(fd_, dst + got, want - got, 0);
        if (n > 0) {
            got += static_cast<std::size_t>(n);
            continue;
        }
        if (n == 0) {
            err = failure(UpdateStatus::NetworkError, "TCP connection closed by the server");
            return false;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            err = errno_failure("recv", errno);
            return false;
        }
        const int ready = wait_for(fd_, POLLIN, deadline_);
        if (ready == 0) {
            err = failure(UpdateStatus::Timeout, "no reply over TCP");
            return false;
        }
        if (ready < 0) {
            err = errno_failure("poll", errno);
            return false;
        }
    }
    return true;
}

Exchange TcpStream::next() {
    Exchange e;
    if (fd_ < 0) return failure(UpdateStatus::NetworkError, "not connected");
    std::uint8_t prefix[2];
    if (!read_exact(prefix, 2, e)) return e;
    const std::size_t size = static_cast<std::size_t>((prefix[0] << 8) | prefix[1]);
    e.reply.resize(size);
    if (!read_exact(e.reply.data(), size, e)) return e;
    e.replied = true;
    return e;
}

}  // namespace ddns::detail
