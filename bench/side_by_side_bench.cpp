// The side-by-side benchmark of issue #13, in one run against a real named and PostgreSQL that
// it starts itself: BIND alone (one change per UPDATE message), the gateway's change path and
// no-change path, and a POCO hello-world server as the HTTP ceiling; then the ratios the goals
// name, and optionally the memory and sweep cases. Every figure is also printed as a line
// `figure KEY VALUE UNIT` (bench/check_figures.py reads them). It asserts no speed.
//
//   ddns_side_by_side_bench [--quick] [--seconds S] [--quiet-load L] [--quiet-wait S]
//                           [--no-big] [--mem-hosts N] [--mem-connections N] [--sweep-hosts N]
//                           [--sweep-limit S] [--sweep-batch N] [--sweep-stale-stats]
//                           [--gateway-binary PATH]
//                           [--only side|changes|latency|nochg|sweep|mem|idle|peer]
//                           [--idle-hosts N]
//                           [--pg-statements] [--config-line 'key = value']...
//                           [--change-clients N,N...] [--http-threads N]
//                           [--peer-url URL --peer-clients FILE [--peer-pids [NAME=]PID,PID]...]
//
// --only runs one part: `side` the side-by-side measurements and their ratios, `changes` only
// BIND's and the gateway's change rates at 64 in flight (issue #13's change goal), `latency`
// only BIND's and the gateway's p50/p99 at 100 changes/s offered (the latency goal), `nochg` the
// no-change path and the hello-world ceiling alone (for profiling that path), `sweep` or `mem`
// one big case (whatever --no-big says). --config-line adds a line to the gateway's
// configuration (e.g. 'cache.ttl = 60' to measure with the principal cache). `idle` measures
// PostgreSQL's CPU with the gateway idle (after a restart, with --idle-hosts more hosts, and
// once more later) and at 100 changes/s; --pg-statements loads pg_stat_statements into the
// benchmark's cluster and prints the statements of every measurement. --peer-url measures
// a peer dyndns2 server (e.g. nsupdate.info) in the same run and prints the gateway's ratios to
// it (peer_bench.hpp); `--only peer` measures the peer alone. --sweep-stale-stats runs the sweep
// in the order that made it slow: the hosts table analyzed before the expired hosts are
// inserted and not again until the sweep ends (as when autovacuum has not come round yet).
// --gateway-binary runs another build's gateway (to compare two builds in the same minutes).
// --change-clients sets the in-flight counts of the change measurements, BIND's and the
// gateway's (default 1,8,64; 64 with --only changes). --http-threads sets the request threads
// of the gateway and of the hello-world server (default 64, the gateway's default).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "bench_context.hpp"
#include "mux_load.hpp"
#include "peer_bench.hpp"
#include "pg_profile.hpp"

namespace {

using namespace ddns::bench;
using ddns::test::GatewayStack;
using ddns::test::GatewayStackOptions;

const std::string kZone = "example.test";

std::string change_address(unsigned n) {
    return "198.51.100." + std::to_string(1 + n % 250);
}

// `external` gets the --peer-pids groups.
Settings parse(int argc, char** argv, std::map<std::string, std::vector<pid_t>>& external) {
    Settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : "0";
        if (flag == "--quick") {
            s.quick = true;
            s.seconds = 1;
            s.quiet_wait_s = 0;
            s.accounts = 64;
            s.mem_hosts = 2'000;
            s.mem_connections = 50;
            s.sweep_hosts = 300;
            continue;
        }
        if (flag == "--no-big") {
            s.big = false;
            continue;
        }
        if (flag == "--pg-statements") {
            s.pg_statements = true;
            continue;
        }
        if (flag == "--sweep-stale-stats") {
            s.sweep_stale_stats = true;
            continue;
        }
        ++i;
        if (flag == "--seconds")
            s.seconds = std::atof(value);
        else if (flag == "--quiet-load")
            s.quiet_load = std::atof(value);
        else if (flag == "--quiet-wait")
            s.quiet_wait_s = std::atof(value);
        else if (flag == "--http-threads")
            s.http_threads = std::atoi(value);
        else if (flag == "--mem-hosts")
            s.mem_hosts = std::atol(value);
        else if (flag == "--mem-connections")
            s.mem_connections = std::atoi(value);
        else if (flag == "--sweep-hosts")
            s.sweep_hosts = std::atol(value);
        else if (flag == "--sweep-limit")
            s.sweep_limit_s = std::atof(value);
        else if (flag == "--sweep-batch")
            s.sweep_batch = std::atol(value);
        else if (flag == "--idle-hosts")
            s.idle_hosts = std::atol(value);
        else if (flag == "--only" &&
                 (std::strcmp(value, "side") == 0 || std::strcmp(value, "changes") == 0 ||
                  std::strcmp(value, "latency") == 0 || std::strcmp(value, "nochg") == 0 ||
                  std::strcmp(value, "sweep") == 0 || std::strcmp(value, "mem") == 0 ||
                  std::strcmp(value, "idle") == 0 || std::strcmp(value, "peer") == 0))
            s.only = value;
        else if (flag == "--gateway-binary")
            s.gateway_binary = value;
        else if (flag == "--change-clients") {
            s.change_clients.clear();
            std::string list = value;
            for (std::size_t at = 0; at <= list.size();) {
                const std::size_t comma = std::min(list.find(',', at), list.size());
                const int n = std::atoi(list.substr(at, comma - at).c_str());
                if (n < 1 || n > 64) throw std::invalid_argument("--change-clients: 1 to 64 each");
                s.change_clients.push_back(n);
                at = comma + 1;
            }
        } else if (flag == "--config-line")
            s.extra_config += std::string(value) + "\n";
        else if (flag == "--peer-url")
            s.peer_url = value;
        else if (flag == "--peer-clients")
            s.peer_clients = value;
        else if (flag == "--peer-pids") {
            const auto [name, pids] = parse_peer_pids(value);
            external[name].insert(external[name].end(), pids.begin(), pids.end());
        } else
            throw std::invalid_argument("unknown flag " + flag);
    }
    if (!s.peer_url.empty() && s.peer_clients.empty())
        throw std::invalid_argument("--peer-url needs --peer-clients");
    if (s.peer_url.empty() && (s.only == "peer" || !external.empty()))
        throw std::invalid_argument("--only peer and --peer-pids need --peer-url");
    return s;
}

// Accounts b0..bN-1 (one argon2 hash, copied), each with host cN (changes) and nN (no-change).
void create_accounts(Context& cx) {
    const auto made = cx.stack->admin({"account", "add", "b0"}, "bench-password\n");
    if (made.exit_code != 0) throw std::runtime_error("account add failed: " + made.output);
    const std::string n = std::to_string(cx.settings.accounts - 1);
    cx.sql(
        "INSERT INTO accounts (username, password_hash, email, plan, dynamic_updates) "
        "SELECT 'b' || g, a.password_hash, '', a.plan, a.dynamic_updates "
        "FROM generate_series(1, " +
        n + ") g, accounts a WHERE a.username = 'b0'");
    cx.sql(
        "INSERT INTO hosts (zone_id, account_id, name, ttl) "
        "SELECT z.id, a.id, kind || substr(a.username, 2) || '.example.test', 60 "
        "FROM accounts a, zones z, (VALUES ('c'), ('n')) k(kind) "
        "WHERE a.username ~ '^b[0-9]+$' AND z.name = 'example.test'");
}

// --only idle: --idle-hosts more hosts of an account of their own (no addresses, so BIND needs
// no records for them), then the gateway restarted once the machine is quiet, so its start-up
// work (the reconciler's first pass) falls into the first idle window.
void idle_hosts_restart(Context& cx) {
    if (cx.settings.idle_hosts > 0) {
        cx.sql(
            "INSERT INTO accounts (username, password_hash, email, plan, dynamic_updates) "
            "SELECT 'idle', password_hash, '', plan, dynamic_updates FROM accounts "
            "WHERE username = 'b0'");
        cx.sql(
            "INSERT INTO hosts (zone_id, account_id, name, ttl) "
            "SELECT z.id, a.id, 'idle' || g || '.example.test', 60 "
            "FROM generate_series(1, " +
            std::to_string(cx.settings.idle_hosts) +
            ") g, zones z, accounts a WHERE z.name = 'example.test' AND a.username = 'idle'");
        cx.sql("ANALYZE");
    }
    wait_for_quiet(cx.settings.quiet_load, cx.settings.quiet_wait_s);
    cx.stack->stop_gateway();
    cx.stack->start_gateway();
}

struct Paths {
    std::vector<std::atomic<unsigned>> changes;  // per change host: addresses sent so far
    explicit Paths(int hosts) : changes(static_cast<std::size_t>(hosts)) {}
    unsigned next(int host) { return changes[static_cast<std::size_t>(host)]++; }
};

// The no-change measurements: a connection per request, keep-alive from a thread per
// connection, and keep-alive from event-driven clients (bench/mux_load.hpp).
constexpr const char* kNochgModes[] = {"close", "keepalive", "keepalive_ev"};

std::string change_head(int host, unsigned n) {
    const std::string h = std::to_string(host);
    return update_head("b" + h, "c" + h + ".example.test", change_address(n));
}

std::string nochg_head(int host) {
    const std::string h = std::to_string(host);
    return update_head("b" + h, "n" + h + ".example.test", "192.0.2.1");
}

bool starts_with(const std::string& text, const char* prefix) {
    return text.rfind(prefix, 0) == 0;
}

// Closed-loop HTTP load: client c sends head(c, i) over its own connection(s).
Result http_closed(std::uint16_t port, int clients, double seconds, bool keep_alive,
                   const std::function<std::string(int, std::size_t)>& head,
                   const std::function<bool(const HttpClient::Reply&)>& good) {
    std::vector<std::unique_ptr<HttpClient>> conns;
    for (int c = 0; c < clients; ++c)
        conns.push_back(std::make_unique<HttpClient>(port, loopback_source(c), keep_alive));
    return run_closed(clients, seconds, [&](int c, std::size_t i) {
        return good(conns[static_cast<std::size_t>(c)]->exchange(head(c, i)));
    });
}

// In-flight counts of the change measurements: 1, 8 and 64, or 64 alone for --only changes.
std::vector<int> change_clients(const Settings& s) {
    if (s.only == "latency") return {};
    if (!s.change_clients.empty()) return s.change_clients;
    return s.only == "changes" ? std::vector<int>{64} : std::vector<int>{1, 8, 64};
}

void bind_phases(Context& cx, std::map<std::string, Result>& results) {
    std::vector<std::atomic<unsigned>> counters(64);
    const auto change = [&](int name) {
        const unsigned n = counters[static_cast<std::size_t>(name % 64)]++;
        return cx.dns->change(kZone, "bind" + std::to_string(name % 64) + "." + kZone,
                              change_address(n));
    };
    const MeasureOptions named_only{{"named"}, false};
    for (int clients : change_clients(cx.settings))
        results["bind." + std::to_string(clients)] =
            measure(cx, "bind.changes." + std::to_string(clients), named_only, [&] {
                return run_closed(clients, cx.settings.seconds,
                                  [&](int c, std::size_t) { return change(c); });
            });
    if (cx.settings.only == "changes") return;
    results["bind.p99"] = measure(cx, "bind.at100", named_only, [&] {
        return run_rate(100, cx.settings.seconds, 32,
                        [&](int, std::size_t i) { return change(static_cast<int>(i % 64)); });
    });
}

// The principal cache's counters since the gateway started, as /metrics shows them.
void print_cache_counters(Context& cx) {
    std::istringstream lines(cx.stack->get("/metrics").body);
    for (std::string line; std::getline(lines, line);)
        if (starts_with(line, "ddns_principal_cache_")) std::printf("  %s\n", line.c_str());
}

// The sum of a metric's samples in a /metrics text (every label set).
double metric_sum(const std::string& metrics, std::string_view name) {
    std::istringstream lines(metrics);
    double sum = 0;
    for (std::string line; std::getline(lines, line);)
        if (line.compare(0, name.size(), name) == 0 && line.size() > name.size() &&
            (line[name.size()] == ' ' || line[name.size()] == '{'))
            sum += std::atof(line.substr(line.rfind(' ') + 1).c_str());
    return sum;
}

// The gateway's UPDATE messages and their operations so far, from one read of its /metrics.
struct MessageCounts {
    double messages = 0;
    double operations = 0;
};
MessageCounts message_counts(Context& cx) {
    const std::string metrics = cx.stack->get("/metrics").body;
    return {metric_sum(metrics, "ddns_dns_update_changes_count"),
            metric_sum(metrics, "ddns_dns_update_changes_sum")};
}

// UPDATE messages and their operations (a change of one address: a delete and an add) while
// `run` ran: how many requests the group commit put into one message.
template <class Run>
Result counting_messages(Context& cx, const std::string& key, Run run) {
    const MessageCounts before = message_counts(cx);
    Result r = run();
    const MessageCounts after = message_counts(cx);
    const double m = after.messages - before.messages;
    const double ops = after.operations - before.operations;
    std::printf("   UPDATE messages: %.0f, %.1f operations each\n", m, m > 0 ? ops / m : 0.0);
    cx.figure(key + ".messages", m, "count");
    cx.figure(key + ".operations_per_message", m > 0 ? ops / m : 0, "count");
    return r;
}

void gateway_change_phases(Context& cx, std::map<std::string, Result>& results) {
    Paths paths(cx.settings.accounts);
    const auto port = cx.stack->http_port();
    const MeasureOptions all{{"gateway", "postgres", "named"}, true};
    const auto good = [](const HttpClient::Reply& r) { return starts_with(r.body, "good"); };
    for (int clients :
         cx.settings.only == "idle" ? std::vector<int>{} : change_clients(cx.settings)) {
        const std::string key = "gateway.changes." + std::to_string(clients);
        results["change." + std::to_string(clients)] = counting_messages(cx, key, [&] {
            return measure(cx, key, all, [&] {
                return http_closed(
                    port, clients, cx.settings.seconds, false,
                    [&](int c, std::size_t) { return change_head(c, paths.next(c)); }, good);
            });
        });
    }
    print_cache_counters(cx);
    if (cx.settings.only == "changes") return;
    if (cx.settings.only == "idle") {
        // Between the idle windows and the 100 changes/s: what the database does at rest.
        idle_window(cx, "idle.later", cx.settings.seconds, true);
    }
    results["change.p99"] = measure(cx, "gateway.changes.at100", all, [&] {
        std::vector<std::unique_ptr<HttpClient>> conns;
        for (int w = 0; w < 32; ++w)
            conns.push_back(std::make_unique<HttpClient>(port, loopback_source(w), false));
        return run_rate(100, cx.settings.seconds, 32, [&](int w, std::size_t i) {
            const int host = static_cast<int>(i % 64);
            return good(
                conns[static_cast<std::size_t>(w)]->exchange(change_head(host, paths.next(host))));
        });
    });
}

void nochg_and_hello_phases(Context& cx, std::map<std::string, Result>& results,
                            const std::string& side, std::uint16_t port,
                            const MeasureOptions& options) {
    const auto good = [&](const HttpClient::Reply& r) {
        return side == "hello" ? r.status == 200 : starts_with(r.body, "nochg");
    };
    const auto head = [](int c, std::size_t) { return nochg_head(c); };
    // Event-driven clients: one thread per two cores, as wrk's default on a small machine.
    const int mux_threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency() / 2));
    for (const char* mode : kNochgModes)
        for (int clients : {8, 64}) {
            const std::string m = mode;
            const std::string key = side + "." + m + "." + std::to_string(clients);
            results[key] = measure(
                cx,
                (side == "hello" ? "hello." : "gateway.nochg.") + m + "." + std::to_string(clients),
                options, [&] {
                    if (m == "keepalive_ev")
                        return run_closed_multiplexed(port, clients, mux_threads,
                                                      cx.settings.seconds, head, good);
                    return http_closed(port, clients, cx.settings.seconds, m == "keepalive", head,
                                       good);
                });
        }
}

void hello_phases(Context& cx, std::map<std::string, Result>& results) {
    const auto port = ddns::test::free_port();
    ddns::test::TempDir dir("ddns-hello");
    ddns::test::ChildProcess hello(
        {std::string(DDNS_BENCH_DIR) + "/ddns_poco_hello", std::to_string(port),
         std::to_string(cx.settings.http_threads), "256", "100", "10"},
        dir.path() / "hello.log");
    if (!ddns::test::wait_until([&] { return ddns::test::tcp_port_open(port); }))
        throw std::runtime_error("the hello-world server did not start: " + hello.log());
    nochg_and_hello_phases(cx, results, "hello", port, {{"hello"}, false});
}

void ratio(Context& cx, const std::string& key, double value, double goal, bool at_least) {
    const bool met = at_least ? value >= goal : value <= goal;
    std::printf("   %-42s %8.2f  (goal %s %.2f: %s)\n", key.c_str(), value,
                at_least ? ">=" : "<=", goal, met ? "met" : "NOT met");
    cx.figure("ratio." + key, value, at_least ? "x" : "ms");
}

void print_ratios(Context& cx, std::map<std::string, Result>& r) {
    std::printf("\n== ratios (this run)\n");
    if (cx.settings.only != "nochg") {
        for (const char* c : {"1", "8", "64"}) {
            const double bind = r["bind." + std::string(c)].rate();
            ratio(cx, std::string("changes_vs_bind.") + c,
                  bind > 0 ? r["change." + std::string(c)].rate() / bind : 0, 4.0, true);
        }
        ratio(cx, "change_p99_minus_bind_p99", r["change.p99"].pct(0.99) - r["bind.p99"].pct(0.99),
              5.0, false);
    }
    for (const char* mode : kNochgModes)
        for (const char* c : {"8", "64"}) {
            const std::string k = std::string(mode) + "." + c;
            const double hello = r["hello." + k].rate();
            ratio(cx, "nochg_vs_hello." + k, hello > 0 ? r["gateway." + k].rate() / hello : 0,
                  std::string(mode) == "close" ? 0.6 : 0.8, true);
        }
    if (cx.settings.peer_url.empty())
        std::printf("   peer dyndns2 server (e.g. nsupdate.info): not measured (--peer-url)\n");
    else
        print_peer_ratios(cx, r);
}

GatewayStackOptions stack_options(const Settings& s) {
    GatewayStackOptions o;
    o.zones = {kZone, "sweep.test"};
    o.log_level = "info";
    o.database_pool_size = 8;  // the production default
    o.gateway_binary = s.gateway_binary;
    // Held connections of the memory case must outlive the measurement; the throttle never
    // sees a wrong password here. /metrics on the gateway's port: the benchmark reads its
    // UPDATE messages and cache counters there.
    o.extra_config =
        "http.keepalive_timeout = 600\nhttp.threads = " + std::to_string(s.http_threads) +
        "\nmetrics.on_public_listeners = true\n" + s.extra_config;
    if (s.sweep_batch > 0)
        o.extra_config += "sweep.batch_size = " + std::to_string(s.sweep_batch) + "\n";
    if (s.pg_statements)
        o.postgres_settings = {"shared_preload_libraries=pg_stat_statements",
                               "pg_stat_statements.track=all"};
    return o;
}

}  // namespace

int main(int argc, char** argv) try {
    Context cx;
    cx.settings = parse(argc, argv, cx.external);
    cx.comms = {{"ddns-gateway", "gateway"},
                {"postgres", "postgres"},
                {"named", "named"},
                {"ddns_poco_hello", "hello"}};
    if (!cx.settings.peer_url.empty()) check_peer_settings(cx.settings);
    raise_file_limit();
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::printf(
        "ddns side-by-side benchmark: %s, %.0f s per measurement, quiet below load %.2f "
        "(wait at most %.0f s), %d request threads, %u cores\n",
        cx.settings.quick ? "quick" : "full", cx.settings.seconds, cx.settings.quiet_load,
        cx.settings.quiet_wait_s, cx.settings.http_threads, std::thread::hardware_concurrency());
    cx.stack = std::make_unique<GatewayStack>(stack_options(cx.settings));
    cx.dns = std::make_unique<DnsLoad>(cx.stack->named().port(), cx.stack->named().key_file());
    create_accounts(cx);
    if (cx.settings.pg_statements) cx.sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    const bool side = cx.settings.runs("side");
    const bool latency = cx.settings.only == "latency";
    const bool changes = side || latency || cx.settings.only == "changes";
    const bool nochg = side || cx.settings.only == "nochg";
    // Warm-up: every no-change host gets its address, every password is checked once (cached).
    for (int a = 0; (changes || nochg || cx.settings.only == "idle") && a < cx.settings.accounts;
         ++a) {
        HttpClient client(cx.stack->http_port(), "127.0.0.1", false);
        client.exchange(nochg_head(a));
        client.exchange(change_head(a, 249));
    }
    std::map<std::string, Result> results;
    if (cx.settings.only == "idle") {
        idle_hosts_restart(cx);
        idle_window(cx, "idle.start", cx.settings.seconds, false);
        gateway_change_phases(cx, results);
    }
    if (changes) {
        bind_phases(cx, results);
        gateway_change_phases(cx, results);
    }
    if (nochg) {
        nochg_and_hello_phases(cx, results, "gateway", cx.stack->http_port(),
                               {{"gateway", "postgres"}, true});
        hello_phases(cx, results);
    }
    const bool peer_only = cx.settings.only == "peer";
    if (!cx.settings.peer_url.empty() && (changes || nochg || peer_only))
        peer_phases(cx, results, changes || peer_only, nochg || peer_only);
    if (side || cx.settings.only == "nochg") {
        print_ratios(cx, results);
    } else if (latency) {
        std::printf("\n== ratios (this run)\n");
        ratio(cx, "change_p99_minus_bind_p99",
              results["change.p99"].pct(0.99) - results["bind.p99"].pct(0.99), 5.0, false);
    } else if (changes) {
        std::printf("\n== ratios (this run)\n");
        ratio(cx, "changes_vs_bind.64",
              results["bind.64"].rate() > 0
                  ? results["change.64"].rate() / results["bind.64"].rate()
                  : 0,
              4.0, true);
        if (!cx.settings.peer_url.empty()) print_peer_ratios(cx, results);
    }
    // The sweep first: its hosts are then the only due ones in a table of normal size.
    if (cx.settings.only == "sweep" || (cx.settings.big && cx.settings.only.empty()))
        sweep_case(cx);
    if (cx.settings.only == "mem" || (cx.settings.big && cx.settings.only.empty())) memory_case(cx);
    for (const auto& m : cx.missing) std::printf("MISSING: %s\n", m.c_str());
    std::printf("\ndone: %zu figures missing\n", cx.missing.size());
    return cx.missing.empty() ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "benchmark failed: %s\n", e.what());
    return 1;
}
