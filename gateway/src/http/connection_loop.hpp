// Private: the one thread that owns every client connection, plain and TLS. It accepts, does the
// TLS handshake, reads the request head and the whole body, and writes the answers, all on
// non-blocking sockets with deadlines; a worker sees a request only once it is complete, and
// hands back the bytes of its answer. Slow, idle, silent and foreign clients, a trickled body
// and an idle keep-alive connection cost a file descriptor and a buffer, never a worker.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "connection_cap.hpp"
#include "exchange.hpp"
#include "worker_pool.hpp"

namespace ddns::gateway {

struct LoopOptions {
    std::chrono::milliseconds header_timeout{10000};  // TLS handshake and request head
    std::chrono::milliseconds body_timeout{10000};    // the body, from the end of the head
    std::chrono::milliseconds keepalive_timeout{10000};
    std::size_t max_head_bytes = 16 * 1024;
    std::size_t max_body_bytes = 64 * 1024;
    std::size_t max_keepalive_requests = 100;  // 0: one request per connection
};

struct LoopListener {
    int fd;                  // listening; the caller keeps it open until the loop stopped
    SSL_CTX* tls;            // nullptr for plain HTTP; every TLS listener shares one context
    std::uint16_t port = 0;  // its local port, found by the loop when it starts
};

class ConnectionLoop {
public:
    using Serve = std::function<Answer(const Exchange&)>;
    // Answers on the loop's own thread, or nullopt when the request would wait (it then goes to
    // a worker's `serve` exactly as if never tried). Must not block and must leave no trace
    // when it gives up (auth/would_block.hpp).
    using TryServe = std::function<std::optional<Answer>(const Exchange&)>;
    // Several loops may share the listeners (each accepts with EPOLLEXCLUSIVE and owns the
    // connections it accepted), the cap and the pool.
    ConnectionLoop(std::vector<LoopListener> listeners, ConnectionCap& cap, WorkerPool& pool,
                   Serve serve, TryServe try_serve, LoopOptions options);
    ~ConnectionLoop();
    ConnectionLoop(const ConnectionLoop&) = delete;
    ConnectionLoop& operator=(const ConnectionLoop&) = delete;
    void start();
    // Graceful shutdown, first half: takes the connections already waiting in the listeners'
    // backlog, then stops listening (a new connection is refused, never reset), closes idle
    // keep-alive connections, and lets every other connection finish the request it has begun;
    // each answer closes its connection. Returns true once no connection is left, false when
    // `grace` ran out first (stop() then ends the rest).
    bool drain(std::chrono::milliseconds grace);
    // drain() in two halves, for several loops draining at once.
    void begin_drain();
    bool wait_drained(std::chrono::steady_clock::time_point until);
    // Closes every connection at once (idle keep-alive included); answers still being made by
    // workers are dropped.
    void stop();
    // The TLS context of connections accepted from now on (a reloaded certificate); those
    // already open keep theirs. The caller keeps every context it handed in alive until the
    // loop is destroyed.
    void set_tls(SSL_CTX* context) { tls_.store(context); }
    // When the loop last went round (it does at least ten times a second), for the watchdog.
    std::chrono::steady_clock::time_point last_turn() const {
        return std::chrono::steady_clock::time_point(
            std::chrono::steady_clock::duration(last_turn_.load(std::memory_order_relaxed)));
    }
    // Client connections open now, idle keep-alive included (for /metrics).
    std::size_t open() const noexcept { return open_.load(std::memory_order_relaxed); }

private:
    struct Conn;
    struct Done {
        std::uint64_t id;
        Answer answer;
    };
    void run();
    // Up to `limit` connections waiting in `listener`'s backlog (drain takes them all).
    void accept_all(const LoopListener& listener,
                    std::size_t limit = std::numeric_limits<std::size_t>::max());
    void progress(Conn& c);
    bool read_request(Conn& c);
    void advance(Conn& c);
    void dispatch(Conn& c);
    void respond(Conn& c, const Response& response);
    void deliver(Conn& c, Answer answer);
    bool answer_here(Conn& c, const Exchange& exchange);
    void finished_writing(Conn& c);
    void drop(Conn& c);
    void collect_done();
    void expire();
    void watch(int fd, std::uint64_t id, std::uint32_t events);
    void drain_step();

    std::vector<LoopListener> listeners_;
    ConnectionCap& cap_;
    WorkerPool& pool_;
    Serve serve_;
    TryServe try_serve_;
    LoopOptions options_;
    int epoll_ = -1;
    int wake_ = -1;     // eventfd: an answer is ready, or stop
    int reserve_ = -1;  // a spare descriptor, to answer a client when descriptors run out
    std::uint64_t next_id_ = 1;
    std::unordered_map<std::uint64_t, std::unique_ptr<Conn>> conns_;
    std::vector<std::uint64_t> dropped_;
    std::chrono::steady_clock::time_point next_expiry_{};
    std::mutex done_mutex_;
    std::vector<Done> done_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> draining_{false};
    std::atomic<SSL_CTX*> tls_{nullptr};
    std::atomic<std::chrono::steady_clock::rep> last_turn_{0};
    bool listening_ = true;  // loop thread only
    std::mutex drained_mutex_;
    std::condition_variable drained_cv_;
    bool drained_ = false;
    std::atomic<std::size_t> open_{0};
    std::thread thread_;
};

}  // namespace ddns::gateway
