// The real transport: POCO HTTP(S) with certificate verification on by default and a timeout on
// every request.
#pragma once

#include "ddns/agent/agent.hpp"

namespace ddns::agent {

Send make_http_send(const AgentConfig& config);
Fetch make_http_fetch(const AgentConfig& config);

}  // namespace ddns::agent
