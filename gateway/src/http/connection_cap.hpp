// Private: open connections per client address (IPv6 per /64), from the accept to the close.
// Trusted proxies are exempt: every client behind them shares the proxy's address.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ddns/gateway/http/client_address.hpp"

namespace ddns::gateway {

// The address at the other end of a connected socket.
std::optional<IpAddress> peer_address(int fd);

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
