// Shared helpers for tests that run real programs: temp directories, free loopback ports,
// child processes with captured logs, and readiness polling (never fixed sleeps).
#pragma once

#include <sys/types.h>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ddns::test {

// A fresh directory under $TMPDIR, removed on destruction unless DDNS_KEEP_TEMP is set.
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "ddns-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// A port that is free for both TCP and UDP on 127.0.0.1 right now. Ports handed out by this
// process are never handed out twice. Never one of the kernel's ephemeral ports (see below):
// between this check and the server's bind, any outgoing connection on the machine (a benchmark
// running in parallel opens thousands) may take such a port as its local port.
std::uint16_t free_port();

// The kernel's range of local ports for outgoing connections (ip_local_port_range), inclusive.
struct PortRange {
    int low = 32768;
    int high = 60999;
};
PortRange ephemeral_ports();

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& content);

struct CommandResult {
    int exit_code = -1;  // -1 when killed by the timeout or a signal
    std::string output;  // stdout and stderr interleaved
    bool timed_out = false;
};

// Runs argv[0] (looked up in PATH) to completion, feeding `input` on stdin.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30),
                          const std::string& input = {},
                          const std::map<std::string, std::string>& extra_env = {});

// A long-running child whose stdout/stderr go to `log_path`. Stopped (SIGTERM, then SIGKILL)
// on destruction.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv, std::filesystem::path log_path,
                 const std::map<std::string, std::string>& extra_env = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    // Sends SIGTERM, waits up to `grace`, then SIGKILL. Returns the exit status (or -1).
    int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
    const std::filesystem::path& log_path() const { return log_path_; }
    std::string log() const { return read_file(log_path_); }

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::filesystem::path log_path_;
};

// Polls `ready` every `interval` until it returns true or `timeout` passes.
bool wait_until(const std::function<bool()>& ready,
                std::chrono::milliseconds timeout = std::chrono::seconds(20),
                std::chrono::milliseconds interval = std::chrono::milliseconds(20));

// True when something accepts TCP connections on 127.0.0.1:port.
bool tcp_port_open(std::uint16_t port);

// Path of a program: PATH first, then the given fallback directories. Empty when not found.
std::string find_program(const std::string& name, const std::vector<std::string>& extra_dirs = {});

}  // namespace ddns::test
