// A storm of cold logins against the real binary (issue #13): --logins accounts, each logging in
// once, all at the same moment, with the interactive argon2 cost (64 MiB, 2 passes). Prints how
// the logins were answered (good, or abuse when no argon2 slot came free in time), p50/p99, the
// gateway's RSS before and its peak (VmHWM) after, and the load average. Asserts nothing.
//
//   ddns_argon2_bench [--logins N] [--budget-mib B] [--timeout-ms T]   (defaults 64, 256, 2000)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gateway_stack.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using ddns::test::GatewayStack;
using ddns::test::GatewayStackOptions;

constexpr const char* kPassword = "storm-password-1";

long status_kib(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
    }
    return -1;
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string one;
    in >> one;
    return one;
}

struct Reply {
    double ms = 0;
    std::string body;
};

}  // namespace

int main(int argc, char** argv) {
    int logins = 64;
    long budget_mib = 256;
    long timeout_ms = 2000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const long value = std::atol(argv[i + 1]);
        if (flag == "--logins") logins = static_cast<int>(value);
        if (flag == "--budget-mib") budget_mib = value;
        if (flag == "--timeout-ms") timeout_ms = value;
    }
    GatewayStackOptions options;
    options.argon2_config =
        "auth.argon2_opslimit = 2\nauth.argon2_memlimit_kib = 65536\n"
        "auth.argon2_memory_budget_mib = " +
        std::to_string(budget_mib) +
        "\nauth.argon2_queue_timeout_ms = " + std::to_string(timeout_ms) + "\n";
    options.extra_config =
        "auth.lockout_failures = 0\nauth.account_lockout_failures = 0\n"
        "auth.address_lockout_failures = 0\n";
    GatewayStack stack(options);
    std::vector<std::string> users;
    for (int i = 0; i < logins; ++i) {
        users.push_back("storm" + std::to_string(i));
        stack.add_account(users.back(), kPassword);
        stack.add_host(users.back() + ".example.test", users.back());
    }
    const pid_t pid = stack.gateway_pid();
    const long before_kib = status_kib(pid, "VmRSS");
    const std::string load = load_average();

    std::vector<Reply> replies(static_cast<std::size_t>(logins));
    std::vector<std::thread> threads;
    for (int i = 0; i < logins; ++i) {
        threads.emplace_back([&, i] {
            const auto& user = users[static_cast<std::size_t>(i)];
            const auto start = Clock::now();
            const auto r =
                stack.get("/nic/update?hostname=" + user + ".example.test&myip=192.0.2.9",
                          std::pair{user, std::string(kPassword)});
            auto& out = replies[static_cast<std::size_t>(i)];
            out.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
            out.body = r.body;
        });
    }
    for (auto& t : threads) t.join();
    const long peak_kib = status_kib(pid, "VmHWM");

    std::vector<double> ms;
    int good = 0, busy = 0, other = 0;
    for (const auto& r : replies) {
        ms.push_back(r.ms);
        if (r.body.rfind("good", 0) == 0)
            ++good;
        else if (r.body == "911")
            ++busy;
        else
            ++other;
    }
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) {
        return ms[static_cast<std::size_t>(p * static_cast<double>(ms.size() - 1))];
    };
    const long slots = std::max(1L, budget_mib / 64);
    std::printf(
        "cold-login storm: %d logins at once, argon2id 64 MiB x2, budget %ld MiB "
        "(%ld runs at once), queue timeout %ld ms, load %s\n",
        logins, budget_mib, slots, timeout_ms, load.c_str());
    std::printf("  answered: good=%d busy(911)=%d other=%d  p50=%.0f ms p99=%.0f ms\n", good, busy,
                other, pct(0.5), pct(0.99));
    std::printf("  gateway RSS before %ld MiB, peak (VmHWM) %ld MiB\n", before_kib / 1024,
                peak_kib / 1024);
    return 0;
}
