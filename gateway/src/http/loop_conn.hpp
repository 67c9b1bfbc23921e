// Private to the connection loop's sources: a connection's state and the loop's constants.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "connection_loop.hpp"
#include "ddns/gateway/http/request_head.hpp"
#include "transport.hpp"

namespace ddns::gateway::loop_detail {

using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kWake = 0;  // listeners are 1..n, connections above kFirstConnection
constexpr std::uint64_t kFirstConnection = 1ULL << 32;
constexpr auto kLinger = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 1024 * 1024;
constexpr auto kNever = Clock::time_point::max();
// While draining, how long a connection that has sent nothing yet may still take to begin.
constexpr auto kDrainSilence = std::chrono::seconds(1);
// Connections accepted per turn at most (the listener is level-triggered: the rest come next
// turn). Answered on the loop, a client is back with its next connection before the turn ends;
// without a bound the loop would accept for ever and never see the closes of the old ones,
// which still count against http.max_connections_per_address.
constexpr std::size_t kAcceptsPerTurn = 16;

}  // namespace ddns::gateway::loop_detail

namespace ddns::gateway {

struct ConnectionLoop::Conn {
    enum class Phase { Handshake, Head, Body, Working, Writing, Closing, Gone };
    Conn(std::uint64_t id_, int fd, SSL_CTX* tls, IpAddress peer_, std::optional<std::string> key)
        : id(id_), io(fd, tls), peer(peer_), cap_key(std::move(key)) {}
    std::uint64_t id;
    Transport io;
    IpAddress peer;
    std::optional<std::string> cap_key;
    Phase phase = Phase::Head;
    loop_detail::Clock::time_point deadline = loop_detail::kNever;
    std::string in;
    std::string out;
    std::size_t out_at = 0;
    std::size_t lingered = 0;
    bool head_started = false;  // a byte of the next request arrived
    bool close_after = false;
    bool eof = false;
    bool more_to_read = false;  // the last read stopped before the socket would block
    bool peer_closing = false;  // an event reported the peer's FIN (or a hang-up or error)
    std::size_t served = 0;
    std::optional<RequestHead> head;
    std::size_t body_length = 0;
    std::uint16_t local_port = 0;
};

}  // namespace ddns::gateway
