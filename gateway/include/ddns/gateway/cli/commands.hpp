// The subcommands of the ddns-gateway binary. Each returns the process exit code; errors are
// printed to stderr in one clear sentence.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "ddns/gateway/config/config.hpp"
#include "ddns/gateway/config/config_sources.hpp"

namespace ddns::gateway {

// The composition root: builds every concrete object from the configuration and serves until
// SIGINT/SIGTERM.
int run_serve(const Config& config);
int run_migrate(const Config& config);
// `check-config [--connect] [--print]`: parses the file, loads the TLS files, parses database.url
// and, with --connect, connects to the database; --print shows every setting (secrets masked).
int run_check_config(const Config& config, const std::vector<std::string>& args,
                     const std::vector<Setting>& settings);
// `args` are the words after `admin --config FILE`. Reads secrets (passwords) from `in`.
int run_admin(const Config& config, const std::vector<std::string>& args, std::istream& in,
              std::ostream& out, std::ostream& err);

}  // namespace ddns::gateway
