// Private: one request/reply exchange over UDP or TCP with raw sockets and poll() deadlines.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ddns/nsupdate/update_client.hpp"

namespace ddns::detail {

struct Exchange {
    bool replied = false;
    std::vector<std::uint8_t> reply;
    UpdateStatus status = UpdateStatus::NetworkError;  // Timeout or NetworkError when !replied
    std::string detail;
};

// Sends `request` over a connected UDP socket and waits for a datagram from the server with
// message id `id` (others are ignored). An ICMP port unreachable ends the wait at once.
Exchange udp_exchange(const ServerEndpoint& server, std::span<const std::uint8_t> request,
                      std::uint16_t id, std::chrono::milliseconds timeout);

// Sends `request` with a two-octet length prefix over a new TCP connection and reads one reply.
Exchange tcp_exchange(const ServerEndpoint& server, std::span<const std::uint8_t> request,
                      std::chrono::milliseconds timeout);

}  // namespace ddns::detail
