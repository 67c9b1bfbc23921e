#include "ddns/gateway/cli/systemd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <ctime>

namespace ddns::gateway {
namespace {

std::optional<std::string> variable(const Environment& env, std::string_view name) {
    for (const auto& [n, v] : env)
        if (n == name) return v;
    return std::nullopt;
}

std::optional<long long> number(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    long long value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size() || value <= 0) return std::nullopt;
    return value;
}

}  // namespace

SystemdNotifier SystemdNotifier::from_environment(const Environment& env) {
    std::string socket = variable(env, "NOTIFY_SOCKET").value_or("");
    // Only absolute paths and abstract names are valid; anything else is not systemd's.
    if (!socket.empty() && socket.front() != '/' && socket.front() != '@') socket.clear();
    std::chrono::microseconds watchdog{0};
    const auto usec = number(variable(env, "WATCHDOG_USEC"));
    const auto pid = number(variable(env, "WATCHDOG_PID"));
    if (usec && (!pid || *pid == ::getpid())) watchdog = std::chrono::microseconds(*usec);
    return SystemdNotifier(std::move(socket), watchdog);
}

SystemdNotifier::SystemdNotifier(std::string socket, std::chrono::microseconds watchdog_interval)
    : socket_(std::move(socket)), watchdog_interval_(watchdog_interval) {}

bool SystemdNotifier::notify(std::string_view state) const {
    if (socket_.empty()) return false;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket_.size() >= sizeof address.sun_path) return false;
    std::memcpy(address.sun_path, socket_.data(), socket_.size());
    if (address.sun_path[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const auto sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&address), length);
    ::close(fd);
    return sent == static_cast<ssize_t>(state.size());
}

std::optional<std::chrono::microseconds> SystemdNotifier::watchdog_period() const {
    if (socket_.empty() || watchdog_interval_.count() <= 0) return std::nullopt;
    return watchdog_interval_ / 2;
}

std::string monotonic_usec_line() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const long long usec = static_cast<long long>(now.tv_sec) * 1000000LL + now.tv_nsec / 1000;
    return "MONOTONIC_USEC=" + std::to_string(usec);
}

WatchdogPinger::WatchdogPinger(const SystemdNotifier& notifier, std::chrono::microseconds period,
                               std::function<bool()> healthy)
    : notifier_(notifier), period_(period), healthy_(std::move(healthy)) {
    thread_ = std::thread([this] { run(); });
}

WatchdogPinger::~WatchdogPinger() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void WatchdogPinger::run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        if (healthy_()) notifier_.notify("WATCHDOG=1");
        wake_.wait_for(lock, period_, [this] { return stop_; });
    }
}

}  // namespace ddns::gateway
