#include "connection_cap.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace ddns::gateway {

std::optional<IpAddress> peer_address(int fd) {
    sockaddr_storage peer{};
    socklen_t size = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &size) != 0) return std::nullopt;
    if (peer.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(peer);
        std::array<std::uint8_t, 4> bytes{};
        std::memcpy(bytes.data(), &in.sin_addr, 4);
        return IpAddress::v4(bytes);
    }
    if (peer.ss_family == AF_INET6) {
        const auto& in = reinterpret_cast<const sockaddr_in6&>(peer);
        std::array<std::uint8_t, 16> bytes{};
        std::memcpy(bytes.data(), &in.sin6_addr, 16);
        return IpAddress::v6(bytes);
    }
    return std::nullopt;
}

std::optional<std::string> ConnectionCap::key(const IpAddress& peer) const {
    if (exempt_.contains(peer)) return std::nullopt;
    const auto bytes = peer.bytes();
    // IPv6 per /64: one subscriber usually holds a whole /64.
    const std::size_t n = peer.is_v4() ? 4 : 8;
    return std::string(reinterpret_cast<const char*>(bytes.data()), n);
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

}  // namespace ddns::gateway
