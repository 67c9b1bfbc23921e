// What every phase of the side-by-side benchmark shares: the settings, the running stack, the
// figures printed so far, and one measurement with its quiet-machine wait, CPU, memory and
// update-log accounting.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "dns_load.hpp"
#include "gateway_stack.hpp"

namespace ddns::bench {

struct Settings {
    bool quick = false;
    double seconds = 10;             // per throughput measurement
    double quiet_load = 2.0;         // 1-minute load average that counts as quiet
    double quiet_wait_s = 60;        // longest wait for it before each measurement
    int http_threads = 64;           // the gateway's default; the hello server gets the same
    int accounts = 64;               // one change host and one no-change host each (>= clients)
    bool big = true;                 // the memory and sweep cases
    long mem_hosts = 1'000'000;      // hosts in the database for the memory case
    int mem_connections = 1'000;     // connections held open for it
    long sweep_hosts = 100'000;      // expired hosts for the sweep case
    double sweep_limit_s = 300;      // longest wait for them to be gone from DNS
    long sweep_batch = 0;            // sweep.batch_size for the gateway (0: its default)
    bool sweep_stale_stats = false;  // ANALYZE before the insert, no autovacuum until swept
    std::string gateway_binary;      // another build's gateway (empty: this build's)
    // --only PART: run one part alone ("side", "changes", "nochg", "sweep", "mem"); empty runs
    // all.
    std::string only;
    bool runs(const std::string& part) const { return only.empty() || only == part; }
    long idle_hosts = 0;              // --only idle: more hosts for the reconciler's first pass
    bool pg_statements = false;       // --pg-statements: pg_stat_statements in the test cluster
    std::vector<int> change_clients;  // --change-clients 1,8,64 (empty: the part's default)
    std::string extra_config;  // --config-line 'key = value' lines (repeatable) for the gateway
    // A peer dyndns2 server measured beside the gateway (peer_bench.hpp); none without a URL.
    std::string peer_url;
    std::string peer_clients;  // its clients file
};

struct Context {
    Settings settings;
    std::unique_ptr<ddns::test::GatewayStack> stack;
    std::unique_ptr<DnsLoad> dns;
    std::map<std::string, std::string> comms;  // /proc comm -> group name
    // Groups of processes this benchmark did not start (a peer server's, by PID): name -> the
    // PIDs given; each measurement counts them with their live descendants.
    std::map<std::string, std::vector<pid_t>> external;
    std::vector<std::string> missing;  // figures that could not be measured

    // Prints `key value unit` as a line the checker reads ("figure KEY VALUE UNIT").
    void figure(const std::string& key, double value, const std::string& unit);
    // SQL through psql with a timeout fit for bulk statements; throws on failure.
    std::string sql(const std::string& statement, int timeout_s = 600);
};

struct MeasureOptions {
    std::vector<std::string> processes;  // groups whose CPU and memory are reported
    bool update_log = false;             // count update_log rows against requests sent
};

// Waits for a quiet machine, runs `run`, and prints and records the measurement's figures
// under `key`: rate, p50, p99, errors, load, CPU seconds per 1,000 requests and peak memory per
// process, update-log completeness.
Result measure(Context& cx, const std::string& key, const MeasureOptions& options,
               const std::function<Result()>& run);

// The memory case (hosts in the database, connections held open) and the offline sweep.
void memory_case(Context& cx);
void sweep_case(Context& cx);

// A dyndns2 update request head for the benchmark's accounts (password "bench-password").
std::string update_head(const std::string& user, const std::string& host,
                        const std::string& address);

}  // namespace ddns::bench
