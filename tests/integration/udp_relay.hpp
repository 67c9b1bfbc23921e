// A UDP relay between the gateway and named on loopback, for tests that lose named's replies
// (the fault suite, the reconciler's integration test) or hold back one UPDATE (the
// compensation race across two instances).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ddns::test {

// A UDP relay between the gateway and named on loopback: queries go through; while `drop` is set,
// named's replies are thrown away, so the gateway cannot know whether BIND applied an UPDATE.
class UdpRelay {
public:
    explicit UdpRelay(std::uint16_t named_port) {
        front_ = bound_socket(0);
        back_ = bound_socket(0);
        sockaddr_in named = loopback(named_port);
        if (::connect(back_, reinterpret_cast<sockaddr*>(&named), sizeof named) != 0)
            throw std::runtime_error("relay: connect");
        sockaddr_in self{};
        socklen_t len = sizeof self;
        ::getsockname(front_, reinterpret_cast<sockaddr*>(&self), &len);
        port_ = ntohs(self.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~UdpRelay() {
        stop_ = true;
        thread_.join();
        ::close(front_);
        ::close(back_);
    }
    std::uint16_t port() const { return port_; }
    std::atomic<bool> drop{false};
    std::atomic<int> dropped{0};
    // While set, the next UPDATE with prerequisites (a compensation: the gateway's own changes
    // carry none) is kept instead of passed on, until `release` is set; then it goes to named
    // as if just sent, and its answer comes back as usual.
    std::atomic<bool> hold_next_guarded_update{false};
    std::atomic<int> held{0};
    std::atomic<bool> release{false};

private:
    static sockaddr_in loopback(std::uint16_t port) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return a;
    }
    static int bound_socket(std::uint16_t port) {
        const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a = loopback(port);
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            throw std::runtime_error("relay: bind");
        return fd;
    }
    // An UPDATE (opcode 5) whose prerequisite count (the header's third count) is not zero.
    static bool guarded_update(const unsigned char* message, std::size_t size) {
        return size >= 12 && ((message[2] >> 3) & 0x0f) == 5 &&
               (message[6] != 0 || message[7] != 0);
    }
    void run() {
        std::map<std::uint16_t, sockaddr_in> asked;  // DNS message id -> who asked
        std::vector<unsigned char> kept;             // the held message
        unsigned char buffer[65536];
        while (!stop_) {
            if (!kept.empty() && release) {
                ::send(back_, kept.data(), kept.size(), 0);
                kept.clear();
            }
            pollfd fds[2] = {{front_, POLLIN, 0}, {back_, POLLIN, 0}};
            if (::poll(fds, 2, 10) <= 0) continue;
            if (fds[0].revents & POLLIN) {
                sockaddr_in from{};
                socklen_t len = sizeof from;
                const auto n = ::recvfrom(front_, buffer, sizeof buffer, 0,
                                          reinterpret_cast<sockaddr*>(&from), &len);
                if (n >= 2) {
                    asked[static_cast<std::uint16_t>(buffer[0] << 8 | buffer[1])] = from;
                    const auto size = static_cast<std::size_t>(n);
                    if (kept.empty() && guarded_update(buffer, size) &&
                        hold_next_guarded_update.exchange(false)) {
                        kept.assign(buffer, buffer + size);
                        ++held;
                    } else {
                        ::send(back_, buffer, size, 0);
                    }
                }
            }
            if (fds[1].revents & POLLIN) {
                const auto n = ::recv(back_, buffer, sizeof buffer, 0);
                if (n < 2) continue;
                const auto it = asked.find(static_cast<std::uint16_t>(buffer[0] << 8 | buffer[1]));
                if (it == asked.end()) continue;
                if (drop) {
                    ++dropped;
                } else {
                    ::sendto(front_, buffer, static_cast<std::size_t>(n), 0,
                             reinterpret_cast<const sockaddr*>(&it->second), sizeof it->second);
                }
                asked.erase(it);
            }
        }
    }

    int front_ = -1;
    int back_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace ddns::test
