// ddns-gateway: entry point. Parses the subcommand and --config, then hands over to commands.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "ddns/gateway/base/version.hpp"
#include "ddns/gateway/cli/commands.hpp"

namespace {

constexpr const char* kUsage = R"(usage: ddns-gateway COMMAND --config FILE [ARGS]
       (without --config, the path in $DDNS_GATEWAY_CONFIG is used)

commands:
  serve         serve HTTP until SIGINT/SIGTERM
  migrate       apply pending database migrations
  check-config  validate the configuration file and exit (--connect: also reach the database)
  admin         manage zones, accounts, hosts and tokens (see `ddns-gateway admin --help`)
  version       print the version
)";

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << kUsage;
        return args.empty() ? 2 : 0;
    }
    const std::string command = args[0];
    if (command == "version" || command == "--version") {
        std::cout << "ddns-gateway " << ddns::gateway::version() << "\n";
        return 0;
    }
    std::string config_path;
    std::vector<std::string> rest;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size()) {
            config_path = args[++i];
        } else if (args[i].rfind("--config=", 0) == 0) {
            config_path = args[i].substr(std::strlen("--config="));
        } else {
            rest.push_back(args[i]);
        }
    }
    if (command != "serve" && command != "migrate" && command != "check-config" &&
        command != "admin") {
        std::cerr << "ddns-gateway: unknown command `" << command << "`\n" << kUsage;
        return 2;
    }
    if (config_path.empty()) {
        // Containers and service managers can set the path once for every command.
        if (const char* env = std::getenv("DDNS_GATEWAY_CONFIG"); env != nullptr && *env != '\0')
            config_path = env;
    }
    if (config_path.empty()) {
        std::cerr << "ddns-gateway: " << command
                  << " needs --config FILE (or DDNS_GATEWAY_CONFIG in the environment)\n";
        return 2;
    }
    auto config = ddns::gateway::load_config_file(config_path);
    if (!config) {
        std::cerr << "ddns-gateway: configuration error: " << config.error() << "\n";
        return 1;
    }
    try {
        if (command == "serve") return ddns::gateway::run_serve(*config);
        if (command == "migrate") return ddns::gateway::run_migrate(*config);
        if (command == "check-config") return ddns::gateway::run_check_config(*config, rest);
        return ddns::gateway::run_admin(*config, rest, std::cin, std::cout, std::cerr);
    } catch (const std::exception& e) {
        std::cerr << "ddns-gateway: " << e.what() << "\n";
        return 1;
    }
}
