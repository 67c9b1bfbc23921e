// The wire words of each protocol, mapped to the agent's three verdicts.
#include "ddns/agent/answer.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace ddns::agent {
namespace {

std::string first_line(std::string_view body) {
    const auto nl = body.find_first_of("\r\n");
    std::string line(body.substr(0, std::min<std::size_t>(nl, 200)));
    for (char& c : line) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
    }
    return line;
}

Answer make(Verdict v, std::string reason, const HttpReply& reply) {
    return {v, std::move(reason), reply.retry_after};
}

Answer transport(const HttpReply& reply) {
    if (reply.status == 0) return make(Verdict::Temporary, "network: " + reply.error, reply);
    if (reply.status >= 500 || reply.status == 429 || reply.status == 408) {
        return make(Verdict::Temporary, "HTTP " + std::to_string(reply.status), reply);
    }
    return make(Verdict::Fatal, "HTTP " + std::to_string(reply.status), reply);
}

Answer dyndns2(const HttpReply& reply) {
    const std::string line = first_line(reply.body);
    const std::string word = line.substr(0, line.find(' '));
    if (word == "good" || word == "nochg") return make(Verdict::Success, line, reply);
    if (word == "dnserr" || word == "911") return make(Verdict::Temporary, line, reply);
    if (word == "abuse") {
        // With Retry-After: the throttle or a budget, wait and retry. Without: a block.
        return make(reply.retry_after ? Verdict::Temporary : Verdict::Fatal, line, reply);
    }
    static constexpr std::array<std::string_view, 8> kFatal = {
        "badauth", "nohost", "notfqdn", "numhost", "badagent", "badsys", "!donator", "!yours"};
    if (std::find(kFatal.begin(), kFatal.end(), word) != kFatal.end()) {
        return make(Verdict::Fatal, line, reply);
    }
    return transport(reply);
}

Answer dynamic(const HttpReply& reply) {
    const std::string line = first_line(reply.body);
    if (reply.status == 200 && line == "OK") return make(Verdict::Success, line, reply);
    if (reply.status == 0 || reply.status >= 500 || reply.status == 429) {
        return make(Verdict::Temporary, std::to_string(reply.status) + " " + line, reply);
    }
    return make(Verdict::Fatal, std::to_string(reply.status) + " " + line, reply);
}

Answer dynamip(const HttpReply& reply) {
    const std::string line = first_line(reply.body);
    if (reply.status == 200 && line.starts_with("IP Address for ")) {
        return make(Verdict::Success, line, reply);
    }
    if (reply.status == 200 && line.starts_with("{{{")) {
        if (line.starts_with("{{{Server Error") || reply.retry_after) {
            return make(Verdict::Temporary, line, reply);
        }
        return make(Verdict::Fatal, line, reply);
    }
    return transport(reply);
}

Answer myserver(const HttpReply& reply) {
    const std::string line = first_line(reply.body);
    if (reply.status == 200 && (line == "DNS ADD:SUCCESS" || line == "DNS DELETE:SUCCESS" ||
                                line == "Error:Record Already Exists")) {
        return make(Verdict::Success, line, reply);
    }
    if (reply.status == 200 && line.starts_with("Error:")) {
        if (line == "Error:Server Error" || line == "Error:Too Many Attempts") {
            return make(Verdict::Temporary, line, reply);
        }
        return make(Verdict::Fatal, line, reply);
    }
    return transport(reply);
}

}  // namespace

Answer classify(Protocol protocol, const HttpReply& reply) {
    if (reply.status == 0) return transport(reply);
    switch (protocol) {
        case Protocol::Dyndns2:
            return dyndns2(reply);
        case Protocol::Dynamic:
            return dynamic(reply);
        case Protocol::Dynamip:
            return dynamip(reply);
        case Protocol::Myserver:
            return myserver(reply);
    }
    return transport(reply);
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    long long seconds = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || ptr != value.data() + value.size() || value.empty() || seconds < 0) {
        return std::nullopt;
    }
    return std::chrono::seconds(std::min<long long>(seconds, 7LL * 86400));
}

}  // namespace ddns::agent
