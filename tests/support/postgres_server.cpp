#include "postgres_server.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace ddns::test {
namespace fs = std::filesystem;

namespace {

constexpr const char* kServerUser = "postgres";  // created by Debian's postgresql package

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// Directory holding initdb/postgres/pg_ctl: `pg_config --bindir`, else the newest
// /usr/lib/postgresql/<version>/bin.
std::string find_bindir() {
    if (!find_program("pg_config").empty()) {
        auto result = run_command({"pg_config", "--bindir"}, std::chrono::seconds(10));
        std::string dir = trim(result.output);
        if (result.exit_code == 0 && fs::exists(fs::path(dir) / "initdb") &&
            fs::exists(fs::path(dir) / "postgres"))
            return dir;
    }
    std::vector<fs::path> candidates;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        if (fs::exists(entry.path() / "bin" / "postgres")) candidates.push_back(entry.path());
    }
    if (candidates.empty())
        throw std::runtime_error("PostgreSQL server binaries not found (install postgresql)");
    // Highest major version first.
    std::sort(candidates.begin(), candidates.end(), [](const fs::path& a, const fs::path& b) {
        return std::stoi(a.filename().string()) > std::stoi(b.filename().string());
    });
    return (candidates.front() / "bin").string();
}

bool accepts_connections(const std::string& conninfo) {
    return PQping(conninfo.c_str()) == PQPING_OK;
}

}  // namespace

PostgresServer::PostgresServer(std::vector<std::string> settings) : settings_(std::move(settings)) {
    bindir_ = find_bindir();
    as_root_ = ::geteuid() == 0;
    data_dir_ = dir_.path() / "data";
    log_path_ = dir_.path() / "postgres.log";
    port_ = free_port();
    if (as_root_) {
        // initdb and postgres refuse to run as root.
        auto chown = run_command({"chown", std::string(kServerUser) + ":", dir_.path().string()});
        if (chown.exit_code != 0)
            throw std::runtime_error("cannot hand the temp dir to the postgres user: " +
                                     chown.output);
    }
    auto init = run_command(
        as_server_user({bindir_ + "/initdb", "--no-sync", "-A", "trust", "-U", "postgres", "-E",
                        "UTF8", "--locale=C", "-D", data_dir_.string()}),
        std::chrono::seconds(60));
    write_file(log_path_, "=== initdb ===\n" + init.output + "=== postgres ===\n");
    if (init.exit_code != 0) throw std::runtime_error("initdb failed:\n" + init.output);
    // free_port() only found the port free a moment ago: another process (an outgoing
    // connection's ephemeral port, a test running in parallel) may have taken it since. Then a
    // new port, a few times; a restart (start() after stop()) keeps its port for the clients.
    for (int attempt = 1;; ++attempt) {
        try {
            start();
            return;
        } catch (const std::runtime_error&) {
            if (attempt == 3 || log().find("Address already in use") == std::string::npos) throw;
            port_ = free_port();
        }
    }
}

PostgresServer::~PostgresServer() {
    try {
        stop();
    } catch (const std::exception&) {
    }
}

std::vector<std::string> PostgresServer::as_server_user(std::vector<std::string> argv) const {
    if (!as_root_) return argv;
    std::vector<std::string> wrapped = {"runuser", "-u", kServerUser, "--"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
}

void PostgresServer::start() {
    std::vector<std::string> argv{bindir_ + "/postgres",
                                  "-D",
                                  data_dir_.string(),
                                  "-p",
                                  std::to_string(port_),
                                  "-c",
                                  "listen_addresses=127.0.0.1",
                                  "-c",
                                  "unix_socket_directories=" + dir_.path().string(),
                                  "-c",
                                  "fsync=off",
                                  "-c",
                                  "synchronous_commit=off",
                                  "-c",
                                  "full_page_writes=off",
                                  "-c",
                                  "max_connections=50",
                                  "-c",
                                  "logging_collector=off"};
    for (const auto& setting : settings_) argv.insert(argv.end(), {"-c", setting});
    child_ = std::make_unique<ChildProcess>(as_server_user(std::move(argv)), log_path_);
    std::string probe = conninfo() + " connect_timeout=2";
    bool ready = wait_until([&] { return !child_->running() || accepts_connections(probe); },
                            std::chrono::seconds(30), std::chrono::milliseconds(10));
    if (!ready || !child_->running()) {
        child_.reset();
        throw std::runtime_error("postgres did not start:\n" + log());
    }
}

void PostgresServer::stop(StopMode mode) {
    if (!child_) return;
    // Never "smart" (postgres's SIGTERM), which would wait for every client to disconnect.
    const char* how = mode == StopMode::Immediate ? "immediate" : "fast";
    run_command(as_server_user({bindir_ + "/pg_ctl", "stop", "-D", data_dir_.string(), "-m", how,
                                "-w", "-t", "30"}),
                std::chrono::seconds(40));
    child_->stop();
    child_.reset();
}

void PostgresServer::start_again() {
    if (child_) return;
    start();
}

std::string PostgresServer::conninfo(const std::string& database) const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + database;
}

std::string PostgresServer::create_database(const std::string& name) {
    bool valid =
        !name.empty() && name.size() <= 63 && std::all_of(name.begin(), name.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        });
    if (!valid) throw std::invalid_argument("database name must be [a-z0-9_]{1,63}: " + name);
    PGconn* conn = PQconnectdb(conninfo().c_str());
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
        error = PQerrorMessage(conn);
    } else {
        PGresult* result = PQexec(conn, ("CREATE DATABASE " + name).c_str());
        if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQresultErrorMessage(result);
        PQclear(result);
    }
    PQfinish(conn);
    if (!error.empty()) throw std::runtime_error("CREATE DATABASE " + name + " failed: " + error);
    return conninfo(name);
}

std::string PostgresServer::log() const {
    return read_file(log_path_);
}

}  // namespace ddns::test
