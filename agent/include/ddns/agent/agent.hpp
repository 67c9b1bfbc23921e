// The agent's update rounds: read addresses, decide per host whether to send, speak the
// protocol, and keep the state, the backoff and the status.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "ddns/agent/address.hpp"
#include "ddns/agent/answer.hpp"
#include "ddns/agent/config.hpp"
#include "ddns/agent/state.hpp"

namespace ddns::agent {

struct HttpRequest {
    std::string url;
    bool basic_auth = false;  // send username/password as HTTP Basic
};

// The transport seam: the real one speaks POCO HTTP(S), tests may pass their own.
using Send = std::function<HttpReply(const HttpRequest&)>;

enum class RoundResult { Success, Fatal, Temporary };

class Agent {
public:
    Agent(AgentConfig config, Send send, Fetch fetch);

    // One round at `now`: every host due is updated. force ignores the schedule and clears
    // stopped hosts (the operator's signal).
    RoundResult run_round(TimePoint now, bool force);
    // When the next round is due (the earliest host, or now + interval).
    TimePoint next_wakeup(TimePoint now) const;
    const std::map<std::string, HostStatus>& status() const { return status_; }
    void set_if_inet6_path(std::string path) { if_inet6_ = std::move(path); }
    void set_random(std::function<std::uint64_t()> random) { random_ = std::move(random); }

private:
    struct HostRun {
        unsigned failures = 0;
        bool stopped = false;
        TimePoint next_attempt{};
    };
    struct Addresses {
        std::optional<IpAddress> v4;
        std::optional<IpAddress> v6;
        bool v4_auto = false;
        bool v6_auto = false;
    };

    std::optional<Addresses> gather(std::string& why) const;
    std::chrono::seconds refresh() const;  // max_interval, or the DynamIP heartbeat
    bool due(const std::string& host, const Addresses& addresses, TimePoint now) const;
    Answer update_host(const std::string& host, const Addresses& addresses);
    void record(const std::string& host, const Addresses& addresses, const Answer& answer,
                TimePoint now);
    void persist() const;

    AgentConfig config_;
    Send send_;
    Fetch fetch_;
    std::string if_inet6_ = "/proc/net/if_inet6";
    std::function<std::uint64_t()> random_;
    StateMap state_;
    std::map<std::string, HostRun> runs_;
    std::map<std::string, HostStatus> status_;
};

// Builds the request URLs of each protocol (the password appears only where the dialect wants it
// in the query; such URLs are never logged).
std::string url_encode(std::string_view text);

}  // namespace ddns::agent
