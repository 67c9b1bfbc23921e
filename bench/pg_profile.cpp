// What PostgreSQL does while the gateway is idle and at a steady low change rate (issue #13):
// CPU per PostgreSQL process (by its title: checkpointer, walwriter, autovacuum, backends) and,
// with --pg-statements, the statements that ran (pg_stat_statements, loaded into the
// benchmark's own throwaway cluster only).
#include "pg_profile.hpp"

#include <unistd.h>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace ddns::bench {
namespace {

// "postgres: checkpointer" -> "checkpointer"; a backend's title names its user and database.
std::string process_title(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
    std::string title;
    for (std::string part; std::getline(in, part, '\0');) title += part + " ";
    const std::string prefix = "postgres: ";
    if (title.rfind(prefix, 0) != 0) return "postmaster (and exited backends)";
    title = title.substr(prefix.size());
    if (title.rfind("postgres ddns", 0) == 0 || title.rfind("postgres postgres", 0) == 0)
        return "backends";
    while (!title.empty() && title.back() == ' ') title.pop_back();
    return title;
}

std::map<std::string, double> cpu_by_title(Context& cx) {
    std::map<std::string, double> out;
    auto groups = find_processes(cx.comms);
    for (pid_t pid : groups["postgres"].pids)
        out[process_title(pid)] += cpu_seconds(ProcessGroup{"", {pid}});
    return out;
}

std::map<std::string, double> cpu_by_group(Context& cx) {
    std::map<std::string, double> out;
    for (const auto& [name, group] : find_processes(cx.comms)) out[name] = cpu_seconds(group);
    return out;
}

// Rows changed in the tables the change path writes, and the WAL, as counted at the last
// statements_reset: the cumulative counters are compared instead of reset, since resetting them
// would also reset what autovacuum decides by.
constexpr const char* kTableCounters =
    "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables "
    "WHERE relname IN ('hosts', 'update_log', 'host_counters') "
    "UNION ALL SELECT 'WAL', wal_records, wal_fpi, wal_bytes, 0 FROM pg_stat_wal ORDER BY 1";

std::map<std::string, std::array<double, 4>> table_counters(Context& cx) {
    std::map<std::string, std::array<double, 4>> out;
    std::istringstream rows(cx.sql(kTableCounters));
    for (std::string line; std::getline(rows, line);) {
        std::istringstream f(line);
        std::string name, value;
        std::getline(f, name, '|');
        auto& counts = out[name];
        for (double& count : counts) {
            std::getline(f, value, '|');
            count = std::atof(value.c_str());
        }
    }
    return out;
}

std::map<std::string, std::array<double, 4>> counters_at_reset;

void print_table_counters(Context& cx) {
    // Backends report their table counts when idle, at most once a second: let them.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    for (const auto& [name, after] : table_counters(cx)) {
        std::array<double, 4> d{};
        for (std::size_t i = 0; i < d.size(); ++i) d[i] = after[i] - counters_at_reset[name][i];
        if (name == "WAL")
            std::printf("   WAL: %.0f records, %.0f full pages, %.1f MB\n", d[0], d[1], d[2] / 1e6);
        else
            std::printf(
                "   %-13s rows inserted %.0f, updated %.0f (HOT %.0f, %.0f%%), deleted %.0f\n",
                name.c_str(), d[0], d[1], d[2], d[1] > 0 ? 100 * d[2] / d[1] : 0.0, d[3]);
    }
}

}  // namespace

void statements_reset(Context& cx) {
    if (!cx.settings.pg_statements) return;
    cx.sql("SELECT pg_stat_statements_reset()");
    counters_at_reset = table_counters(cx);
}

void statements_print(Context& cx, const std::string& title, double seconds) {
    if (!cx.settings.pg_statements) return;
    print_table_counters(cx);
    std::printf(
        "   statements (%s, %.0f s): calls/s, total ms, mean ms, rows/call, buffers/call, "
        "WAL bytes/call, query\n",
        title.c_str(), seconds);
    const std::string rows = cx.sql(
        "SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3), "
        "round(rows::numeric / greatest(calls, 1), 1), "
        "round((shared_blks_hit + shared_blks_read)::numeric / greatest(calls, 1), 1), "
        "round(wal_bytes / greatest(calls, 1)), "
        "left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
        "FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' "
        "ORDER BY total_exec_time DESC LIMIT 25");
    std::istringstream in(rows);
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::string calls, total, mean, per_call, buffers, wal, query;
        std::getline(f, calls, '|');
        std::getline(f, total, '|');
        std::getline(f, mean, '|');
        std::getline(f, per_call, '|');
        std::getline(f, buffers, '|');
        std::getline(f, wal, '|');
        std::getline(f, query);
        std::printf("   %8.2f %9s %8s %7s %7s %7s  %s\n", std::atof(calls.c_str()) / seconds,
                    total.c_str(), mean.c_str(), per_call.c_str(), buffers.c_str(), wal.c_str(),
                    query.c_str());
    }
}

void idle_window(Context& cx, const std::string& key, double seconds, bool wait) {
    const Quiet q = wait_for_quiet(cx.settings.quiet_load, wait ? cx.settings.quiet_wait_s : 0);
    std::printf("\n== %s: %.0f s with the gateway idle, load %.2f at start%s\n", key.c_str(),
                seconds, q.load_at_start, q.quiet ? "" : " (NOT QUIET)");
    cx.figure(key + ".load1", q.load_at_start, "load");
    statements_reset(cx);
    const auto groups_before = cpu_by_group(cx);
    const auto titles_before = cpu_by_title(cx);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const auto groups_after = cpu_by_group(cx);
    const auto titles_after = cpu_by_title(cx);
    for (const auto& [name, after] : groups_after) {
        const auto before = groups_before.find(name);
        const double used = after - (before == groups_before.end() ? 0 : before->second);
        std::printf("   %-9s CPU %.3f s (%.1f ms per second)\n", name.c_str(), used,
                    used * 1000 / seconds);
        cx.figure(key + ".cpu_ms_per_s." + name, used * 1000 / seconds, "ms");
    }
    for (const auto& [title, after] : titles_after) {
        const auto before = titles_before.find(title);
        const double used = after - (before == titles_before.end() ? 0 : before->second);
        std::printf("     postgres %-34s %.1f ms per second\n", title.c_str(),
                    used * 1000 / seconds);
    }
    statements_print(cx, key, seconds);
    std::fflush(stdout);
}

}  // namespace ddns::bench
