#include "bench_context.hpp"

#include "pg_profile.hpp"

#include <cstdio>
#include <stdexcept>
#include <thread>

namespace ddns::bench {
namespace {

long update_log_rows(Context& cx) {
    return std::atol(cx.stack->sql("SELECT coalesce(sum(repeats), 0) FROM update_log").c_str());
}

// The update log is written in the background: waits until it holds `expected` more rows than
// `before` or stops growing for 3 s (at most 30 s), and returns how many it gained.
long settled_log_rows(Context& cx, long before, long expected) {
    long last = update_log_rows(cx);
    auto changed = Clock::now();
    const auto give_up = Clock::now() + std::chrono::seconds(30);
    while (last - before < expected && Clock::now() - changed < std::chrono::seconds(3) &&
           Clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        const long now = update_log_rows(cx);
        if (now != last) changed = Clock::now();
        last = now;
    }
    return last - before;
}

// The benchmark's own processes (by command name) and the external groups (by PID).
std::map<std::string, ProcessGroup> processes(const Context& cx) {
    auto groups = find_processes(cx.comms);
    for (const auto& [name, roots] : cx.external) groups[name] = {name, with_descendants(roots)};
    return groups;
}

}  // namespace

void Context::figure(const std::string& key, double value, const std::string& unit) {
    std::printf("figure %-44s %14.3f %s\n", key.c_str(), value, unit.c_str());
    std::fflush(stdout);
}

std::string Context::sql(const std::string& statement, int timeout_s) {
    const auto r =
        ddns::test::run_command({ddns::test::find_program("psql"), "-X", "-A", "-t", "-q", "-v",
                                 "ON_ERROR_STOP=1", "-d", stack->conninfo(), "-c", statement},
                                std::chrono::seconds(timeout_s));
    if (r.exit_code != 0) throw std::runtime_error("psql failed: " + r.output);
    std::string out = r.output;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

Result measure(Context& cx, const std::string& key, const MeasureOptions& options,
               const std::function<Result()>& run) {
    const Quiet q = wait_for_quiet(cx.settings.quiet_load, cx.settings.quiet_wait_s);
    std::printf("\n== %s: load %.2f at start", key.c_str(), q.load_at_start);
    if (q.quiet)
        std::printf(" (quiet: below %.2f after %.0f s)\n", cx.settings.quiet_load, q.waited_s);
    else
        std::printf(
            " (NOT QUIET: load still >= %.2f, or connection tracking half full, after waiting "
            "%.0f s; figures are of a busy machine)\n",
            cx.settings.quiet_load, q.waited_s);
    if (q.conntrack_at_start.max > 0)
        std::printf("   connection tracking at start: %ld of %ld entries\n",
                    q.conntrack_at_start.count, q.conntrack_at_start.max);
    cx.figure(key + ".load1", q.load_at_start, "load");
    cx.figure(key + ".quiet", q.quiet ? 1 : 0, "bool");

    const long log_before = options.update_log ? update_log_rows(cx) : 0;
    auto groups = processes(cx);
    std::map<std::string, double> cpu_before;
    std::map<std::string, long> switches_before;
    for (const auto& name : options.processes) {
        cpu_before[name] = cpu_seconds(groups[name]);
        switches_before[name] = context_switches(groups[name]);
    }
    MemorySampler sampler(groups);
    statements_reset(cx);
    const double own_before = own_cpu_seconds();
    const long own_switches_before = own_context_switches();
    const auto started = Clock::now();
    const Result r = run();
    const double window = std::chrono::duration<double>(Clock::now() - started).count();
    const double own_cpu = own_cpu_seconds() - own_before;
    const long own_switches = own_context_switches() - own_switches_before;
    double servers_cpu = 0;  // of the measured processes
    const auto peaks = sampler.stop();
    auto after = processes(cx);

    std::printf("   %.1f/s  ok=%zu errors=%zu in %.1f s  p50 %.2f ms  p99 %.2f ms\n", r.rate(),
                r.ok, r.errors, r.seconds, r.pct(0.5), r.pct(0.99));
    if (const auto ct = conntrack(); ct.at_least(0.95)) {
        std::printf(
            "   CONNECTION TRACKING FULL: %ld of %ld entries at the end; new connections' packets "
            "were likely dropped, so this rate says more about the table than the server\n",
            ct.count, ct.max);
        cx.figure(key + ".conntrack_full", 1, "bool");
    }
    cx.figure(key + ".rate", r.rate(), "per_s");
    cx.figure(key + ".p50", r.pct(0.5), "ms");
    cx.figure(key + ".p99", r.pct(0.99), "ms");
    cx.figure(key + ".errors", static_cast<double>(r.errors), "count");
    if (r.ok == 0) cx.missing.push_back(key + " (no successful request)");
    for (const auto& name : options.processes) {
        if (after[name].pids.empty()) {
            cx.missing.push_back(key + ": no " + name + " process found");
            continue;
        }
        const double cpu = cpu_seconds(after[name]) - cpu_before[name];
        servers_cpu += cpu;
        // The CPU time covers every request sent, also those answered after the window.
        const double sent = static_cast<double>(r.requests() + r.late);
        const double per_k = sent > 0 ? cpu * 1000.0 / sent : 0.0;
        const auto peak = peaks.find(name);
        const long kib = peak == peaks.end() ? -1 : peak->second;
        const double switches =
            sent > 0
                ? static_cast<double>(context_switches(after[name]) - switches_before[name]) / sent
                : 0.0;
        std::printf(
            "   %-9s CPU %.2f s (%.3f s per 1,000 requests), peak memory %.1f MiB, %.2f context "
            "switches per request\n",
            name.c_str(), cpu, per_k, static_cast<double>(kib) / 1024.0, switches);
        cx.figure(key + ".switches." + name, switches, "count");
        cx.figure(key + ".cpu_per_1k." + name, per_k, "cpu_s");
        cx.figure(key + ".mem_peak." + name, static_cast<double>(kib) / 1024.0, "MiB");
    }
    // The load generator shares the cores with the servers: its own CPU, and the cores that the
    // servers and it used together (their CPU seconds over the measurement's wall time; not
    // /proc/stat, whose busy share disagreed with the processes' own figures on some runs),
    // say whether a rate was bound by the cores or by waiting.
    {
        const double sent = static_cast<double>(r.requests() + r.late);
        const double per_k = sent > 0 ? own_cpu * 1000.0 / sent : 0.0;
        const double cores = window > 0 ? (servers_cpu + own_cpu) / window : 0;
        const double switches = sent > 0 ? static_cast<double>(own_switches) / sent : 0.0;
        std::printf(
            "   load generator CPU %.2f s (%.3f s per 1,000 requests), %.2f context switches per "
            "request; %.2f of %u cores used\n",
            own_cpu, per_k, switches, cores, std::thread::hardware_concurrency());
        cx.figure(key + ".switches.loadgen", switches, "count");
        cx.figure(key + ".cpu_per_1k.loadgen", per_k, "cpu_s");
        cx.figure(key + ".cores_used", cores, "cores");
    }
    if (options.update_log) {
        const auto sent = static_cast<long>(r.requests() + r.late);
        const long rows = settled_log_rows(cx, log_before, sent);
        const double share =
            sent ? 100.0 * static_cast<double>(rows) / static_cast<double>(sent) : 0.0;
        std::printf("   update log: %ld rows for %ld requests sent (%.1f%%)\n", rows, sent, share);
        cx.figure(key + ".log_rows", static_cast<double>(rows), "count");
        cx.figure(key + ".log_complete", share, "percent");
    }
    statements_print(cx, key, r.seconds);
    std::fflush(stdout);
    return r;
}

std::string update_head(const std::string& user, const std::string& host,
                        const std::string& address) {
    return "GET /nic/update?hostname=" + host + "&myip=" + address +
           " HTTP/1.1\r\nHost: gw\r\nUser-Agent: ddns-bench/1.0\r\nAuthorization: Basic " +
           ddns::test::base64(user + ":bench-password");
}

}  // namespace ddns::bench
