// What enters and leaves the connection loop: accepting connections (the per-address cap, the
// spare descriptor for EMFILE) and draining on shutdown. Serving a connection is in
// connection_loop.cpp.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "connection_loop.hpp"
#include "loop_conn.hpp"

namespace ddns::gateway {

using namespace loop_detail;

bool ConnectionLoop::drain(std::chrono::milliseconds grace) {
    begin_drain();
    return wait_drained(Clock::now() + grace);
}

void ConnectionLoop::begin_drain() {
    if (!thread_.joinable()) return;
    draining_ = true;
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_, &one, sizeof one);
}

bool ConnectionLoop::wait_drained(Clock::time_point until) {
    if (!thread_.joinable()) return true;
    std::unique_lock lock(drained_mutex_);
    return drained_cv_.wait_until(lock, until, [this] { return drained_; });
}

// Runs in the loop thread on every turn once drain() was called.
void ConnectionLoop::drain_step() {
    if (listening_) {
        listening_ = false;
        for (const auto& listener : listeners_) {
            // What completed its handshake already is served; then the socket stops listening
            // (Linux: shutdown() of a listening socket refuses further connections) and the
            // owner closes it later.
            accept_all(listener);
            ::epoll_ctl(epoll_, EPOLL_CTL_DEL, listener.fd, nullptr);
            ::shutdown(listener.fd, SHUT_RD);
        }
    }
    const auto soon = Clock::now() + kDrainSilence;
    for (auto& [id, conn] : conns_) {
        Conn& c = *conn;
        const bool silent =
            c.phase == Conn::Phase::Handshake || (c.phase == Conn::Phase::Head && c.in.empty());
        if (!silent) continue;
        // Idle between two requests of a keep-alive connection: nothing begun, nothing lost.
        if (c.phase == Conn::Phase::Head && c.served > 0) {
            drop(c);
            continue;
        }
        // A new connection whose request has not come yet gets a moment, not header_timeout.
        c.deadline = std::min(c.deadline, soon);
    }
    if (conns_.size() > dropped_.size()) return;
    const std::lock_guard lock(drained_mutex_);
    drained_ = true;
    drained_cv_.notify_all();
}

void ConnectionLoop::accept_all(const LoopListener& listener, std::size_t limit) {
    for (std::size_t accepted = 0; accepted < limit; ++accepted) {
        // The peer's address comes with the accept (a getpeername(2) per connection less).
        sockaddr_storage from{};
        socklen_t from_length = sizeof from;
        const int fd = ::accept4(listener.fd, reinterpret_cast<sockaddr*>(&from), &from_length,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if ((errno == EMFILE || errno == ENFILE) && reserve_ >= 0) {
                // Out of descriptors: take the one waiting with the spare, refuse it, keep going.
                ::close(reserve_);
                const int over = ::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
                if (over >= 0) {
                    if (listener.tls == nullptr) {
                        const auto text =
                            format_response(Response::text(503, "Service Unavailable", ""),
                                            "HTTP/1.1", false, false);
                        [[maybe_unused]] const auto s =
                            ::send(over, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
                    }
                    ::close(over);
                }
                reserve_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            }
            return;
        }
        const auto peer = socket_address(from);
        auto key = peer ? cap_.key(*peer) : std::nullopt;
        if (!peer || (key && !cap_.admit(*key))) {
            if (peer && listener.tls == nullptr) {
                Response busy = Response::text(503, "Service Unavailable", "");
                busy.headers.push_back({"Retry-After", "1"});
                const auto text = format_response(busy, "HTTP/1.1", false, false);
                [[maybe_unused]] const auto s = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
                ::shutdown(fd, SHUT_WR);
            }
            ::close(fd);
            continue;
        }
        const std::uint64_t id = kFirstConnection + next_id_++;
        SSL_CTX* tls = listener.tls != nullptr ? tls_.load() : nullptr;
        auto conn = std::make_unique<Conn>(id, fd, tls, *peer, std::move(key));
        Conn& c = *conn;
        c.local_port = listener.port;
        conns_.emplace(id, std::move(conn));
        c.phase = c.io.handshaken() ? Conn::Phase::Head : Conn::Phase::Handshake;
        c.head_started = true;
        c.deadline = Clock::now() + options_.header_timeout;
        // Edge-triggered: each event means new bytes or new room, and progress() always goes on
        // until the socket would block.
        watch(fd, id, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
        progress(c);
    }
}

}  // namespace ddns::gateway
