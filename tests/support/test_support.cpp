#include "test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ddns::test {
namespace fs = std::filesystem;

namespace {

std::vector<char*> to_c_argv(std::vector<std::string>& args) {
    std::vector<char*> out;
    out.reserve(args.size() + 1);
    for (auto& a : args) out.push_back(a.data());
    out.push_back(nullptr);
    return out;
}

void apply_env(const std::map<std::string, std::string>& extra_env) {
    for (const auto& [k, v] : extra_env) ::setenv(k.c_str(), v.c_str(), 1);
}

bool bind_ok(int type, std::uint16_t port) {
    int fd = ::socket(AF_INET, type, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

TempDir::TempDir(const std::string& prefix) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
    fs::permissions(path_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
}

TempDir::~TempDir() {
    if (std::getenv("DDNS_KEEP_TEMP") != nullptr) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
}

PortRange ephemeral_ports() {
    PortRange range;
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    PortRange read;
    if (in >> read.low >> read.high && read.low <= read.high) range = read;
    return range;
}

std::uint16_t free_port() {
    static std::mutex mutex;
    static std::set<std::uint16_t> handed_out;
    static std::mt19937 rng(std::random_device{}());
    std::lock_guard lock(mutex);
    // Candidates: 15000-65000 without the ephemeral range (all of it if nothing is left).
    constexpr int kLow = 15000;
    constexpr int kHigh = 65000;
    const auto ephemeral = ephemeral_ports();
    const int below = std::max(0, std::min(ephemeral.low, kHigh + 1) - kLow);
    const int above = std::max(0, kHigh - std::max(ephemeral.high, kLow - 1));
    const bool outside = below + above > 0;
    std::uniform_int_distribution<int> dist(0, outside ? below + above - 1 : kHigh - kLow);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const int pick = dist(rng);
        const int candidate = !outside ? kLow + pick
                              : pick < below
                                  ? kLow + pick
                                  : std::max(ephemeral.high, kLow - 1) + 1 + pick - below;
        auto port = static_cast<std::uint16_t>(candidate);
        if (handed_out.count(port) != 0) continue;
        if (bind_ok(SOCK_STREAM, port) && bind_ok(SOCK_DGRAM, port)) {
            handed_out.insert(port);
            return port;
        }
    }
    throw std::runtime_error("no free port found");
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::string& input,
                          const std::map<std::string, std::string>& extra_env) {
    int out_pipe[2];
    int in_pipe[2];
    if (::pipe(out_pipe) != 0 || ::pipe(in_pipe) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> args = argv;
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(out_pipe[1], 2);
        ::close(in_pipe[0]);
        ::close(in_pipe[1]);
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        ::setpgid(0, 0);
        apply_env(extra_env);
        auto cargv = to_c_argv(args);
        ::execvp(cargv[0], cargv.data());
        ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    if (!input.empty()) {
        ssize_t ignored = ::write(in_pipe[1], input.data(), input.size());
        (void)ignored;
    }
    ::close(in_pipe[1]);

    CommandResult result;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            ::kill(-pid, SIGKILL);
            break;
        }
        pollfd pfd{out_pipe[0], POLLIN, 0};
        int rc = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left.count(), 200)));
        if (rc > 0) {
            ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
            if (n <= 0) break;
            result.output.append(buf, static_cast<std::size_t>(n));
        }
    }
    ::close(out_pipe[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.exit_code = (!result.timed_out && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
    return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, fs::path log_path,
                           const std::map<std::string, std::string>& extra_env)
    : log_path_(std::move(log_path)) {
    std::vector<std::string> args = argv;
    int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error("cannot open log " + log_path_.string());
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        int devnull = ::open("/dev/null", O_RDONLY);
        ::dup2(devnull, 0);
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        ::setpgid(0, 0);
        apply_env(extra_env);
        auto cargv = to_c_argv(args);
        ::execvp(cargv[0], cargv.data());
        ::_exit(127);
    }
    ::close(log_fd);
}

ChildProcess::~ChildProcess() {
    stop();
}

bool ChildProcess::running() {
    if (status_) return false;
    int status = 0;
    pid_t rc = ::waitpid(pid_, &status, WNOHANG);
    if (rc == pid_) {
        status_ = status;
        return false;
    }
    return rc == 0;
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
    if (pid_ <= 0) return -1;
    if (running()) {
        ::kill(pid_, SIGTERM);
        if (!wait_until([this] { return !running(); }, grace, std::chrono::milliseconds(10))) {
            ::kill(-pid_, SIGKILL);
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            status_ = status;
        }
    }
    return (status_ && WIFEXITED(*status_)) ? WEXITSTATUS(*status_) : -1;
}

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (ready()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(interval);
    }
}

bool tcp_port_open(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

std::string find_program(const std::string& name, const std::vector<std::string>& extra_dirs) {
    std::vector<std::string> dirs;
    if (const char* path = std::getenv("PATH")) {
        std::stringstream ss(path);
        std::string dir;
        while (std::getline(ss, dir, ':'))
            if (!dir.empty()) dirs.push_back(dir);
    }
    dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
    for (const auto& dir : dirs) {
        fs::path candidate = fs::path(dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return {};
}

}  // namespace ddns::test
