// Instructions per keep-alive no-change answer, counted by callgrind: the gateway and the POCO
// hello-world server, each run under `valgrind --tool=callgrind`, get the same load (C
// keep-alive connections, one client thread each, the next request sent when the answer came),
// and everything the process did while answering N requests (every thread) is divided by N.
// Instruction counts do not depend on what else runs on the machine, unlike rates and CPU time.
//
//   ddns_answer_cost [--requests N] [--connections C] [--warm-up W] [--only gateway|hello]
//                    [--gateway-binary PATH] [--config-line 'key = value']... [--out DIR]
//
// Defaults: N = 20,000, C = 8, W = 400 (keep-alive answers before counting starts, after every
// host's first update). The gateway gets the side-by-side benchmark's configuration (log level
// info, access log on, 64 request threads, the principal cache's default). Counting is zeroed
// and dumped with callgrind_control; the dumps stay in DIR (default: this program's directory)
// for callgrind_annotate. Needs valgrind; asserts nothing about speed.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_context.hpp"

namespace {

using namespace ddns::bench;
namespace fs = std::filesystem;
namespace test = ddns::test;

struct Options {
    long requests = 20'000;
    int connections = 8;
    long warm_up = 400;
    std::string only;
    std::string gateway_binary;
    std::string extra_config;
    fs::path out = DDNS_BENCH_DIR;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--requests")
            o.requests = std::stol(value);
        else if (flag == "--connections")
            o.connections = std::stoi(value);
        else if (flag == "--warm-up")
            o.warm_up = std::stol(value);
        else if (flag == "--only")
            o.only = value;
        else if (flag == "--gateway-binary")
            o.gateway_binary = value;
        else if (flag == "--config-line")
            o.extra_config += value + "\n";
        else if (flag == "--out")
            o.out = value;
        else
            throw std::invalid_argument("unknown argument " + flag);
    }
    if (argc % 2 == 0) throw std::invalid_argument("every flag needs a value");
    if (o.connections < 1 || o.requests < o.connections)
        throw std::invalid_argument("need --requests >= --connections >= 1");
    return o;
}

std::string nochg_head(int host) {
    return update_head("b" + std::to_string(host), "n" + std::to_string(host) + ".example.test",
                       "192.0.2.1");
}

// `total` keep-alive requests over C connections; returns how many answers were not nochg
// (hello-world: not 200).
long send_keep_alive(std::uint16_t port, int connections, long total, bool hello) {
    std::atomic<long> bad{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; ++c)
        threads.emplace_back([&, c] {
            HttpClient client(port, loopback_source(c), true);
            const long mine = total / connections + (c < total % connections ? 1 : 0);
            for (long i = 0; i < mine; ++i) {
                const auto reply = client.exchange(nochg_head(c));
                const bool good = hello ? reply.status == 200 : reply.body.rfind("nochg", 0) == 0;
                if (!good) ++bad;
            }
        });
    for (auto& t : threads) t.join();
    return bad.load();
}

void callgrind_control(const std::string& what, pid_t pid) {
    const auto r = test::run_command({"callgrind_control", what, std::to_string(pid)},
                                     std::chrono::seconds(120));
    if (r.exit_code != 0)
        throw std::runtime_error("callgrind_control " + what + " failed: " + r.output);
}

// The instruction count of the newest dump `prefix`.N (its "summary:" or "totals:" line).
unsigned long long dumped_instructions(const fs::path& prefix) {
    fs::path newest;
    for (const auto& entry : fs::directory_iterator(prefix.parent_path())) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix.filename().string() + ".", 0) != 0) continue;
        if (newest.empty() || fs::last_write_time(entry) > fs::last_write_time(newest))
            newest = entry.path();
    }
    std::ifstream in(newest);
    for (std::string line; std::getline(in, line);)
        if (line.rfind("summary:", 0) == 0 || line.rfind("totals:", 0) == 0)
            return std::stoull(line.substr(line.find(':') + 1));
    throw std::runtime_error("no callgrind dump at " + prefix.string());
}

// Runs `argv` under callgrind on `port`, warms it up, counts `o.requests` answers.
void count(const Options& o, const std::string& name, std::vector<std::string> argv,
           std::uint16_t port, bool hello, const fs::path& log) {
    const fs::path prefix = fs::absolute(o.out) / ("callgrind." + name);
    argv.insert(argv.begin(),
                {"valgrind", "--tool=callgrind", "--callgrind-out-file=" + prefix.string()});
    test::ChildProcess child(argv, log);
    if (!test::wait_until([&] { return test::tcp_port_open(port) || !child.running(); },
                          std::chrono::seconds(120)) ||
        !child.running())
        throw std::runtime_error(name + " did not start under valgrind: " + child.log());
    if (!hello)  // every host's first update (its address), then the keep-alive warm-up
        for (int c = 0; c < o.connections; ++c)
            HttpClient(port, "127.0.0.1", false).exchange(nochg_head(c));
    const long warm_bad = send_keep_alive(port, o.connections, o.warm_up, hello);
    callgrind_control("-z", child.pid());
    const auto start = std::chrono::steady_clock::now();
    const long bad = send_keep_alive(port, o.connections, o.requests, hello);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    callgrind_control("-d", child.pid());
    const auto instructions = dumped_instructions(prefix);
    std::printf(
        "%-8s %ld answers over %d keep-alive connections in %.1f s (under valgrind), %ld "
        "unexpected (%ld in the warm-up)\n",
        name.c_str(), o.requests, o.connections, seconds, bad, warm_bad);
    std::printf("%-8s instructions per answer: %.0f  (%llu in all; dumps %s.*)\n", name.c_str(),
                static_cast<double>(instructions) / static_cast<double>(o.requests), instructions,
                prefix.string().c_str());
    std::printf("figure answer_cost.%s %.0f instructions\n", name.c_str(),
                static_cast<double>(instructions) / static_cast<double>(o.requests));
}

}  // namespace

int main(int argc, char** argv) try {
    const Options o = parse(argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    fs::create_directories(o.out);
    test::TempDir dir("ddns-answer-cost");
    if (o.only.empty() || o.only == "gateway") {
        test::GatewayStackOptions so;
        so.log_level = "info";
        so.database_pool_size = 8;
        so.gateway_binary = o.gateway_binary;
        so.extra_config = "http.keepalive_timeout = 600\nhttp.threads = 64\n" + o.extra_config;
        test::GatewayStack stack(so);
        for (int c = 0; c < o.connections; ++c) {
            const std::string n = std::to_string(c);
            const auto made = stack.admin({"account", "add", "b" + n}, "bench-password\n");
            const auto host =
                stack.admin({"host", "add", "n" + n + ".example.test", "--account", "b" + n});
            if (made.exit_code != 0 || host.exit_code != 0)
                throw std::runtime_error("account or host add failed: " + made.output +
                                         host.output);
        }
        stack.stop_gateway();
        const std::string binary =
            o.gateway_binary.empty() ? test::gateway_binary() : o.gateway_binary;
        count(o, "gateway", {binary, "serve", "--config", stack.config_path().string()},
              stack.http_port(), false, dir.path() / "gateway.log");
    }
    if (o.only.empty() || o.only == "hello") {
        const auto port = test::free_port();
        count(o, "hello",
              {std::string(DDNS_BENCH_DIR) + "/ddns_poco_hello", std::to_string(port), "32", "256",
               "100", "10"},
              port, true, dir.path() / "hello.log");
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "answer cost failed: %s\n", e.what());
    return 1;
}
