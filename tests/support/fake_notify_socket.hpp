// A fake systemd notification socket: a unix datagram socket bound to a path or an abstract name
// ('@...'), as systemd holds one per service, and what arrives on it.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace ddns::test {

class FakeNotifySocket {
public:
    explicit FakeNotifySocket(std::string name) : name_(std::move(name)) {
        if (name_.empty() || name_.size() >= sizeof(sockaddr_un::sun_path))
            throw std::runtime_error("bad socket name " + name_);
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, name_.data(), name_.size());
        if (name_.front() == '@') address.sun_path[0] = '\0';
        const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0)
            throw std::runtime_error("cannot bind " + name_);
    }
    FakeNotifySocket(const FakeNotifySocket&) = delete;
    FakeNotifySocket& operator=(const FakeNotifySocket&) = delete;
    ~FakeNotifySocket() {
        ::close(fd_);
        if (name_.front() == '/') std::filesystem::remove(name_);
    }
    const std::string& name() const { return name_; }
    // The next datagram, or "" when none comes within `timeout`.
    std::string receive(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return {};
        char buffer[4096];
        const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    }

private:
    std::string name_;
    int fd_ = -1;
};

}  // namespace ddns::test
