#include "connection_cap.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace ddns::gateway {

std::optional<IpAddress> socket_address(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(address);
        std::array<std::uint8_t, 4> bytes{};
        std::memcpy(bytes.data(), &in.sin_addr, 4);
        return IpAddress::v4(bytes);
    }
    if (address.ss_family == AF_INET6) {
        const auto& in = reinterpret_cast<const sockaddr_in6&>(address);
        std::array<std::uint8_t, 16> bytes{};
        std::memcpy(bytes.data(), &in.sin6_addr, 16);
        return IpAddress::v6(bytes);
    }
    return std::nullopt;
}

std::uint16_t socket_port(const sockaddr_storage& address) {
    if (address.ss_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
    if (address.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
    return 0;
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
