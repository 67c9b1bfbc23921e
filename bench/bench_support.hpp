// What the side-by-side benchmark measures with: a minimal HTTP/1.1 client (a connection per
// request or keep-alive), closed-loop and fixed-rate load runners, latency percentiles, the
// quiet-machine wait, and per-process CPU time and memory read from /proc.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ddns::bench {

using Clock = std::chrono::steady_clock;

struct Result {
    std::size_t ok = 0;
    std::size_t errors = 0;
    std::size_t late = 0;  // answered after the window: in no other figure, but sent
    double seconds = 0;
    std::vector<double> latencies_ms;  // sorted after a run
    std::size_t requests() const { return ok + errors; }
    double rate() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
    double pct(double p) const;
};

// The parts' counts added and their latencies sorted, as one result over `seconds`.
Result merge(std::vector<Result>& parts, double seconds);

// One client's request: returns true when the answer was the expected one. `i` counts the
// client's requests from 0.
using Request = std::function<bool(int client, std::size_t i)>;

// `clients` threads, each sending its next request as soon as the previous one was answered,
// for `seconds`; answers that arrive after the window are not counted.
Result run_closed(int clients, double seconds, const Request& request);
// Requests offered at `per_second` for `seconds` whatever the answers take (at most `workers`
// outstanding); a latency counts from the request's scheduled time, so queueing shows.
Result run_rate(double per_second, double seconds, int workers, const Request& request);

// The loopback source address of client `client`: spread over 16 addresses, so each stays below
// a server's per-address connection limit.
std::string loopback_source(int client);

// A TCP socket connected to 127.0.0.1:port from `source` (a loopback address), or -1.
int connect_from(const std::string& source, std::uint16_t port);

// HTTP/1.1 to 127.0.0.1:port from `source` (a loopback address).
class HttpClient {
public:
    HttpClient(std::uint16_t port, std::string source, bool keep_alive);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    // Sends the request line and headers (without the blank line; the client adds
    // `Connection`) and reads the answer; status 0 when none came.
    struct Reply {
        int status = 0;
        std::string body;
    };
    Reply exchange(const std::string& request_line_and_headers);
    // Opens the connection now (keep-alive clients), so it can be held idle.
    bool connect_now();
    // True while the connection is open and the server has not closed it.
    bool still_open() const;

private:
    bool read_reply(Reply& reply, bool& server_closes);
    void close_fd();
    std::uint16_t port_;
    std::string source_;
    bool keep_alive_;
    int fd_ = -1;
    std::string buffer_;
};

// Takes one complete HTTP reply off the front of `buffer` (status, body by Content-Length, and
// `server_closes` set when it says "Connection: close"): the bytes it took, 0 while incomplete.
std::size_t take_reply(std::string& buffer, HttpClient::Reply& reply, bool& server_closes);

// The kernel's connection tracking (loaded with a firewall or Docker): every TCP connection
// holds an entry until about 2 minutes after its close, and when the table is full new
// connections' packets are dropped (SYNs retried after a second), so a connection-per-request
// measurement at tens of thousands per second can fill it and stall. max 0: no tracking.
struct Conntrack {
    long count = 0;
    long max = 0;
    bool at_least(double share) const {
        return max > 0 && static_cast<double>(count) >= share * static_cast<double>(max);
    }
};
Conntrack conntrack();

// The 1-minute load average, and the wait for it to fall below a threshold (and for the
// connection-tracking table to be less than half full).
double load1();
struct Quiet {
    Conntrack conntrack_at_start;
    double load_at_start = 0;  // when the measurement began (after the wait)
    double waited_s = 0;
    bool quiet = false;
};
Quiet wait_for_quiet(double threshold, double max_wait_s);

// Processes of this benchmark, found as descendants of this process by their command name.
struct ProcessGroup {
    std::string name;  // "gateway", "postgres", "named", "hello"
    std::vector<pid_t> pids;
};
// comm (as in /proc/PID/comm) -> group name.
std::map<std::string, ProcessGroup> find_processes(const std::map<std::string, std::string>& comms);
// `roots` and every live process below them (e.g. a server given by its PID and the workers it
// forked), for processes this benchmark did not start.
std::vector<pid_t> with_descendants(const std::vector<pid_t>& roots);
// CPU seconds of the group's live processes and of their reaped children (a PostgreSQL backend
// that exited is counted in the postmaster's).
double cpu_seconds(const ProcessGroup& group);
// CPU seconds this process (the load generator and its threads) has used so far.
double own_cpu_seconds();
// Context switches (voluntary and not) of this process's threads so far, and of the group's
// live threads (those that exited are not counted: the servers' threads live for the run).
long own_context_switches();
long context_switches(const ProcessGroup& group);
// Sum of VmRSS (single processes) or of Pss (several processes sharing memory), in KiB.
long memory_kib(const ProcessGroup& group);
long status_kib(pid_t pid, const std::string& field);  // "VmRSS", "VmHWM"; -1 when unknown

// Samples memory_kib of every group while a measurement runs; peaks per group.
class MemorySampler {
public:
    explicit MemorySampler(std::map<std::string, ProcessGroup> groups);
    ~MemorySampler();
    MemorySampler(const MemorySampler&) = delete;
    MemorySampler& operator=(const MemorySampler&) = delete;
    std::map<std::string, long> stop();  // peak KiB per group

private:
    struct State;
    State* state_;
};

void raise_file_limit();

}  // namespace ddns::bench
