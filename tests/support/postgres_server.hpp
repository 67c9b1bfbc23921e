// A throwaway PostgreSQL cluster for integration tests: initdb into a temp directory, postgres
// on a free loopback port (and a Unix socket inside the temp directory), readiness by polling a
// libpq connection, teardown on destruction. As root, the server runs as the `postgres` user.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace ddns::test {

class PostgresServer {
public:
    // initdb + start; throws std::runtime_error (with the server log) when either fails.
    // `settings` are more `name=value` server settings (`-c`), e.g. for a benchmark's profile.
    explicit PostgresServer(std::vector<std::string> settings = {});
    ~PostgresServer();
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    std::uint16_t port() const { return port_; }
    // libpq key=value conninfo for `database` as the superuser `postgres` over TCP.
    std::string conninfo(const std::string& database = "postgres") const;
    // CREATE DATABASE `name` ([a-z0-9_], up to 63 characters); returns its conninfo.
    std::string create_database(const std::string& name);

    // How stop() ends the server (pg_ctl -m): `Fast` cuts client connections and checkpoints;
    // `Immediate` quits at once like a crash or power loss (crash recovery on the next start).
    enum class StopMode { Fast, Immediate };
    // Idempotent.
    void stop(StopMode mode = StopMode::Fast);
    // Starts the same cluster again on the same port and waits until it accepts connections.
    void start_again();
    bool running() const { return child_ != nullptr; }

    // The server's log (initdb output, then postgres's stderr).
    std::string log() const;
    const std::filesystem::path& data_dir() const { return data_dir_; }

private:
    std::vector<std::string> as_server_user(std::vector<std::string> argv) const;
    void start();

    TempDir dir_{"ddns-pg"};
    std::filesystem::path data_dir_;
    std::filesystem::path log_path_;
    std::string bindir_;
    std::uint16_t port_ = 0;
    bool as_root_ = false;
    std::vector<std::string> settings_;
    std::unique_ptr<ChildProcess> child_;
};

}  // namespace ddns::test
