// ddns-gateway: entry point. Parses the subcommand and --config, then hands over to commands.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "ddns/gateway/base/version.hpp"
#include "ddns/gateway/cli/commands.hpp"
#include "ddns/gateway/config/config_sources.hpp"

namespace {

constexpr const char* kUsage = R"(usage: ddns-gateway COMMAND --config FILE [ARGS]
       (without --config, the path in $DDNS_GATEWAY_CONFIG is used)

commands:
  serve         serve HTTP until SIGINT/SIGTERM
  migrate       apply pending database migrations
  check-config  validate the configuration file and exit (--connect: also reach the database;
                --print: show every key's value and where it came from, secrets masked)
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
    // DDNS_<SECTION>_<KEY> variables override the file; with some set, no file is needed.
    const auto env = ddns::gateway::process_environment();
    if (config_path.empty() && !ddns::gateway::environment_configures(env)) {
        std::cerr << "ddns-gateway: " << command
                  << " needs --config FILE (or DDNS_GATEWAY_CONFIG, or DDNS_<SECTION>_<KEY> "
                     "variables, in the environment)\n";
        return 2;
    }
    std::string text;
    if (!config_path.empty()) {
        auto read = ddns::gateway::read_config_text(config_path);
        if (!read) {
            std::cerr << "ddns-gateway: configuration error: " << read.error() << "\n";
            return 1;
        }
        text = std::move(*read);
    }
    auto settings = ddns::gateway::collect_settings(text, env);
    auto config =
        settings ? ddns::gateway::apply_settings(*settings) : ddns::Unexpected{settings.error()};
    if (!config) {
        // An error of a line names the file; one of a variable names the variable.
        const bool of_file = config.error().rfind("line ", 0) == 0;
        std::cerr << "ddns-gateway: configuration error: "
                  << (of_file ? config_path + ": " : std::string()) << config.error() << "\n";
        return 1;
    }
    try {
        if (command == "serve") return ddns::gateway::run_serve(*config);
        if (command == "migrate") return ddns::gateway::run_migrate(*config);
        if (command == "check-config")
            return ddns::gateway::run_check_config(*config, rest, *settings);
        return ddns::gateway::run_admin(*config, rest, std::cin, std::cout, std::cerr);
    } catch (const std::exception& e) {
        std::cerr << "ddns-gateway: " << e.what() << "\n";
        return 1;
    }
}
