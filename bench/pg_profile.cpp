// What PostgreSQL does while the gateway is idle and at a steady low change rate (issue #13):
// CPU per PostgreSQL process (by its title: checkpointer, walwriter, autovacuum, backends) and,
// with --pg-statements, the statements that ran (pg_stat_statements, loaded into the
// benchmark's own throwaway cluster only).
#include "pg_profile.hpp"

#include <unistd.h>
#include <algorithm>
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

}  // namespace

void statements_reset(Context& cx) {
    if (!cx.settings.pg_statements) return;
    cx.sql("SELECT pg_stat_statements_reset()");
}

void statements_print(Context& cx, const std::string& title, double seconds) {
    if (!cx.settings.pg_statements) return;
    std::printf("   statements (%s, %.0f s): calls/s, total ms, mean ms, rows/call, query\n",
                title.c_str(), seconds);
    const std::string rows = cx.sql(
        "SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3), "
        "round(rows::numeric / greatest(calls, 1), 1), "
        "left(regexp_replace(query, '\\s+', ' ', 'g'), 110) "
        "FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' "
        "ORDER BY total_exec_time DESC LIMIT 25");
    std::istringstream in(rows);
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::string calls, total, mean, per_call, query;
        std::getline(f, calls, '|');
        std::getline(f, total, '|');
        std::getline(f, mean, '|');
        std::getline(f, per_call, '|');
        std::getline(f, query);
        std::printf("   %8.2f %9s %8s %7s  %s\n", std::atof(calls.c_str()) / seconds, total.c_str(),
                    mean.c_str(), per_call.c_str(), query.c_str());
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
