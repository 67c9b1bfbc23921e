#include "head_gate.hpp"

#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string_view>
#include <unordered_map>

namespace ddns::gateway {

HeadState classify_head(const char* data, std::size_t size, std::size_t max_head_bytes) {
    const std::string_view bytes(data, size);
    // A TLS record (ClientHello on a plain port) starts 0x16 0x03; HTTP/2 opens with its preface.
    if (!bytes.empty() && bytes[0] == '\x16') return HeadState::Foreign;
    if (bytes.rfind("PRI * HTTP/2", 0) == 0) return HeadState::Foreign;
    const auto line_end = bytes.find('\n');
    // A request line without an HTTP version is HTTP/0.9 (or noise): nothing follows it.
    if (line_end != std::string_view::npos &&
        bytes.substr(0, line_end).find(" HTTP/") == std::string_view::npos)
        return HeadState::Foreign;
    const auto crlf = bytes.find("\r\n\r\n");
    const auto lf = bytes.find("\n\n");
    const auto end = std::min(crlf == std::string_view::npos ? crlf : crlf + 4,
                              lf == std::string_view::npos ? lf : lf + 2);
    if (end != std::string_view::npos && end <= max_head_bytes) return HeadState::Complete;
    if (size >= max_head_bytes) return HeadState::TooLarge;
    return HeadState::Incomplete;
}

namespace {

using Clock = std::chrono::steady_clock;

// Best effort: the socket is non-blocking and closed right after, whatever was written.
void answer_and_close(int fd, std::string_view status, std::string_view extra = {}) {
    const std::string text = "HTTP/1.1 " + std::string(status) +
                             "\r\nServer: ddns-gateway\r\nContent-Type: text/plain\r\n"
                             "Content-Length: 0\r\nConnection: close\r\n" +
                             std::string(extra) + "\r\n";
    [[maybe_unused]] const auto sent = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
}

void set_blocking(int fd, bool blocking) {
    const int flags = ::fcntl(fd, F_GETFL, 0);
    ::fcntl(fd, F_SETFL, blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK));
}

bool pool_full(const Poco::Net::TCPServerDispatcher& dispatcher) {
    return dispatcher.currentThreads() >= dispatcher.maxThreads() &&
           dispatcher.queuedConnections() >= dispatcher.params().getMaxQueued();
}

}  // namespace

HeadGate::HeadGate(std::vector<Poco::Net::ServerSocket> listeners,
                   Poco::Net::TCPServerDispatcher* dispatcher, HeadGateOptions options)
    : listeners_(std::move(listeners)), dispatcher_(dispatcher), options_(options) {
    dispatcher_->duplicate();
}

HeadGate::~HeadGate() {
    stop();
    dispatcher_->release();
}

void HeadGate::start() {
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("cannot make a pipe");
    thread_ = std::thread([this] { run(); });
}

void HeadGate::stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    [[maybe_unused]] const auto n = ::write(wake_[1], "x", 1);
    thread_.join();
    ::close(wake_[0]);
    ::close(wake_[1]);
    dispatcher_->stop();
}

void HeadGate::run() {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_[0];
    ::epoll_ctl(ep, EPOLL_CTL_ADD, wake_[0], &ev);
    std::unordered_map<int, bool> listening;
    for (auto& l : listeners_) {
        const int fd = l.impl()->sockfd();
        set_blocking(fd, false);
        listening[fd] = true;
        ev.data.fd = fd;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    std::unordered_map<int, Clock::time_point> held;  // fd -> deadline for its head
    std::string buffer(options_.max_head_bytes, '\0');
    const auto drop = [&](int fd) {
        ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        held.erase(fd);
    };
    const auto inspect = [&](int fd) {
        const auto n = ::recv(fd, buffer.data(), buffer.size(), MSG_PEEK);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        if (n <= 0) return drop(fd), void(::close(fd));
        switch (
            classify_head(buffer.data(), static_cast<std::size_t>(n), options_.max_head_bytes)) {
            case HeadState::Incomplete:
                return;
            case HeadState::Foreign:
                return drop(fd), answer_and_close(fd, "400 Bad Request");
            case HeadState::TooLarge:
                return drop(fd), answer_and_close(fd, "431 Request Header Fields Too Large");
            case HeadState::Complete:
                break;
        }
        drop(fd);
        if (pool_full(*dispatcher_))
            return answer_and_close(fd, "503 Service Unavailable", "Retry-After: 1\r\n");
        set_blocking(fd, true);
        dispatcher_->enqueue(Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fd)));
    };
    const auto accept_all = [&](int listener) {
        for (;;) {
            const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) return;
            epoll_event cev{};
            // Edge-triggered: a head still incomplete wakes the gate again only when more
            // bytes arrive, not on every turn of the loop.
            cev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
            cev.data.fd = fd;
            ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
            held[fd] = Clock::now() + options_.header_timeout;
            inspect(fd);
        }
    };
    std::vector<epoll_event> events(256);
    while (!stop_) {
        const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
        for (int i = 0; i < n; ++i) {
            const int fd = events[static_cast<std::size_t>(i)].data.fd;
            if (fd == wake_[0]) continue;
            if (listening.count(fd) != 0U)
                accept_all(fd);
            else if (held.count(fd) != 0U)
                inspect(fd);
        }
        const auto now = Clock::now();
        std::vector<int> late;
        for (const auto& [fd, deadline] : held)
            if (deadline <= now) late.push_back(fd);
        for (const int fd : late) drop(fd), answer_and_close(fd, "408 Request Timeout");
    }
    for (const auto& [fd, deadline] : held) ::close(fd);
    ::close(ep);
}

}  // namespace ddns::gateway
