// Private: open connections per client address (IPv6 per /64), from the accept to the close.
// Trusted proxies are exempt: every client behind them shares the proxy's address.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ddns/gateway/http/client_address.hpp"

namespace ddns::gateway {

// The IP address and the port of a socket address (as accept(2) and getsockname(2) give it);
// nullopt and 0 for other families.
std::optional<IpAddress> socket_address(const sockaddr_storage& address);
std::uint16_t socket_port(const sockaddr_storage& address);

class ConnectionCap {
public:
    ConnectionCap(std::size_t max_per_address, TrustedProxies exempt)
        : max_(max_per_address), exempt_(std::move(exempt)) {}
    // The peer's key, or nullopt when it is exempt.
    std::optional<std::string> key(const IpAddress& peer) const;
    // Counts one more connection for `key`; false (and nothing counted) when at the cap.
    bool admit(const std::string& key);
    void release(const std::string& key);

private:
    std::size_t max_;
    TrustedProxies exempt_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> open_;
};

}  // namespace ddns::gateway
