// The requests each protocol sends for one host (private to the agent library).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ddns/agent/agent.hpp"

namespace ddns::agent {

struct ProtocolInput {
    const AgentConfig& config;
    const std::string& host;
    std::optional<IpAddress> v4;
    std::optional<IpAddress> v6;
    bool v4_auto = false;
    bool v6_auto = false;
    std::optional<IpAddress> previous_v4;  // MyServer deletes the cached old address first
};

struct RequestStep {
    HttpRequest request;
    bool ignore_failure = false;  // MyServer's Delete of an address that is already gone
};

std::vector<RequestStep> build_requests(const ProtocolInput& input);

}  // namespace ddns::agent
