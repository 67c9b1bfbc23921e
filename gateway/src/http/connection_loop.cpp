#include "connection_loop.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <limits>
#include <stdexcept>

#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/http/framing.hpp"
#include "loop_conn.hpp"
#include "transport.hpp"

namespace ddns::gateway {

using namespace loop_detail;

namespace {

bool wants_keep_alive(const RequestHead& head) {
    std::string connection;
    for (const auto& h : head.headers)
        if (text::iequals(h.name, "Connection")) connection += "," + h.value;
    bool close = false;
    bool keep = false;
    for (const auto token : text::split_list(connection)) {
        close = close || text::iequals(token, "close");
        keep = keep || text::iequals(token, "keep-alive");
    }
    if (close) return false;
    return head.version == "HTTP/1.1" || keep;
}

bool expects_continue(const RequestHead& head) {
    for (const auto& h : head.headers)
        if (text::iequals(h.name, "Expect") && text::iequals(h.value, "100-continue")) return true;
    return false;
}

Response refusal(int status, std::string reason, std::string body = {}) {
    return Response::text(status, std::move(reason), std::move(body));
}

}  // namespace

ConnectionLoop::ConnectionLoop(std::vector<LoopListener> listeners, ConnectionCap& cap,
                               WorkerPool& pool, Serve serve, TryServe try_serve,
                               LoopOptions options)
    : listeners_(std::move(listeners)),
      cap_(cap),
      pool_(pool),
      serve_(std::move(serve)),
      try_serve_(std::move(try_serve)),
      options_(options) {
    for (const auto& l : listeners_)
        if (l.tls != nullptr) tls_.store(l.tls);
}

ConnectionLoop::~ConnectionLoop() {
    stop();
    // Closed only now: a worker may still signal an answer until the pool has stopped.
    if (wake_ >= 0) ::close(wake_);
    if (epoll_ >= 0) ::close(epoll_);
    if (reserve_ >= 0) ::close(reserve_);
}

void ConnectionLoop::start() {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    reserve_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (epoll_ < 0 || wake_ < 0) throw std::runtime_error("cannot start the connection loop");
    watch(wake_, kWake, EPOLLIN);
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
        const int fd = listeners_[i].fd;
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
        // Which listener a connection came through (web.listeners): an accepted socket has its
        // listener's port, so it is asked once here, not once per connection.
        sockaddr_storage local{};
        socklen_t length = sizeof local;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0)
            listeners_[i].port = socket_port(local);
        // Exclusive: of the loops waiting on a listener, one is woken per connection.
        watch(fd, i + 1, EPOLLIN | EPOLLEXCLUSIVE);
    }
    thread_ = std::thread([this] { run(); });
}

void ConnectionLoop::stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_, &one, sizeof one);
    thread_.join();
}

void ConnectionLoop::watch(int fd, std::uint64_t id, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
}

void ConnectionLoop::run() {
    // OpenSSL writes with write(2): a peer gone away must give EPIPE, not kill the process.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    std::vector<epoll_event> events(512);
    std::vector<std::uint64_t> accepting;
    while (!stop_) {
        const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
        // The turn's log lines (an access line per answer made here) in one write at its end.
        const LogBatch turn_lines;
        accepting.clear();
        for (int i = 0; i < n && !stop_; ++i) {
            const std::uint64_t id = events[static_cast<std::size_t>(i)].data.u64;
            if (id == kWake) {
                std::uint64_t count = 0;
                [[maybe_unused]] const auto r = ::read(wake_, &count, sizeof count);
                collect_done();
            } else if (id < kFirstConnection) {
                accepting.push_back(id);
            } else if (const auto at = conns_.find(id); at != conns_.end()) {
                const auto reported = events[static_cast<std::size_t>(i)].events;
                if ((reported & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0)
                    at->second->peer_closing = true;
                progress(*at->second);
            }
        }
        // New connections last: the closes that came with them are counted off the
        // per-address cap first.
        for (const auto id : accepting)
            if (!stop_) accept_all(listeners_[id - 1], kAcceptsPerTurn);
        last_turn_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
        expire();
        if (draining_) drain_step();
        for (const auto id : dropped_) conns_.erase(id);
        dropped_.clear();
        open_.store(conns_.size(), std::memory_order_relaxed);
    }
    for (auto& [id, c] : conns_)
        if (c->cap_key) cap_.release(*c->cap_key);
    conns_.clear();
}

void ConnectionLoop::progress(Conn& c) {
    using P = Conn::Phase;
    if (c.phase == P::Handshake) {
        const Io io = c.io.handshake();
        if (io == Io::Wait) return;
        if (io != Io::Done) return drop(c);
        c.phase = P::Head;
    }
    if (c.phase == P::Writing) {
        const Io io = c.io.write(c.out, c.out_at);
        if (io == Io::Wait) return;
        if (io != Io::Done) return drop(c);
        finished_writing(c);
    }
    if (c.phase == P::Closing) {
        // Reads what the client still sends, so that closing does not reset the connection
        // before the client has read the answer.
        Io io = Io::Done;
        while (io == Io::Done && c.lingered <= kLingerBytes) {
            std::string sink;
            io = c.io.read(sink, 64 * 1024);
            c.lingered += sink.size();
        }
        if (io != Io::Wait) drop(c);
        return;
    }
    if (c.phase == P::Head || c.phase == P::Body) {
        if (!read_request(c)) return;
        advance(c);
    }
}

bool ConnectionLoop::read_request(Conn& c) {
    if (c.eof) return true;
    const std::size_t limit =
        (c.phase == Conn::Phase::Body ? c.head->size + c.body_length : 0) + options_.max_head_bytes;
    // A short read ends the read unless the peer's FIN was reported (transport.hpp).
    const Io io = c.io.read(c.in, limit, !c.peer_closing);
    if (io == Io::Failed) {
        drop(c);
        return false;
    }
    if (io == Io::Closed) c.eof = true;
    c.more_to_read = io == Io::Done;  // stopped at the limit, not at "would block"
    return true;
}

void ConnectionLoop::advance(Conn& c) {
    using P = Conn::Phase;
    while (c.phase == P::Head || c.phase == P::Body) {
        if (c.phase == P::Head) {
            if (c.in.empty()) {
                if (c.eof) drop(c);
                return;  // idle between requests
            }
            if (!c.head_started) {
                c.head_started = true;
                c.deadline = Clock::now() + options_.header_timeout;
            }
            switch (classify_head(c.in.data(), c.in.size(), options_.max_head_bytes)) {
                case HeadState::Incomplete:
                    // The last read stopped at the limit with bytes left in the socket (many
                    // pipelined requests): no new event comes for them, so read on here.
                    if (c.more_to_read) {
                        const std::size_t before = c.in.size();
                        if (!read_request(c)) return;
                        if (c.in.size() > before || c.eof) continue;
                    }
                    if (c.eof) drop(c);
                    return;
                case HeadState::Foreign:
                    return respond(c, refusal(400, "Bad Request"));
                case HeadState::TooLarge:
                    return respond(c, refusal(431, "Request Header Fields Too Large"));
                case HeadState::Complete:
                    break;
            }
            auto head = parse_request_head(c.in);
            if (!head) return respond(c, refusal(400, "Bad Request", head.error() + "\n"));
            const Framing framing =
                check_framing(head->version, head->headers, options_.max_body_bytes);
            if (framing.refusal) return respond(c, *framing.refusal);
            c.body_length = framing.body_length;
            c.head = std::move(*head);
            c.phase = P::Body;
            c.deadline = Clock::now() + options_.body_timeout;
            if (c.in.size() < c.head->size + c.body_length && expects_continue(*c.head)) {
                // 25 bytes to an idle socket: written at once, or the client sends anyway.
                const std::string go = "HTTP/1.1 100 Continue\r\n\r\n";
                std::size_t at = 0;
                [[maybe_unused]] const Io io = c.io.write(go, at);
            }
            continue;
        }
        if (c.in.size() >= c.head->size + c.body_length) {
            dispatch(c);  // answered here: the next request on this connection, if any
            if (c.phase == P::Head && c.in.empty() && c.more_to_read && !read_request(c)) return;
            continue;
        }
        if (c.eof) return respond(c, refusal(400, "Bad Request", "incomplete body\n"));
        const std::size_t before = c.in.size();
        if (!read_request(c)) return;
        if (c.in.size() == before && !c.eof) return;  // wait for more of the body
    }
}

void ConnectionLoop::dispatch(Conn& c) {
    const std::size_t size = c.head->size + c.body_length;
    std::string body = c.in.substr(c.head->size, c.body_length);
    Exchange exchange{std::move(*c.head), std::move(body), c.peer, c.io.tls(), false, c.local_port};
    c.head.reset();
    c.in.erase(0, size);
    if (c.in.empty()) c.in.shrink_to_fit();
    ++c.served;
    exchange.keep_alive = options_.max_keepalive_requests > 0 &&
                          c.served < options_.max_keepalive_requests && !stop_ && !draining_ &&
                          wants_keep_alive(exchange.head);
    c.phase = Conn::Phase::Working;
    c.deadline = kNever;
    if (try_serve_ && answer_here(c, exchange)) return;
    const std::uint64_t id = c.id;
    const bool queued = pool_.submit([this, id, exchange = std::move(exchange)] {
        Answer answer{{}, true};
        {
            // The request's lines (a dialect's line, the access line) in one write, made before
            // the answer is handed to the loop (issue #13: a write(2) per line).
            const LogBatch request_lines;
            try {
                answer = serve_(exchange);
            } catch (...) {  // out of memory: the connection still ends, it never waits forever
            }
        }
        bool first = false;
        {
            const std::lock_guard lock(done_mutex_);
            first = done_.empty();
            done_.push_back({id, std::move(answer)});
        }
        // One wake-up per batch: whoever makes the list non-empty wakes the loop, which then
        // collects every answer queued until it takes the list (a write(2) per answer was a
        // syscall and a loop turn each at keep-alive rates).
        if (first) {
            const std::uint64_t one = 1;
            [[maybe_unused]] const auto n = ::write(wake_, &one, sizeof one);
        }
    });
    if (!queued) {
        Response busy = refusal(503, "Service Unavailable");
        busy.headers.push_back({"Retry-After", "1"});
        respond(c, busy);
    }
}

// The inline attempt: an answer made on this thread is written at once (most fit the socket's
// buffer); what is left, and a connection to close, continue through progress().
bool ConnectionLoop::answer_here(Conn& c, const Exchange& exchange) {
    std::optional<Answer> answer;
    try {
        answer = try_serve_(exchange);
    } catch (...) {  // out of memory: a worker tries again
    }
    if (!answer) return false;
    deliver(c, std::move(*answer));
    const Io io = c.io.write(c.out, c.out_at);
    if (io == Io::Wait) return true;
    if (io != Io::Done) {
        drop(c);
        return true;
    }
    finished_writing(c);
    if (c.phase == Conn::Phase::Closing) progress(c);
    return true;
}

void ConnectionLoop::deliver(Conn& c, Answer answer) {
    c.out = std::move(answer.bytes);
    c.out_at = 0;
    c.close_after = answer.close;
    c.phase = Conn::Phase::Writing;
    c.deadline = Clock::now() + options_.header_timeout;
}

void ConnectionLoop::respond(Conn& c, const Response& response) {
    c.out = format_response(response, "HTTP/1.1", false, false);
    c.out_at = 0;
    c.close_after = true;
    c.phase = Conn::Phase::Writing;
    c.deadline = Clock::now() + options_.header_timeout;
    progress(c);
}

void ConnectionLoop::finished_writing(Conn& c) {
    c.out.clear();
    c.out.shrink_to_fit();
    c.out_at = 0;
    if (c.close_after || stop_ || draining_) {
        c.io.finish();
        c.phase = Conn::Phase::Closing;
        c.deadline = Clock::now() + kLinger;
        return;
    }
    c.phase = Conn::Phase::Head;
    c.head_started = false;
    c.deadline = Clock::now() + options_.keepalive_timeout;
}

void ConnectionLoop::drop(Conn& c) {
    if (c.phase == Conn::Phase::Gone) return;
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.io.fd(), nullptr);
    if (c.cap_key) cap_.release(*c.cap_key);
    c.cap_key.reset();
    c.phase = Conn::Phase::Gone;
    dropped_.push_back(c.id);
}

void ConnectionLoop::collect_done() {
    std::vector<Done> done;
    {
        const std::lock_guard lock(done_mutex_);
        done.swap(done_);
    }
    for (auto& d : done) {
        const auto at = conns_.find(d.id);
        if (at == conns_.end() || at->second->phase != Conn::Phase::Working) continue;
        Conn& c = *at->second;
        deliver(c, std::move(d.answer));
        progress(c);
    }
}

// Every deadline is looked at ten times a second, however many events arrive meanwhile.
void ConnectionLoop::expire() {
    using P = Conn::Phase;
    const auto now = Clock::now();
    if (now < next_expiry_) return;
    next_expiry_ = now + std::chrono::milliseconds(100);
    for (auto& [id, conn] : conns_) {
        Conn& c = *conn;
        if (c.deadline > now) continue;
        switch (c.phase) {
            case P::Head:
                // Idle between requests: closed without a word (a new connection that sent
                // nothing gets its 408).
                if (c.in.empty() && c.served > 0) {
                    drop(c);
                    break;
                }
                [[fallthrough]];
            case P::Body:
                respond(c, refusal(408, "Request Timeout"));
                break;
            case P::Working:
            case P::Gone:
                break;
            default:
                drop(c);
        }
    }
}

}  // namespace ddns::gateway
