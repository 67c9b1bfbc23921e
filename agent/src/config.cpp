// Parsing of the agent's `key = value` configuration file.
#include "ddns/agent/config.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

#include "ddns/nsupdate/dns_name.hpp"

namespace ddns::agent {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

Expected<bool, std::string> parse_bool(std::string_view v) {
    if (v == "yes" || v == "true" || v == "on" || v == "1") return true;
    if (v == "no" || v == "false" || v == "off" || v == "0") return false;
    return Unexpected(std::string("expected yes or no"));
}

Expected<Protocol, std::string> parse_protocol(std::string_view v) {
    if (v == "dyndns2") return Protocol::Dyndns2;
    if (v == "dynamic") return Protocol::Dynamic;
    if (v == "dynamip") return Protocol::Dynamip;
    if (v == "myserver") return Protocol::Myserver;
    return Unexpected(std::string("expected dyndns2, dynamic, dynamip or myserver"));
}

std::vector<std::string> split_hosts(std::string_view v) {
    std::vector<std::string> out;
    while (!v.empty()) {
        const auto comma = v.find(',');
        const auto item = trim(v.substr(0, comma));
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
    }
    return out;
}

// Applies one key; an empty string means accepted.
std::string apply(AgentConfig& c, std::string_view key, std::string_view value) {
    auto duration = [&](std::chrono::seconds& out) -> std::string {
        auto d = parse_duration(value);
        if (!d) return d.error();
        out = *d;
        return {};
    };
    auto boolean = [&](bool& out) -> std::string {
        auto b = parse_bool(value);
        if (!b) return b.error();
        out = *b;
        return {};
    };
    auto source = [&](AddressSource& out) -> std::string {
        auto s = parse_source(value);
        if (!s) return s.error();
        out = *s;
        return {};
    };
    if (key == "server") {
        c.server = std::string(value);
        while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
        return {};
    }
    if (key == "protocol") {
        auto p = parse_protocol(value);
        if (!p) return p.error();
        c.protocol = *p;
        return {};
    }
    if (key == "username") return c.username = std::string(value), std::string();
    if (key == "password") return c.password = std::string(value), std::string();
    if (key == "hostname") return c.hostnames = split_hosts(value), std::string();
    if (key == "ipv4") return source(c.ipv4);
    if (key == "ipv6") return source(c.ipv6);
    if (key == "interval") return duration(c.interval);
    if (key == "max_interval") return duration(c.max_interval);
    if (key == "heartbeat_interval") return duration(c.heartbeat_interval);
    if (key == "timeout") return duration(c.timeout);
    if (key == "backoff_min") return duration(c.backoff_min);
    if (key == "backoff_max") return duration(c.backoff_max);
    if (key == "state_file") return c.state_file = std::string(value), std::string();
    if (key == "status_file") return c.status_file = std::string(value), std::string();
    if (key == "ca_file") return c.ca_file = std::string(value), std::string();
    if (key == "allow_private") return boolean(c.allow_private);
    if (key == "insecure_http") return boolean(c.insecure_http);
    return "unknown key";
}

std::string validate(const AgentConfig& c) {
    const bool https = c.server.starts_with("https://");
    const bool http = c.server.starts_with("http://");
    if (!https && !http) return "server: must start with https:// or http://";
    if (http && !c.insecure_http) return "server: http:// needs insecure_http = yes";
    if (c.username.empty()) return "username: missing";
    if (c.password.empty()) return "password: missing";
    if (c.hostnames.empty()) return "hostname: missing";
    for (const auto& host : c.hostnames) {
        if (!DnsName::parse(host)) return "hostname: not a host name: " + host;
    }
    using K = AddressSource::Kind;
    if (c.ipv4.kind == K::Off && c.ipv6.kind == K::Off) return "ipv4, ipv6: both are off";
    if (c.protocol == Protocol::Myserver && c.ipv6.kind != K::Off) {
        return "ipv6: the myserver protocol carries IPv4 only (set ipv6 = off)";
    }
    if (c.interval.count() < 1) return "interval: must be at least 1s";
    if (c.max_interval < c.interval) return "max_interval: shorter than interval";
    if (c.timeout.count() < 1) return "timeout: must be at least 1s";
    if (c.backoff_min.count() < 1 || c.backoff_max < c.backoff_min) {
        return "backoff_max: must be at least backoff_min (itself at least 1s)";
    }
    return {};
}

}  // namespace

std::string_view protocol_name(Protocol protocol) {
    switch (protocol) {
        case Protocol::Dyndns2:
            return "dyndns2";
        case Protocol::Dynamic:
            return "dynamic";
        case Protocol::Dynamip:
            return "dynamip";
        case Protocol::Myserver:
            return "myserver";
    }
    return "dyndns2";
}

Expected<std::chrono::seconds, std::string> parse_duration(std::string_view text) {
    long long number = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, number);
    if (ec != std::errc() || ptr == text.data() || number < 0) {
        return Unexpected(std::string("expected a duration such as 30s, 5m, 2h or 1d"));
    }
    const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
    long long factor = 0;
    if (unit.empty() || unit == "s") factor = 1;
    if (unit == "m") factor = 60;
    if (unit == "h") factor = 3600;
    if (unit == "d") factor = 86400;
    if (factor == 0 || number > 10LL * 365 * 86400 / factor) {
        return Unexpected(std::string("expected a duration such as 30s, 5m, 2h or 1d"));
    }
    return std::chrono::seconds(number * factor);
}

Expected<AddressSource, std::string> parse_source(std::string_view text) {
    const auto space = text.find(' ');
    const auto word = text.substr(0, space);
    const auto arg =
        space == std::string_view::npos ? std::string_view() : trim(text.substr(space));
    using K = AddressSource::Kind;
    if (word == "off" && arg.empty()) return AddressSource{K::Off, {}};
    if (word == "auto" && arg.empty()) return AddressSource{K::Auto, {}};
    if (word == "web") return AddressSource{K::Web, std::string(arg)};
    if (arg.empty() && (word == "interface" || word == "file" || word == "command")) {
        return Unexpected(std::string(word) + " needs an argument");
    }
    if (word == "interface") return AddressSource{K::Interface, std::string(arg)};
    if (word == "file") return AddressSource{K::File, std::string(arg)};
    if (word == "command") return AddressSource{K::Command, std::string(arg)};
    return Unexpected(
        std::string("expected off, auto, web [URL], interface NAME, file PATH or command CMD"));
}

Expected<AgentConfig, std::string> parse_config(std::string_view text) {
    AgentConfig config;
    int number = 0;
    while (!text.empty()) {
        ++number;
        const auto nl = text.find('\n');
        const auto line = trim(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty() || line.front() == '#') continue;
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) {
            return Unexpected("line " + std::to_string(number) + ": expected key = value");
        }
        const auto key = trim(line.substr(0, eq));
        const auto value = trim(line.substr(eq + 1));
        if (auto error = apply(config, key, value); !error.empty()) {
            // The value is not repeated: it may be the password.
            return Unexpected("line " + std::to_string(number) + ": " + std::string(key) + ": " +
                              error);
        }
    }
    if (auto error = validate(config); !error.empty()) return Unexpected(error);
    return config;
}

Expected<AgentConfig, std::string> load_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Unexpected("cannot read " + path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto parsed = parse_config(buffer.str());
    if (!parsed) return Unexpected(path + ": " + parsed.error());
    return parsed;
}

}  // namespace ddns::agent
