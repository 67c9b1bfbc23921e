// Throughput of the gateway on its two main paths, measured end to end against a real
// PostgreSQL, a real named and the real binary, with a new connection per request (as routers
// do). Prints requests per second and latency percentiles; it asserts nothing (goals live here,
// not in timed unit tests).
//
//   ddns_bench [--clients N] [--seconds S] [--hosts H] [--throttle off|memory|shared]
//
// --throttle memory/shared: the throttle on with thresholds the bench never reaches, in this
// process only or shared through PostgreSQL, to measure what counting costs on each path.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "gateway_stack.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using ddns::test::GatewayStack;
using ddns::test::GatewayStackOptions;

struct Result {
    std::size_t ok = 0;
    std::size_t errors = 0;
    std::vector<double> latencies_ms;
};

// Runs `clients` threads for `seconds`; request i of client c is make(c, i). A reply whose body
// starts with `expect` counts as ok.
template <typename Make>
Result run(GatewayStack& stack, int clients, int seconds, const std::string& expect, Make make) {
    std::vector<Result> per(static_cast<std::size_t>(clients));
    std::vector<std::thread> threads;
    const auto end = Clock::now() + std::chrono::seconds(seconds);
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            Result& r = per[static_cast<std::size_t>(c)];
            for (std::size_t i = 0; Clock::now() < end; ++i) {
                const auto start = Clock::now();
                const auto reply = stack.raw(make(c, i));
                const double ms =
                    std::chrono::duration<double, std::milli>(Clock::now() - start).count();
                r.latencies_ms.push_back(ms);
                if (reply.body.rfind(expect, 0) == 0)
                    ++r.ok;
                else
                    ++r.errors;
            }
        });
    }
    for (auto& t : threads) t.join();
    Result all;
    for (auto& r : per) {
        all.ok += r.ok;
        all.errors += r.errors;
        all.latencies_ms.insert(all.latencies_ms.end(), r.latencies_ms.begin(),
                                r.latencies_ms.end());
    }
    std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
    return all;
}

void report(const char* name, const Result& r, int seconds) {
    auto pct = [&](double p) {
        if (r.latencies_ms.empty()) return 0.0;
        return r.latencies_ms[static_cast<std::size_t>(
            p * static_cast<double>(r.latencies_ms.size() - 1))];
    };
    std::printf("%-28s %8.1f req/s  ok=%zu errors=%zu  p50=%.2f ms p99=%.2f ms\n", name,
                static_cast<double>(r.ok) / seconds, r.ok, r.errors, pct(0.5), pct(0.99));
}

std::string request(const std::string& user, const std::string& password,
                    const std::string& query) {
    return "GET /nic/update?" + query +
           " HTTP/1.1\r\nHost: gw\r\nUser-Agent: ddns-bench\r\n"
           "Authorization: Basic " +
           ddns::test::base64(user + ":" + password) + "\r\nConnection: close\r\n\r\n";
}

}  // namespace

int main(int argc, char** argv) {
    int clients = 8;
    int seconds = 5;
    int hosts = 64;
    std::string throttle = "off";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const int value = std::atoi(argv[i + 1]);
        if (flag == "--throttle") throttle = argv[i + 1];
        if (flag == "--clients")
            clients = value;
        else if (flag == "--seconds")
            seconds = value;
        else if (flag == "--hosts")
            hosts = value;
    }
    // The badauth phase measures what a wrong password costs (one argon2 run); with the
    // brute-force throttle on, the bench's own guessing would be refused unchecked within a few
    // requests, so the throttle is off here.
    GatewayStackOptions options;
    options.extra_config =
        throttle == "off" ? "auth.lockout_failures = 0\nauth.account_lockout_failures = 0\n"
                            "auth.address_lockout_failures = 0\n"
                          : "auth.lockout_failures = 1000\nauth.account_lockout_failures = 100000\n"
                            "auth.address_lockout_failures = 100000\nauth.shared_throttle = " +
                                std::string(throttle == "shared" ? "true" : "false") + "\n";
    GatewayStack stack(options);
    std::vector<std::string> users;
    for (int h = 0; h < hosts; ++h) {
        const std::string user = "bench" + std::to_string(h);
        stack.add_account(user, "bench-password");
        stack.add_host(user + ".example.test", user);
        users.push_back(user);
    }
    auto pick = [&](int c, std::size_t i) -> const std::string& {
        return users[(static_cast<std::size_t>(c) * 7919 + i) % users.size()];
    };
    std::printf(
        "ddns_bench: %d clients, %d s per phase, %d hosts, throttle %s, one connection per "
        "request\n",
        clients, seconds, hosts, throttle.c_str());

    // Warm-up sets every host to a known address (and fills the password cache).
    for (const auto& u : users)
        stack.raw(request(u, "bench-password", "hostname=" + u + ".example.test&myip=192.0.2.1"));

    report("nochg (password, cached)",
           run(stack, clients, seconds, "nochg",
               [&](int c, std::size_t i) {
                   const auto& u = pick(c, i);
                   return request(u, "bench-password",
                                  "hostname=" + u + ".example.test&myip=192.0.2.1");
               }),
           seconds);

    report("good (address changes)",
           run(stack, clients, seconds, "good",
               [&](int c, std::size_t i) {
                   // Each client owns a disjoint slice of hosts, so every request is a change.
                   const auto& u = users[(static_cast<std::size_t>(c) +
                                          static_cast<std::size_t>(clients) * (i % 4)) %
                                         users.size()];
                   const std::string ip = "198.51.100." + std::to_string(1 + (i % 250));
                   return request(u, "bench-password",
                                  "hostname=" + u + ".example.test&myip=" + ip);
               }),
           seconds);

    report("badauth (argon2, test params)",
           run(stack, clients, seconds, "badauth",
               [&](int c, std::size_t i) {
                   return request(pick(c, i), "wrong-password", "hostname=x.example.test");
               }),
           seconds);
    return 0;
}
