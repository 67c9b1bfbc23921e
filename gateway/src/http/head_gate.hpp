// The acceptor in front of the plain HTTP listeners. One thread accepts every connection and
// holds it, without a worker, until its request head is in the kernel buffer; only then does the
// worker pool see it. Slow, idle and foreign clients cost a file descriptor, never a worker.
#pragma once

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServerDispatcher.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

namespace ddns::gateway {

struct HeadGateOptions {
    std::chrono::milliseconds header_timeout{10000};
    std::size_t max_head_bytes = 16 * 1024;
};

// What the bytes peeked so far say about a connection.
enum class HeadState { Incomplete, Complete, Foreign, TooLarge };
// Classifies the first bytes of a connection: a complete HTTP/1.x head, not yet, or bytes
// that can never start one (TLS ClientHello, the HTTP/2 preface, an HTTP/0.9 line).
HeadState classify_head(const char* data, std::size_t size, std::size_t max_head_bytes);

class HeadGate {
public:
    // `dispatcher` hands complete connections to the worker pool; the gate holds a reference.
    HeadGate(std::vector<Poco::Net::ServerSocket> listeners,
             Poco::Net::TCPServerDispatcher* dispatcher, HeadGateOptions options);
    ~HeadGate();
    HeadGate(const HeadGate&) = delete;
    HeadGate& operator=(const HeadGate&) = delete;
    void start();
    void stop();

private:
    void run();
    std::vector<Poco::Net::ServerSocket> listeners_;
    Poco::Net::TCPServerDispatcher* dispatcher_;
    HeadGateOptions options_;
    std::atomic<bool> stop_{false};
    int wake_[2] = {-1, -1};
    std::thread thread_;
};

}  // namespace ddns::gateway
