// A peer dyndns2 server (another implementation of the protocol, e.g. nsupdate.info) measured in
// the same run as the gateway, with the same load generator, durations and quiet-machine waits:
// committed changes (answer `good`) from 1, 8 and 64 clients and no-change answers (`nochg`)
// from 8 and 64 clients, a connection per request, then the ratios against the gateway. The
// benchmark does not start the peer: it is given its URL, its clients and (for CPU figures) its
// process IDs.
//
//   --peer-url http://127.0.0.1:PORT[/PREFIX]   where PREFIX/nic/update answers dyndns2 updates
//   --peer-clients FILE   one `host user secret` per line (# comments), one line per client;
//                         at least as many lines as the largest client count (64)
//   --peer-pids [NAME=]PID,PID...   processes whose CPU and memory to report per measurement,
//                         with their live descendants (repeatable), as group `peer` or
//                         `peer_NAME` (e.g. postgres=PID: `peer_postgres`)
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench_context.hpp"

namespace ddns::bench {

struct PeerClient {
    std::string host;
    std::string user;
    std::string secret;
};

struct PeerTarget {
    std::uint16_t port = 0;
    std::string prefix;  // before /nic/update, without a trailing slash
};

// Only http:// on 127.0.0.1 (the load generator connects there): throws std::invalid_argument
// naming what is wrong.
PeerTarget parse_peer_url(const std::string& url);
// Throws std::invalid_argument for a line that is not three fields.
std::vector<PeerClient> parse_peer_clients(const std::string& text);
// "[NAME=]PID,PID" -> ("peer" or "peer_NAME", PIDs): throws std::invalid_argument for anything
// else.
std::pair<std::string, std::vector<pid_t>> parse_peer_pids(const std::string& spec);

// Reads and checks --peer-url and --peer-clients before anything starts; throws naming the
// problem.
void check_peer_settings(const Settings& s);
// The peer's change and no-change measurements into `results` (peer.changes.N,
// peer.nochg.close.N); throws when the peer does not accept the clients' credentials.
void peer_phases(Context& cx, std::map<std::string, Result>& results, bool changes, bool nochg);
// The gateway against the peer, for every pair measured in this run.
void print_peer_ratios(Context& cx, std::map<std::string, Result>& results);

}  // namespace ddns::bench
