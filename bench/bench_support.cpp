#include "bench_support.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace ddns::bench {
namespace {}  // namespace

Result merge(std::vector<Result>& parts, double seconds) {
    Result all;
    all.seconds = seconds;
    for (auto& r : parts) {
        all.ok += r.ok;
        all.errors += r.errors;
        all.late += r.late;
        all.latencies_ms.insert(all.latencies_ms.end(), r.latencies_ms.begin(),
                                r.latencies_ms.end());
    }
    std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
    return all;
}

namespace {

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Fields of /proc/PID/stat after the command name (which may hold spaces): index 0 is the state.
std::vector<std::string> stat_fields(pid_t pid) {
    const std::string text = read_text("/proc/" + std::to_string(pid) + "/stat");
    const auto close = text.rfind(')');
    std::vector<std::string> fields;
    if (close == std::string::npos) return fields;
    std::istringstream in(text.substr(close + 2));
    for (std::string f; in >> f;) fields.push_back(f);
    return fields;
}

}  // namespace

double Result::pct(double p) const {
    if (latencies_ms.empty()) return 0.0;
    return latencies_ms[static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1))];
}

Result run_closed(int clients, double seconds, const Request& request) {
    std::vector<Result> per(static_cast<std::size_t>(clients));
    std::vector<std::thread> threads;
    const auto start = Clock::now();
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            Result& r = per[static_cast<std::size_t>(c)];
            for (std::size_t i = 0; Clock::now() < end; ++i) {
                const auto sent = Clock::now();
                const bool ok = request(c, i);
                // Only answers inside the window count: a request still waiting at its end
                // (e.g. queued behind keep-alive connections) says nothing about the rate.
                if (Clock::now() > end) {
                    ++r.late;
                    break;
                }
                r.latencies_ms.push_back(ms_since(sent));
                (ok ? r.ok : r.errors) += 1;
            }
        });
    }
    for (auto& t : threads) t.join();
    return merge(per, seconds);
}

Result run_rate(double per_second, double seconds, int workers, const Request& request) {
    std::vector<Result> per(static_cast<std::size_t>(workers));
    std::atomic<std::size_t> next{0};
    const auto total = static_cast<std::size_t>(per_second * seconds);
    const auto start = Clock::now() + std::chrono::milliseconds(20);
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
        threads.emplace_back([&, w] {
            Result& r = per[static_cast<std::size_t>(w)];
            for (std::size_t i = next++; i < total; i = next++) {
                const auto due =
                    start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(static_cast<double>(i) / per_second));
                std::this_thread::sleep_until(due);
                const bool ok = request(w, i);
                r.latencies_ms.push_back(ms_since(due));
                (ok ? r.ok : r.errors) += 1;
            }
        });
    }
    for (auto& t : threads) t.join();
    return merge(per, std::chrono::duration<double>(Clock::now() - start).count());
}

HttpClient::HttpClient(std::uint16_t port, std::string source, bool keep_alive)
    : port_(port), source_(std::move(source)), keep_alive_(keep_alive) {}

HttpClient::~HttpClient() {
    close_fd();
}

void HttpClient::close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
}

int connect_from(const std::string& source, std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool HttpClient::connect_now() {
    if (fd_ >= 0) return true;
    fd_ = connect_from(source_, port_);
    if (fd_ < 0) return false;
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
}

bool HttpClient::still_open() const {
    if (fd_ < 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 0) == 0) return true;  // nothing to read: not closed
    char b = 0;
    return ::recv(fd_, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

HttpClient::Reply HttpClient::exchange(const std::string& head) {
    Reply reply;
    // A kept-alive connection the server closed meanwhile fails on first use: one retry.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool fresh = fd_ < 0;
        if (!connect_now()) return reply;
        const std::string request = head + (keep_alive_ ? "\r\nConnection: keep-alive\r\n\r\n"
                                                        : "\r\nConnection: close\r\n\r\n");
        std::size_t sent = 0;
        while (sent < request.size()) {
            const ssize_t n =
                ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) break;
            sent += static_cast<std::size_t>(n);
        }
        bool server_closes = !keep_alive_;
        if (sent == request.size() && read_reply(reply, server_closes)) {
            if (!keep_alive_) {
                // Wait for the server's close, as a router does: the server then holds the
                // TIME_WAIT, not this client's ephemeral ports.
                char b[256];
                pollfd pfd{fd_, POLLIN, 0};
                if (::poll(&pfd, 1, 5000) > 0) (void)::recv(fd_, b, sizeof b, 0);
            }
            if (server_closes) close_fd();
            return reply;
        }
        close_fd();
        if (fresh) return reply;
    }
    return reply;
}

std::size_t take_reply(std::string& buffer, HttpClient::Reply& reply, bool& server_closes) {
    const auto head_end = buffer.find("\r\n\r\n");
    if (head_end == std::string::npos) return 0;
    std::string lower = buffer.substr(0, head_end);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    const auto sp = lower.find(' ');
    const auto cl = lower.find("\r\ncontent-length:");
    const std::size_t length =
        cl == std::string::npos ? 0 : std::strtoul(lower.c_str() + cl + 17, nullptr, 10);
    const std::size_t need = head_end + 4 + length;
    if (buffer.size() < need) return 0;
    reply.status = sp == std::string::npos ? 0 : std::atoi(lower.c_str() + sp + 1);
    reply.body = buffer.substr(head_end + 4, length);
    if (lower.find("\r\nconnection: close") != std::string::npos) server_closes = true;
    buffer.erase(0, need);
    return need;
}

bool HttpClient::read_reply(Reply& reply, bool& server_closes) {
    char chunk[16384];
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
        if (take_reply(buffer_, reply, server_closes) > 0) return true;
        pollfd pfd{fd_, POLLIN, 0};
        if (::poll(&pfd, 1, 1000) <= 0) continue;
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    return false;
}

std::string loopback_source(int client) {
    return "127.0.1." + std::to_string(1 + client % 16);
}

double load1() {
    double load[1] = {0};
    return ::getloadavg(load, 1) == 1 ? load[0] : -1;
}

Conntrack conntrack() {
    Conntrack c;
    std::ifstream count("/proc/sys/net/netfilter/nf_conntrack_count");
    std::ifstream max("/proc/sys/net/netfilter/nf_conntrack_max");
    if (!(count >> c.count) || !(max >> c.max)) c = Conntrack{};
    return c;
}

Quiet wait_for_quiet(double threshold, double max_wait_s) {
    const auto start = Clock::now();
    Quiet q;
    for (;;) {
        q.load_at_start = load1();
        q.conntrack_at_start = conntrack();
        q.waited_s = std::chrono::duration<double>(Clock::now() - start).count();
        q.quiet = q.load_at_start >= 0 && q.load_at_start < threshold &&
                  !q.conntrack_at_start.at_least(0.5);
        if (q.quiet || q.waited_s >= max_wait_s) return q;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
}

std::map<std::string, ProcessGroup> find_processes(
    const std::map<std::string, std::string>& comms) {
    std::map<pid_t, pid_t> parent;
    std::map<pid_t, std::string> comm;
    if (DIR* dir = ::opendir("/proc")) {
        while (const dirent* e = ::readdir(dir)) {
            const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
            if (pid <= 0) continue;
            const auto f = stat_fields(pid);
            if (f.size() < 2) continue;
            parent[pid] = static_cast<pid_t>(std::atoi(f[1].c_str()));
            std::string c = read_text("/proc/" + std::to_string(pid) + "/comm");
            while (!c.empty() && c.back() == '\n') c.pop_back();
            comm[pid] = c;
        }
        ::closedir(dir);
    }
    const pid_t self = ::getpid();
    std::map<std::string, ProcessGroup> groups;
    for (const auto& [pid, c] : comm) {
        const auto wanted = comms.find(c);
        if (wanted == comms.end()) continue;
        bool below = false;
        for (pid_t p = parent[pid]; p > 1 && !below; p = parent.count(p) ? parent[p] : 0)
            below = p == self;
        if (!below) continue;
        auto& g = groups[wanted->second];
        g.name = wanted->second;
        g.pids.push_back(pid);
    }
    return groups;
}

std::vector<pid_t> with_descendants(const std::vector<pid_t>& roots) {
    std::map<pid_t, std::vector<pid_t>> children;
    if (DIR* dir = ::opendir("/proc")) {
        while (const dirent* e = ::readdir(dir)) {
            const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
            if (pid <= 0) continue;
            const auto f = stat_fields(pid);
            if (f.size() >= 2) children[static_cast<pid_t>(std::atoi(f[1].c_str()))].push_back(pid);
        }
        ::closedir(dir);
    }
    std::vector<pid_t> all;
    std::vector<pid_t> todo(roots.begin(), roots.end());
    while (!todo.empty()) {
        const pid_t pid = todo.back();
        todo.pop_back();
        if (std::find(all.begin(), all.end(), pid) != all.end()) continue;
        if (stat_fields(pid).size() < 2) continue;  // gone (or never was)
        all.push_back(pid);
        const auto below = children.find(pid);
        if (below != children.end())
            todo.insert(todo.end(), below->second.begin(), below->second.end());
    }
    return all;
}

double cpu_seconds(const ProcessGroup& group) {
    const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    double total = 0;
    for (pid_t pid : group.pids) {
        const auto f = stat_fields(pid);
        // utime, stime, cutime, cstime are fields 14-17 of stat; index 11-14 here.
        if (f.size() < 15) continue;
        for (int i = 11; i <= 14; ++i) total += std::atof(f[static_cast<std::size_t>(i)].c_str());
    }
    return total / tick;
}

double own_cpu_seconds() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

long own_context_switches() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_nvcsw + usage.ru_nivcsw;
}

long context_switches(const ProcessGroup& group) {
    long total = 0;
    for (pid_t pid : group.pids) {
        std::error_code ec;
        const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
        for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
            std::ifstream in(task.path() / "status");
            for (std::string line; std::getline(in, line);)
                if (line.rfind("voluntary_ctxt_switches:", 0) == 0 ||
                    line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
                    total += std::atol(line.c_str() + line.find(':') + 1);
        }
    }
    return total;
}

long status_kib(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
    return -1;
}

long memory_kib(const ProcessGroup& group) {
    if (group.pids.size() == 1) return status_kib(group.pids.front(), "VmRSS");
    long total = 0;
    for (pid_t pid : group.pids) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
        for (std::string line; std::getline(in, line);)
            if (line.rfind("Pss:", 0) == 0) total += std::atol(line.c_str() + 4);
    }
    return total;
}

struct MemorySampler::State {
    std::map<std::string, ProcessGroup> groups;
    std::map<std::string, long> peaks;
    std::mutex mutex;
    std::atomic<bool> stop{false};
    std::thread thread;
};

MemorySampler::MemorySampler(std::map<std::string, ProcessGroup> groups) : state_(new State) {
    state_->groups = std::move(groups);
    state_->thread = std::thread([s = state_] {
        while (!s->stop) {
            for (const auto& [name, g] : s->groups) {
                const long kib = memory_kib(g);
                std::lock_guard lock(s->mutex);
                s->peaks[name] = std::max(s->peaks[name], kib);
            }
            for (int i = 0; i < 5 && !s->stop; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
}

MemorySampler::~MemorySampler() {
    stop();
    delete state_;
}

std::map<std::string, long> MemorySampler::stop() {
    state_->stop = true;
    if (state_->thread.joinable()) state_->thread.join();
    std::lock_guard lock(state_->mutex);
    return state_->peaks;
}

void raise_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

}  // namespace ddns::bench
