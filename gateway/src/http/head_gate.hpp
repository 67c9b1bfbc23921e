// The acceptor in front of the plain HTTP listeners. One thread accepts every connection and
// holds it, without a worker, until its request head is in the kernel buffer; only then does the
// worker pool see it. Slow, idle and foreign clients cost a file descriptor, never a worker.
#pragma once

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerDispatcher.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ddns/gateway/http/client_address.hpp"
#include "ddns/gateway/http/request_head.hpp"

namespace ddns::gateway {

struct HeadGateOptions {
    std::chrono::milliseconds header_timeout{10000};
    std::size_t max_head_bytes = 16 * 1024;
};

// Open connections per client address (IPv6 per /64), from the accept to the close, whether the
// acceptor or a worker holds them. Trusted proxies are exempt: every client behind them shares
// the proxy's address.
class ConnectionCap {
public:
    ConnectionCap(std::size_t max_per_address, TrustedProxies exempt)
        : max_(max_per_address), exempt_(std::move(exempt)) {}
    // The peer's key, or nullopt when it is exempt or unknown.
    std::optional<std::string> key(int fd) const;
    // Counts one more connection for `key`; false (and nothing counted) when at the cap.
    bool admit(const std::string& key);
    void release(const std::string& key);
    // Connections of the plain listeners in a worker now (between requests included).
    void enter() { ++active_; }
    void leave() { --active_; }
    std::size_t active() const { return active_.load(); }
    // More than 3/4 of `threads` workers serve plain connections.
    bool busy(std::size_t threads) const { return active_.load() * 4 > threads * 3; }

private:
    std::atomic<std::size_t> active_{0};
    std::size_t max_;
    TrustedProxies exempt_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> open_;
};

// Wraps `inner` so that each connection it makes gives its cap slot back when it ends.
Poco::Net::TCPServerConnectionFactory::Ptr counted_connections(
    Poco::Net::TCPServerConnectionFactory::Ptr inner, ConnectionCap& cap);

class HeadGate {
public:
    // `dispatcher` hands complete connections to the worker pool; the gate holds a reference.
    HeadGate(std::vector<Poco::Net::ServerSocket> listeners,
             Poco::Net::TCPServerDispatcher* dispatcher, ConnectionCap& cap,
             HeadGateOptions options);
    ~HeadGate();
    HeadGate(const HeadGate&) = delete;
    HeadGate& operator=(const HeadGate&) = delete;
    void start();
    void stop();

private:
    struct Held {
        std::chrono::steady_clock::time_point deadline;
        std::optional<std::string> key;  // counted against the cap
    };
    void run();
    void accept_all(int listener);
    void inspect(int fd);
    // Stops watching `fd`, gives its cap slot back, answers `status` (when set) and closes it.
    void refuse(int fd, std::string_view status, std::string_view extra = {});
    void expire();
    int epoll_ = -1;
    std::unordered_map<int, Held> held_;
    std::string buffer_;
    std::vector<Poco::Net::ServerSocket> listeners_;
    Poco::Net::TCPServerDispatcher* dispatcher_;
    ConnectionCap& cap_;
    HeadGateOptions options_;
    std::atomic<bool> stop_{false};
    int wake_[2] = {-1, -1};
    std::thread thread_;
};

}  // namespace ddns::gateway
