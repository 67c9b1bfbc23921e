#include "head_gate.hpp"

#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/Net/TCPServerConnection.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
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

std::optional<std::string> ConnectionCap::key(int fd) const {
    sockaddr_storage peer{};
    socklen_t size = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &size) != 0) return std::nullopt;
    std::optional<IpAddress> address;
    std::string key;
    if (peer.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(peer);
        std::array<std::uint8_t, 4> bytes{};
        std::memcpy(bytes.data(), &in.sin_addr, 4);
        address = IpAddress::v4(bytes);
        key.assign(reinterpret_cast<const char*>(bytes.data()), 4);
    } else if (peer.ss_family == AF_INET6) {
        const auto& in = reinterpret_cast<const sockaddr_in6&>(peer);
        std::array<std::uint8_t, 16> bytes{};
        std::memcpy(bytes.data(), &in.sin6_addr, 16);
        address = IpAddress::v6(bytes);
        key.assign(reinterpret_cast<const char*>(bytes.data()), 8);  // the /64
    } else {
        return std::nullopt;
    }
    if (exempt_.contains(*address)) return std::nullopt;
    return key;
}

bool ConnectionCap::admit(const std::string& key) {
    const std::lock_guard lock(mutex_);
    auto& open = open_[key];
    if (open >= max_) return false;
    ++open;
    return true;
}

void ConnectionCap::release(const std::string& key) {
    const std::lock_guard lock(mutex_);
    const auto at = open_.find(key);
    if (at == open_.end()) return;
    if (--at->second == 0) open_.erase(at);
}

namespace {

// A connection made by the inner factory that gives its cap slot back when it ends.
class CountedConnection final : public Poco::Net::TCPServerConnection {
public:
    CountedConnection(const Poco::Net::StreamSocket& socket, Poco::Net::TCPServerConnection* inner,
                      ConnectionCap& cap, std::optional<std::string> key)
        : TCPServerConnection(socket), inner_(inner), cap_(cap), key_(std::move(key)) {}
    ~CountedConnection() override {
        if (key_) cap_.release(*key_);
    }
    CountedConnection(const CountedConnection&) = delete;
    CountedConnection& operator=(const CountedConnection&) = delete;
    void run() override {
        cap_.enter();
        try {
            inner_->run();
        } catch (...) {
            cap_.leave();
            throw;
        }
        cap_.leave();
    }

private:
    std::unique_ptr<Poco::Net::TCPServerConnection> inner_;
    ConnectionCap& cap_;
    std::optional<std::string> key_;
};

class CountedFactory final : public Poco::Net::TCPServerConnectionFactory {
public:
    CountedFactory(Poco::Net::TCPServerConnectionFactory::Ptr inner, ConnectionCap& cap)
        : inner_(std::move(inner)), cap_(cap) {}
    Poco::Net::TCPServerConnection* createConnection(
        const Poco::Net::StreamSocket& socket) override {
        // The gate admitted this connection under the same key.
        return new CountedConnection(socket, inner_->createConnection(socket), cap_,
                                     cap_.key(socket.impl()->sockfd()));
    }

private:
    Poco::Net::TCPServerConnectionFactory::Ptr inner_;
    ConnectionCap& cap_;
};

}  // namespace

Poco::Net::TCPServerConnectionFactory::Ptr counted_connections(
    Poco::Net::TCPServerConnectionFactory::Ptr inner, ConnectionCap& cap) {
    return new CountedFactory(std::move(inner), cap);
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
    // POCO's enqueue() drops a connection silently exactly when its queue is this full.
    return dispatcher.queuedConnections() >= dispatcher.params().getMaxQueued();
}

}  // namespace

HeadGate::HeadGate(std::vector<Poco::Net::ServerSocket> listeners,
                   Poco::Net::TCPServerDispatcher* dispatcher, ConnectionCap& cap,
                   HeadGateOptions options)
    : listeners_(std::move(listeners)), dispatcher_(dispatcher), cap_(cap), options_(options) {
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
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    buffer_.assign(options_.max_head_bytes, '\0');
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_[0];
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_[0], &ev);
    std::vector<int> listening;
    for (auto& l : listeners_) {
        const int fd = l.impl()->sockfd();
        set_blocking(fd, false);
        listening.push_back(fd);
        ev.data.fd = fd;
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    }
    std::vector<epoll_event> events(256);
    while (!stop_) {
        const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
        for (int i = 0; i < n; ++i) {
            const int fd = events[static_cast<std::size_t>(i)].data.fd;
            if (fd == wake_[0]) continue;
            if (std::find(listening.begin(), listening.end(), fd) != listening.end())
                accept_all(fd);
            else if (held_.count(fd) != 0U)
                inspect(fd);
        }
        expire();
    }
    while (!held_.empty()) refuse(held_.begin()->first, {});
    ::close(epoll_);
}

void HeadGate::accept_all(int listener) {
    for (;;) {
        const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        auto key = cap_.key(fd);
        if (key && !cap_.admit(*key)) {
            answer_and_close(fd, "503 Service Unavailable", "Retry-After: 1\r\n");
            continue;
        }
        epoll_event ev{};
        // Edge-triggered: a head still incomplete wakes the gate again only when more bytes
        // arrive, not on every turn of the loop.
        ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
        ev.data.fd = fd;
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
        held_[fd] = Held{Clock::now() + options_.header_timeout, std::move(key)};
        inspect(fd);
    }
}

void HeadGate::inspect(int fd) {
    const auto n = ::recv(fd, buffer_.data(), buffer_.size(), MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) return refuse(fd, {});
    switch (classify_head(buffer_.data(), static_cast<std::size_t>(n), options_.max_head_bytes)) {
        case HeadState::Incomplete:
            return;
        case HeadState::Foreign:
            return refuse(fd, "400 Bad Request");
        case HeadState::TooLarge:
            return refuse(fd, "431 Request Header Fields Too Large");
        case HeadState::Complete:
            break;
    }
    if (pool_full(*dispatcher_)) return refuse(fd, "503 Service Unavailable", "Retry-After: 1\r\n");
    // From here the worker's connection holds the cap slot (counted_connections gives it back).
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    held_.erase(fd);
    set_blocking(fd, true);
    dispatcher_->enqueue(Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fd)));
}

void HeadGate::refuse(int fd, std::string_view status, std::string_view extra) {
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    if (const auto at = held_.find(fd); at != held_.end()) {
        if (at->second.key) cap_.release(*at->second.key);
        held_.erase(at);
    }
    if (status.empty())
        ::close(fd);
    else
        answer_and_close(fd, status, extra);
}

void HeadGate::expire() {
    const auto now = Clock::now();
    std::vector<int> late;
    for (const auto& [fd, held] : held_)
        if (held.deadline <= now) late.push_back(fd);
    for (const int fd : late) refuse(fd, "408 Request Timeout");
}

}  // namespace ddns::gateway
