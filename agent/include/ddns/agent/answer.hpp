// What a server's answer means for the agent: success, try again later, or stop this host.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "ddns/agent/config.hpp"

namespace ddns::agent {

enum class Verdict { Success, Temporary, Fatal };

struct Answer {
    Verdict verdict = Verdict::Temporary;
    std::string reason;  // the server's word or line, printable, for logs and the status file
    std::optional<std::chrono::seconds> retry_after;
};

// status 0 means no HTTP answer at all (network error, timeout).
struct HttpReply {
    int status = 0;
    std::string body;
    std::optional<std::chrono::seconds> retry_after;
    std::string error;  // transport error text when status == 0
};

// One function per protocol turns the reply into a verdict; the table is tested row by row.
Answer classify(Protocol protocol, const HttpReply& reply);

// "Retry-After: 120" (seconds) only; HTTP dates are ignored (the gateway sends seconds).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

}  // namespace ddns::agent
