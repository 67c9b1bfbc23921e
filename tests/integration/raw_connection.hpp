// A raw TCP connection to the gateway's plain port from a chosen loopback address, for tests
// that hold connections open, trickle bytes or time how fast the gateway answers or closes.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

namespace ddns::test {

using Clock = std::chrono::steady_clock;

// A raw TCP connection to the gateway's plain port.
class Connection {
public:
    explicit Connection(std::uint16_t port, const std::string& source = "127.0.0.1")
        : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in from{};
        from.sin_family = AF_INET;
        ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
    }
    ~Connection() { ::close(fd_); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    bool connected() const { return connected_; }
    int fd() const { return fd_; }
    bool send(const std::string& bytes) {
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(bytes.size());
    }
    // Reads until `stop` appears, the peer closes or `timeout` passes; returns what came.
    std::string read(std::chrono::milliseconds timeout, const std::string& stop = {}) {
        std::string got;
        const auto until = Clock::now() + timeout;
        while (Clock::now() < until && (stop.empty() || got.find(stop) == std::string::npos)) {
            pollfd p{fd_, POLLIN, 0};
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
            if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0))) <= 0) break;
            char buffer[4096];
            const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n <= 0) {
                closed_ = true;
                break;
            }
            got.append(buffer, static_cast<std::size_t>(n));
        }
        return got;
    }
    bool closed() const { return closed_; }

private:
    int fd_;
    bool connected_ = false;
    bool closed_ = false;
};

}  // namespace ddns::test
