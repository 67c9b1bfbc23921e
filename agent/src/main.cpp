// ddns-agent: keeps a dynamic-DNS name pointing at this machine.
//   ddns-agent --config FILE [--once | --check-config]
// Exit codes: 0 success, 1 configuration error, 2 fatal answer, 3 temporary failure.
#include <csignal>
#include <iostream>
#include <string>
#include <thread>

#include "ddns/agent/agent.hpp"
#include "ddns/agent/http_client.hpp"

namespace {

volatile std::sig_atomic_t g_reload = 0;
volatile std::sig_atomic_t g_force = 0;
volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_signal(int signal) {
    if (signal == SIGHUP) g_reload = 1;
    if (signal == SIGUSR1) g_force = 1;
    if (signal == SIGTERM || signal == SIGINT) g_stop = 1;
}

int usage() {
    std::cerr << "usage: ddns-agent --config FILE [--once | --check-config]\n";
    return 1;
}

int exit_code(ddns::agent::RoundResult result) {
    switch (result) {
        case ddns::agent::RoundResult::Success:
            return 0;
        case ddns::agent::RoundResult::Fatal:
            return 2;
        case ddns::agent::RoundResult::Temporary:
            return 3;
    }
    return 3;
}

std::unique_ptr<ddns::agent::Agent> make_agent(const ddns::agent::AgentConfig& config) {
    return std::make_unique<ddns::agent::Agent>(config, ddns::agent::make_http_send(config),
                                                ddns::agent::make_http_fetch(config));
}

int daemon_loop(const std::string& path, ddns::agent::AgentConfig config) {
    struct sigaction action {};
    action.sa_handler = on_signal;
    for (int s : {SIGHUP, SIGUSR1, SIGTERM, SIGINT}) sigaction(s, &action, nullptr);
    auto agent = make_agent(config);
    bool force = false;
    while (g_stop == 0) {
        const auto now = ddns::agent::Clock::now();
        agent->run_round(now, force);
        force = false;
        const auto wake = agent->next_wakeup(now);
        // Sleep in short steps so that a signal is seen within a second.
        while (g_stop == 0 && g_reload == 0 && g_force == 0 && ddns::agent::Clock::now() < wake) {
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        if (g_reload != 0) {
            g_reload = 0;
            auto reloaded = ddns::agent::load_config(path);
            if (reloaded) {
                std::cerr << "ddns-agent: info: configuration reloaded\n";
                agent = make_agent(*reloaded);
                force = true;
            } else {
                std::cerr << "ddns-agent: error: reload refused, keeping the old configuration: "
                          << reloaded.error() << '\n';
            }
        }
        if (g_force != 0) {
            g_force = 0;
            force = true;
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string path;
    bool once = false;
    bool check = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        if (arg == "--config" && i + 1 < argc) {
            path = argv[++i];  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        } else if (arg == "--once") {
            once = true;
        } else if (arg == "--check-config") {
            check = true;
        } else {
            return usage();
        }
    }
    if (path.empty()) return usage();
    auto config = ddns::agent::load_config(path);
    if (!config) {
        std::cerr << "ddns-agent: config: " << config.error() << '\n';
        return 1;
    }
    if (check) {
        std::cout << "configuration ok\n";
        return 0;
    }
    if (once) {
        auto agent = make_agent(*config);
        return exit_code(agent->run_round(ddns::agent::Clock::now(), false));
    }
    return daemon_loop(path, *config);
}
