// Closed-loop keep-alive HTTP load from a few threads that each drive many connections through
// epoll, the way event-driven load generators (wrk, h2load) work. The thread-per-connection
// client of run_closed() pairs each connection with a blocked thread of its own; against a
// server that also gives each connection a thread (POCO's hello-world) the two hand the CPU to
// each other on one core, which no remote client does. This client measures both servers
// without that pairing (docs/performance.md, "Two load generators").
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "bench_support.hpp"

namespace ddns::bench {

// `clients` keep-alive connections (client c from loopback_source(c)), spread over `threads`
// threads; each connection sends head(c, i) (request line and headers, without the blank line)
// as soon as its previous answer arrived, for `seconds`. Requests unanswered at the end of the
// window count as late.
Result run_closed_multiplexed(std::uint16_t port, int clients, int threads, double seconds,
                              const std::function<std::string(int, std::size_t)>& head,
                              const std::function<bool(const HttpClient::Reply&)>& good);

}  // namespace ddns::bench
