#include "mux_load.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

namespace ddns::bench {
namespace {

struct MuxConn {
    int fd = -1;
    int client = 0;
    std::size_t i = 0;         // the client's requests sent so far
    std::size_t answered = 0;  // answers on this connection
    std::string in;
    Clock::time_point sent;
};

// Writes all of `bytes` to the non-blocking `fd` (a request is small: one send, as a rule).
bool send_all(int fd, const std::string& bytes) {
    std::size_t at = 0;
    while (at < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
        if (n > 0) {
            at += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd pfd{fd, POLLOUT, 0};
            if (::poll(&pfd, 1, 1000) > 0) continue;
        }
        return false;
    }
    return true;
}

class Driver {
public:
    Driver(std::uint16_t port, const std::vector<int>& clients, Clock::time_point end,
           const std::function<std::string(int, std::size_t)>& head,
           const std::function<bool(const HttpClient::Reply&)>& good)
        : port_(port), end_(end), head_(head), good_(good), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
        conns_.resize(clients.size());
        for (std::size_t k = 0; k < clients.size(); ++k) {
            conns_[k].client = clients[k];
            if (connect(k))
                ++open_;
            else
                ++result_.errors;
        }
    }
    ~Driver() {
        for (auto& m : conns_) close(m);
        ::close(epoll_);
    }
    Driver(const Driver&) = delete;
    Driver& operator=(const Driver&) = delete;

    Result run() {
        for (auto& m : conns_)
            if (m.fd >= 0 && !send_next(m)) fail(m);
        std::vector<epoll_event> events(256);
        while (open_ > 0 && Clock::now() < end_) {
            const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 50);
            for (int e = 0; e < n; ++e)
                on_readable(conns_[events[static_cast<std::size_t>(e)].data.u64]);
        }
        // A request still waiting when the window closed was sent, but says nothing about it.
        for (auto& m : conns_)
            if (m.fd >= 0) {
                ++result_.late;
                close(m);
            }
        return std::move(result_);
    }

private:
    // A new connection for conns_[k] (the old one, if any, closed), watched for answers.
    bool connect(std::size_t k) {
        MuxConn& m = conns_[k];
        if (m.fd >= 0) ::close(m.fd);
        m.in.clear();
        m.answered = 0;
        m.fd = connect_from(loopback_source(m.client), port_);
        if (m.fd < 0) return false;
        const int one = 1;
        ::setsockopt(m.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::fcntl(m.fd, F_SETFL, ::fcntl(m.fd, F_GETFL) | O_NONBLOCK);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = k;
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, m.fd, &ev);
        return true;
    }
    // The server ended the connection (its keep-alive limit): a new one, as a client does.
    bool reconnect(MuxConn& m) {
        const auto k = static_cast<std::size_t>(&m - conns_.data());
        if (connect(k)) return true;
        m.fd = -1;
        --open_;
        ++result_.errors;
        return false;
    }
    bool send_next(MuxConn& m) {
        m.sent = Clock::now();
        return send_all(m.fd, head_(m.client, m.i++) + "\r\nConnection: keep-alive\r\n\r\n");
    }
    void close(MuxConn& m) {
        if (m.fd < 0) return;
        ::close(m.fd);
        m.fd = -1;
        --open_;
    }
    void fail(MuxConn& m) {
        ++result_.errors;
        close(m);
    }
    void on_readable(MuxConn& m) {
        if (m.fd < 0) return;
        char chunk[16384];
        bool ended = false;  // the server closed its side (the answer may have come with it)
        for (;;) {
            const ssize_t n = ::recv(m.fd, chunk, sizeof chunk, 0);
            if (n > 0) {
                m.in.append(chunk, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            ended = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
            break;
        }
        HttpClient::Reply reply;
        bool closes = false;
        if (take_reply(m.in, reply, closes) == 0) {
            if (!ended) return;
            // Closed with the request unanswered: a kept-alive connection the server ended
            // meanwhile gets the request again on a new one (as HttpClient retries once).
            if (m.answered == 0) return fail(m);
            if (!reconnect(m)) return;
            --m.i;
            if (!send_next(m)) fail(m);
            return;
        }
        if (Clock::now() > end_) {
            ++result_.late;
            close(m);
            return;
        }
        result_.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - m.sent).count());
        (good_(reply) ? result_.ok : result_.errors) += 1;
        ++m.answered;
        if ((closes || ended) && !reconnect(m)) return;
        if (!send_next(m)) fail(m);
    }

    std::uint16_t port_;
    Clock::time_point end_;
    const std::function<std::string(int, std::size_t)>& head_;
    const std::function<bool(const HttpClient::Reply&)>& good_;
    int epoll_;
    std::vector<MuxConn> conns_;
    std::size_t open_ = 0;
    Result result_;
};

}  // namespace

Result run_closed_multiplexed(std::uint16_t port, int clients, int threads, double seconds,
                              const std::function<std::string(int, std::size_t)>& head,
                              const std::function<bool(const HttpClient::Reply&)>& good) {
    threads = std::max(1, std::min(threads, clients));
    std::vector<std::vector<int>> share(static_cast<std::size_t>(threads));
    for (int c = 0; c < clients; ++c) share[static_cast<std::size_t>(c % threads)].push_back(c);
    std::vector<Result> per(static_cast<std::size_t>(threads));
    const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(seconds));
    std::vector<std::thread> running;
    for (int t = 0; t < threads; ++t)
        running.emplace_back([&, t] {
            const auto k = static_cast<std::size_t>(t);
            per[k] = Driver(port, share[k], end, head, good).run();
        });
    for (auto& t : running) t.join();
    return merge(per, seconds);
}

}  // namespace ddns::bench
