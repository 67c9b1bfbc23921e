// systemd's service notification protocol (sd_notify(3)) without libsystemd: each message is one
// datagram to the unix socket NOTIFY_SOCKET names (a leading '@' is the abstract namespace).
// `serve` says READY=1 once its listeners are up and the database answered, RELOADING=1 and
// READY=1 around a SIGHUP, STOPPING=1 on SIGTERM, and WATCHDOG=1 at half of WATCHDOG_USEC while
// its connection loop goes round. Without NOTIFY_SOCKET nothing is sent.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "ddns/gateway/config/config.hpp"

namespace ddns::gateway {

class SystemdNotifier {
public:
    // From NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (the watchdog is for this process only
    // when WATCHDOG_PID names it or is absent).
    static SystemdNotifier from_environment(const Environment& env);
    SystemdNotifier(std::string socket, std::chrono::microseconds watchdog_interval);

    bool enabled() const { return !socket_.empty(); }
    // Sends `state` (lines such as "READY=1\nSTATUS=serving"); false when it was not delivered
    // (no socket configured, or the send failed).
    bool notify(std::string_view state) const;
    // Half of WATCHDOG_USEC, as systemd recommends; nullopt when no watchdog is asked for.
    std::optional<std::chrono::microseconds> watchdog_period() const;

private:
    std::string socket_;
    std::chrono::microseconds watchdog_interval_;
};

// "MONOTONIC_USEC=<now>": systemd wants it beside RELOADING=1.
std::string monotonic_usec_line();

// Sends WATCHDOG=1 every `period` from its own thread while `healthy()` holds; when it does not,
// it stays silent and systemd restarts the service once WATCHDOG_USEC passes.
class WatchdogPinger {
public:
    WatchdogPinger(const SystemdNotifier& notifier, std::chrono::microseconds period,
                   std::function<bool()> healthy);
    ~WatchdogPinger();
    WatchdogPinger(const WatchdogPinger&) = delete;
    WatchdogPinger& operator=(const WatchdogPinger&) = delete;

private:
    void run();
    const SystemdNotifier& notifier_;
    std::chrono::microseconds period_;
    std::function<bool()> healthy_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace ddns::gateway
