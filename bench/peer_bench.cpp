#include "peer_bench.hpp"

#include <atomic>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "gateway_stack.hpp"

namespace ddns::bench {
namespace {

constexpr int kMaxClients = 64;
const char* const kNochgAddress = "192.0.2.1";

std::string peer_change_address(unsigned n) {
    return "203.0.113." + std::to_string(1 + n % 250);
}

bool answer_is(const HttpClient::Reply& reply, const char* word) {
    return reply.status == 200 && reply.body.rfind(word, 0) == 0;
}

std::string peer_head(const PeerTarget& target, const PeerClient& client,
                      const std::string& address) {
    return "GET " + target.prefix + "/nic/update?hostname=" + client.host + "&myip=" + address +
           " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(target.port) +
           "\r\nUser-Agent: ddns-bench/1.0\r\nAuthorization: Basic " +
           ddns::test::base64(client.user + ":" + client.secret);
}

struct Peer {
    PeerTarget target;
    std::vector<PeerClient> clients;
};

Peer load_peer(const Settings& s) {
    Peer peer{parse_peer_url(s.peer_url), {}};
    std::ifstream in(s.peer_clients);
    if (!in) throw std::invalid_argument("--peer-clients: cannot read " + s.peer_clients);
    std::stringstream text;
    text << in.rdbuf();
    peer.clients = parse_peer_clients(text.str());
    if (peer.clients.size() < static_cast<std::size_t>(kMaxClients))
        throw std::invalid_argument("--peer-clients: " + std::to_string(peer.clients.size()) +
                                    " clients, the measurements need " +
                                    std::to_string(kMaxClients));
    return peer;
}

// Sets every client's address to `address` and checks the peer accepted it (good or nochg).
void set_addresses(const Peer& peer, const std::string& address) {
    for (std::size_t c = 0; c < static_cast<std::size_t>(kMaxClients); ++c) {
        HttpClient client(peer.target.port, loopback_source(static_cast<int>(c)), false);
        const auto reply = client.exchange(peer_head(peer.target, peer.clients[c], address));
        if (!answer_is(reply, "good") && !answer_is(reply, "nochg"))
            throw std::runtime_error("the peer answered " + std::to_string(reply.status) + " '" +
                                     reply.body + "' to an update of " + peer.clients[c].host +
                                     ": check --peer-url and --peer-clients");
    }
}

Result closed_loop(const Peer& peer, int clients, double seconds,
                   const std::function<std::string(int)>& address, const char* expected) {
    std::vector<std::unique_ptr<HttpClient>> conns;
    for (int c = 0; c < clients; ++c)
        conns.push_back(std::make_unique<HttpClient>(peer.target.port, loopback_source(c), false));
    return run_closed(clients, seconds, [&](int c, std::size_t) {
        const auto& client = peer.clients[static_cast<std::size_t>(c)];
        return answer_is(conns[static_cast<std::size_t>(c)]->exchange(
                             peer_head(peer.target, client, address(c))),
                         expected);
    });
}

void print_ratio(Context& cx, const std::string& key, double gateway, double peer, double goal) {
    if (gateway <= 0 || peer <= 0) return;
    const double value = gateway / peer;
    std::printf("   %-42s %8.2f", key.c_str(), value);
    if (goal > 0) std::printf("  (goal >= %.2f: %s)", goal, value >= goal ? "met" : "NOT met");
    std::printf("\n");
    cx.figure("ratio." + key, value, "x");
}

}  // namespace

PeerTarget parse_peer_url(const std::string& url) {
    const std::string scheme = "http://127.0.0.1:";
    if (url.rfind(scheme, 0) != 0)
        throw std::invalid_argument("--peer-url must start with " + scheme + " (loopback only)");
    std::size_t end = 0;
    const std::string rest = url.substr(scheme.size());
    const long port = rest.empty() || !std::isdigit(static_cast<unsigned char>(rest[0]))
                          ? 0
                          : std::stol(rest, &end);
    if (port <= 0 || port > 65535) throw std::invalid_argument("--peer-url: no valid port");
    PeerTarget t;
    t.port = static_cast<std::uint16_t>(port);
    t.prefix = rest.substr(end);
    while (!t.prefix.empty() && t.prefix.back() == '/') t.prefix.pop_back();
    if (!t.prefix.empty() && t.prefix[0] != '/')
        throw std::invalid_argument("--peer-url: a path must follow the port");
    if (t.prefix.find_first_of(" \r\n?#") != std::string::npos)
        throw std::invalid_argument("--peer-url: the path may hold no space, ? or #");
    return t;
}

std::vector<PeerClient> parse_peer_clients(const std::string& text) {
    std::vector<PeerClient> clients;
    std::istringstream lines(text);
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
        std::istringstream fields(line);
        PeerClient c;
        std::string extra;
        if (!(fields >> c.host >> c.user >> c.secret) || (fields >> extra) ||
            c.host.find_first_of("&?#%") != std::string::npos)
            throw std::invalid_argument("--peer-clients line " + std::to_string(number) +
                                        ": expected `host user secret`");
        clients.push_back(std::move(c));
    }
    return clients;
}

std::pair<std::string, std::vector<pid_t>> parse_peer_pids(const std::string& spec) {
    const auto eq = spec.find('=');
    // Prefixed, so a peer's `postgres` never takes the place of the benchmark's own group.
    std::string name = eq == std::string::npos ? "peer" : "peer_" + spec.substr(0, eq);
    std::istringstream list(eq == std::string::npos ? spec : spec.substr(eq + 1));
    std::vector<pid_t> pids;
    std::string item;
    while (std::getline(list, item, ',')) {
        if (item.empty() || item.find_first_not_of("0123456789") != std::string::npos)
            throw std::invalid_argument("--peer-pids: `" + item + "` is no PID in " + spec);
        pids.push_back(static_cast<pid_t>(std::stol(item)));
    }
    if (name == "peer_" || pids.empty())
        throw std::invalid_argument("--peer-pids: expected [NAME=]PID,PID..., got " + spec);
    return {name, pids};
}

void check_peer_settings(const Settings& s) {
    (void)load_peer(s);
}

void peer_phases(Context& cx, std::map<std::string, Result>& results, bool changes, bool nochg) {
    const Peer peer = load_peer(cx.settings);
    MeasureOptions options;
    for (const auto& [name, pids] : cx.external) options.processes.push_back(name);
    std::printf("\n== peer dyndns2 server at %s (%zu clients)\n", cx.settings.peer_url.c_str(),
                peer.clients.size());
    set_addresses(peer, kNochgAddress);
    std::vector<std::atomic<unsigned>> sent(static_cast<std::size_t>(kMaxClients));
    const auto next_change = [&](int c) {
        return peer_change_address(sent[static_cast<std::size_t>(c)]++);
    };
    for (int clients : {1, 8, 64}) {
        if (!changes) break;
        const std::string n = std::to_string(clients);
        results["peer.change." + n] = measure(cx, "peer.changes." + n, options, [&] {
            return closed_loop(peer, clients, cx.settings.seconds, next_change, "good");
        });
    }
    if (!nochg) return;
    set_addresses(peer, kNochgAddress);
    for (int clients : {8, 64}) {
        const std::string n = std::to_string(clients);
        results["peer.close." + n] = measure(cx, "peer.nochg.close." + n, options, [&] {
            return closed_loop(
                peer, clients, cx.settings.seconds, [](int) { return kNochgAddress; }, "nochg");
        });
    }
}

void print_peer_ratios(Context& cx, std::map<std::string, Result>& r) {
    std::printf("   gateway / peer dyndns2 server (%s):\n", cx.settings.peer_url.c_str());
    for (const char* c : {"1", "8", "64"})
        print_ratio(cx, std::string("changes_vs_peer.") + c, r["change." + std::string(c)].rate(),
                    r["peer.change." + std::string(c)].rate(), std::string(c) == "64" ? 30 : 0);
    for (const char* c : {"8", "64"})
        print_ratio(cx, std::string("nochg_vs_peer.close.") + c,
                    r["gateway.close." + std::string(c)].rate(),
                    r["peer.close." + std::string(c)].rate(), 0);
}

}  // namespace ddns::bench
