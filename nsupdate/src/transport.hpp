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

// A TCP connection that carries one request and a stream of replies (a zone transfer): every
// step ends by `deadline`, which covers the whole exchange.
class TcpStream {
public:
    explicit TcpStream(std::chrono::steady_clock::time_point deadline) : deadline_(deadline) {}
    ~TcpStream();
    TcpStream(const TcpStream&) = delete;
    TcpStream& operator=(const TcpStream&) = delete;

    // Connects and sends the request (length-prefixed). False: `err` says why.
    bool open(const ServerEndpoint& server, std::span<const std::uint8_t> request, Exchange& err);
    // The next length-prefixed message; `replied` false on close, error or the deadline.
    Exchange next();

private:
    bool read_exact(std::uint8_t* dst, std::size_t want, Exchange& err);

    std::chrono::steady_clock::time_point deadline_;
    int fd_ = -1;
};

}  // namespace ddns::detail
