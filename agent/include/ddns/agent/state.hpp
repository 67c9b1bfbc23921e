// The state file (last address sent per host and family) and the status file (JSON for humans
// and monitoring).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ddns::agent {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

struct HostFamilyState {
    std::string address;  // last address the server accepted ("auto" when none was sent)
    TimePoint sent_at{};
};

// key: "<host> <v4|v6>"
using StateMap = std::map<std::string, HostFamilyState>;

struct LoadedState {
    StateMap entries;
    bool corrupt = false;  // the file existed but could not be read: start empty, send fresh
};

LoadedState parse_state(std::string_view text);
std::string format_state(const StateMap& state);
LoadedState load_state(const std::string& path);
// Writes to a temporary file and renames it, so a crash never leaves half a file.
bool save_state(const std::string& path, const StateMap& state);

struct HostStatus {
    std::string state = "pending";  // pending | ok | retrying | stopped
    std::string last_answer;
    std::optional<TimePoint> last_attempt;
    std::optional<TimePoint> last_success;
    std::optional<TimePoint> next_attempt;
    std::string ipv4;
    std::string ipv6;
};

std::string format_status(const std::map<std::string, HostStatus>& hosts);
bool write_file_atomically(const std::string& path, std::string_view text);

}  // namespace ddns::agent
