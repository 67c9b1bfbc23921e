// What a wrong password costs end to end (one argon2 run with the test parameters, the failure
// throttle's counting) against a real PostgreSQL, named and the real binary, with a new
// connection per request. The change and no-change paths are measured side by side with BIND
// and an HTTP ceiling by ddns_side_by_side_bench (bench/run.sh). Asserts nothing.
//
//   ddns_bench [--clients N] [--seconds S] [--hosts H] [--throttle off|memory|shared]
//
// --throttle memory/shared: the throttle on with thresholds the bench never reaches, in this
// process only or shared through PostgreSQL, to measure what counting costs.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "gateway_stack.hpp"

namespace {

using ddns::bench::HttpClient;
using ddns::test::GatewayStack;
using ddns::test::GatewayStackOptions;

std::string config_for(const std::string& throttle) {
    // With the throttle at its defaults the bench's own guessing would be refused unchecked
    // within a few requests: off, or thresholds it never reaches.
    if (throttle == "off")
        return "auth.lockout_failures = 0\nauth.account_lockout_failures = 0\n"
               "auth.address_lockout_failures = 0\n";
    return "auth.lockout_failures = 1000\nauth.account_lockout_failures = 100000\n"
           "auth.address_lockout_failures = 100000\nauth.shared_throttle = " +
           std::string(throttle == "shared" ? "true" : "false") + "\n";
}

}  // namespace

int main(int argc, char** argv) {
    int clients = 8;
    double seconds = 5;
    int hosts = 64;
    std::string throttle = "off";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--throttle") throttle = argv[i + 1];
        if (flag == "--clients") clients = std::atoi(argv[i + 1]);
        if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
        if (flag == "--hosts") hosts = std::atoi(argv[i + 1]);
    }
    GatewayStackOptions options;
    options.extra_config = config_for(throttle);
    GatewayStack stack(options);
    std::vector<std::string> users;
    for (int h = 0; h < hosts; ++h) {
        users.push_back("bench" + std::to_string(h));
        stack.add_account(users.back(), "bench-password");
        stack.add_host(users.back() + ".example.test", users.back());
    }
    std::printf(
        "ddns_bench: %d clients, %.0f s, %d accounts, throttle %s, one connection per "
        "request\n",
        clients, seconds, hosts, throttle.c_str());
    std::vector<std::unique_ptr<HttpClient>> conns;
    for (int c = 0; c < clients; ++c)
        conns.push_back(std::make_unique<HttpClient>(stack.http_port(), "127.0.0.1", false));
    const auto r = ddns::bench::run_closed(clients, seconds, [&](int c, std::size_t i) {
        const auto& user = users[(static_cast<std::size_t>(c) * 7919 + i) % users.size()];
        const auto reply = conns[static_cast<std::size_t>(c)]->exchange(
            "GET /nic/update?hostname=" + user +
            ".example.test HTTP/1.1\r\nHost: gw\r\nUser-Agent: ddns-bench\r\nAuthorization: "
            "Basic " +
            ddns::test::base64(user + ":wrong-password"));
        return reply.body.rfind("badauth", 0) == 0;
    });
    std::printf(
        "badauth (argon2, test params) %8.1f req/s  ok=%zu errors=%zu  p50=%.2f ms "
        "p99=%.2f ms  load %.2f\n",
        r.rate(), r.ok, r.errors, r.pct(0.5), r.pct(0.99), ddns::bench::load1());
    return 0;
}
