// The agent's configuration file: `key = value` lines, parsed once into a value.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/nsupdate/expected.hpp"

namespace ddns::agent {

enum class Protocol { Dyndns2, Dynamic, Dynamip, Myserver };

// Where one address family comes from.
struct AddressSource {
    enum class Kind { Off, Auto, Web, Interface, File, Command };
    Kind kind = Kind::Off;
    std::string argument;  // URL, interface name, path or command; empty for web = server's /myip
};

struct AgentConfig {
    std::string server;  // base URL without a trailing slash
    Protocol protocol = Protocol::Dyndns2;
    std::string username;
    std::string password;
    std::vector<std::string> hostnames;
    AddressSource ipv4{AddressSource::Kind::Web, {}};
    AddressSource ipv6{AddressSource::Kind::Off, {}};
    std::chrono::seconds interval{300};
    std::chrono::seconds max_interval{86400};
    std::chrono::seconds heartbeat_interval{900};
    std::chrono::seconds timeout{30};
    std::chrono::seconds backoff_min{30};
    std::chrono::seconds backoff_max{3600};
    std::string state_file;
    std::string status_file;
    std::string ca_file;
    bool allow_private = false;
    bool insecure_http = false;
};

// Parses the whole text; the error names the line and the key. Never echoes the password.
Expected<AgentConfig, std::string> parse_config(std::string_view text);
Expected<AgentConfig, std::string> load_config(const std::string& path);

// "300", "30s", "5m", "2h", "1d".
Expected<std::chrono::seconds, std::string> parse_duration(std::string_view text);
Expected<AddressSource, std::string> parse_source(std::string_view text);
std::string_view protocol_name(Protocol protocol);

}  // namespace ddns::agent
