// The state file ("<host> <v4|v6> <address> <unix seconds>" per line) and the status JSON.
#include "ddns/agent/state.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace ddns::agent {
namespace {

constexpr std::string_view kHeader = "# ddns-agent state v1";

std::string json_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += '?';
        } else {
            out += c;
        }
    }
    return out;
}

std::string json_time(const std::optional<TimePoint>& t) {
    if (!t) return "null";
    const std::time_t seconds = Clock::to_time_t(*t);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    std::array<char, 32> buffer{};
    std::strftime(buffer.data(), buffer.size(), "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
    return buffer.data();
}

}  // namespace

LoadedState parse_state(std::string_view text) {
    LoadedState loaded;
    std::istringstream in{std::string(text)};
    std::string line;
    if (!std::getline(in, line) || line != kHeader) {
        loaded.corrupt = !text.empty();
        return loaded;
    }
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::istringstream fields(line);
        std::string host, family, address, extra;
        long long seconds = -1;
        if (!(fields >> host >> family >> address >> seconds) || (fields >> extra) ||
            (family != "v4" && family != "v6") || seconds < 0) {
            return LoadedState{{}, true};
        }
        loaded.entries[host + " " + family] = {address, TimePoint(std::chrono::seconds(seconds))};
    }
    return loaded;
}

std::string format_state(const StateMap& state) {
    std::string out = std::string(kHeader) + "\n";
    for (const auto& [key, entry] : state) {
        const auto seconds =
            std::chrono::duration_cast<std::chrono::seconds>(entry.sent_at.time_since_epoch());
        out += key + " " + entry.address + " " + std::to_string(seconds.count()) + "\n";
    }
    return out;
}

LoadedState load_state(const std::string& path) {
    std::ifstream in(path);
    if (!in) return {};
    std::stringstream buffer;
    buffer << in.rdbuf();
    return parse_state(buffer.str());
}

bool write_file_atomically(const std::string& path, std::string_view text) {
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        if (!out) return false;
        out << text;
        if (!out.flush()) return false;
    }
    return std::rename(temporary.c_str(), path.c_str()) == 0;
}

bool save_state(const std::string& path, const StateMap& state) {
    return write_file_atomically(path, format_state(state));
}

std::string format_status(const std::map<std::string, HostStatus>& hosts) {
    std::string out = "{\"hosts\": {";
    bool first = true;
    for (const auto& [host, s] : hosts) {
        out += first ? "\n" : ",\n";
        first = false;
        out += "  \"" + json_escape(host) + "\": {\"state\": \"" + s.state +
               "\", \"last_answer\": \"" + json_escape(s.last_answer) +
               "\", \"last_attempt\": " + json_time(s.last_attempt) +
               ", \"last_success\": " + json_time(s.last_success) +
               ", \"next_attempt\": " + json_time(s.next_attempt) +
               ", \"ipv4\": " + (s.ipv4.empty() ? "null" : "\"" + s.ipv4 + "\"") +
               ", \"ipv6\": " + (s.ipv6.empty() ? "null" : "\"" + s.ipv6 + "\"") + "}";
    }
    out += "\n}}\n";
    return out;
}

}  // namespace ddns::agent
