#include "ddns/gateway/config/config_sources.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>

#include "ddns/gateway/base/text.hpp"

extern char** environ;  // NOLINT: POSIX, declared by no header in C++

namespace ddns::gateway {
namespace {

constexpr std::string_view kPrefix = "DDNS_";
constexpr std::string_view kFileSuffix = "_FILE";

// Configuration files may have CRLF line ends.
std::string_view trim(std::string_view s) {
    return text::trim(s, " \t\r");
}

std::string line_at(int n) {
    return "line " + std::to_string(n);
}

// The file's settings, key by key, with the errors of its syntax.
Expected<std::map<const ConfigKey*, Setting>, std::string> file_settings(std::string_view text) {
    std::map<const ConfigKey*, Setting> out;
    int line_no = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        line = trim(line);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        const auto eq = line.find('=');
        const std::string where = line_at(line_no);
        if (eq == std::string_view::npos) return Unexpected{where + ": expected `key = value`"};
        const std::string_view key = trim(line.substr(0, eq));
        std::string_view value = trim(line.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        const ConfigKey* row = find_config_key(key);
        if (row == nullptr) return Unexpected{where + ": unknown key `" + std::string(key) + "`"};
        if (out.count(row) != 0)
            return Unexpected{where + ": `" + std::string(key) + "` is set twice"};
        out.emplace(row, Setting{row, std::string(value), Origin::File, where});
    }
    return out;
}

// The first line of a secret file (Docker and systemd credentials end it with a newline).
Expected<std::string, std::string> first_line_of(const std::string& variable,
                                                 const std::string& path) {
    std::ifstream in(path);
    if (!in) return Unexpected{variable + ": cannot read " + path};
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

// The sections of kKeys ("http", "database", ...), to tell a typo from a foreign variable.
std::set<std::string> section_prefixes() {
    std::set<std::string> out;
    for (const auto& key : config_keys()) {
        const auto dot = key.name.find('.');
        out.insert(environment_name(key.name.substr(0, dot)) + "_");
    }
    return out;
}

// Applies the DDNS_ variables over `settings`.
std::optional<std::string> environment_settings(const Environment& env,
                                                std::map<const ConfigKey*, Setting>& settings) {
    std::map<std::string, const ConfigKey*, std::less<>> by_name;
    for (const auto& key : config_keys()) by_name.emplace(environment_name(key.name), &key);
    const auto sections = section_prefixes();
    std::set<const ConfigKey*> from_env;
    for (const auto& [name, value] : env) {
        if (!name.starts_with(kPrefix)) continue;
        const ConfigKey* key = nullptr;
        bool from_file = false;
        if (const auto at = by_name.find(name); at != by_name.end()) {
            key = at->second;
        } else if (name.ends_with(kFileSuffix)) {
            const auto base = std::string_view(name).substr(0, name.size() - kFileSuffix.size());
            if (const auto at2 = by_name.find(base); at2 != by_name.end()) {
                key = at2->second;
                from_file = true;
            }
        }
        if (key == nullptr) {
            // (A plain reference: clang before 16 cannot capture a structured binding.)
            const std::string& variable = name;
            const bool looks_like_key =
                std::any_of(sections.begin(), sections.end(),
                            [&variable](const auto& s) { return variable.starts_with(s); });
            if (looks_like_key) return name + " names no configuration key";
            continue;  // DDNS_GATEWAY_CONFIG and variables of other programs
        }
        if (!from_env.insert(key).second)
            return environment_name(key->name) + " and " + environment_name(key->name) +
                   std::string(kFileSuffix) + " are both set: use one";
        Setting s{key, value, Origin::Variable, name};
        if (from_file) {
            auto line = first_line_of(name, value);
            if (!line) return line.error();
            s = Setting{key, std::move(*line), Origin::VariableFile, name + "=" + value};
        }
        settings.insert_or_assign(key, std::move(s));
    }
    return std::nullopt;
}

std::string_view origin_text(Origin origin) {
    switch (origin) {
        case Origin::File:
            return "file";
        case Origin::Variable:
        case Origin::VariableFile:
            return "environment";
        case Origin::Default:
            break;
    }
    return "default";
}

}  // namespace

std::string environment_name(std::string_view key) {
    std::string out(kPrefix);
    for (const char ch : key)
        out += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return out;
}

Environment process_environment() {
    Environment out;
    for (char** at = environ; at != nullptr && *at != nullptr; ++at) {
        const std::string_view entry(*at);
        const auto eq = entry.find('=');
        if (eq == std::string_view::npos) continue;
        out.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
    return out;
}

bool environment_configures(const Environment& env) {
    for (const auto& key : config_keys()) {
        const auto name = environment_name(key.name);
        const auto file = name + std::string(kFileSuffix);
        for (const auto& [n, v] : env)
            if (n == name || n == file) return true;
    }
    return false;
}

Expected<std::vector<Setting>, std::string> collect_settings(std::string_view file_text,
                                                             const Environment& env) {
    auto from_file = file_settings(file_text);
    if (!from_file) return Unexpected{from_file.error()};
    if (auto error = environment_settings(env, *from_file)) return Unexpected{*error};
    std::vector<Setting> out;
    for (const auto& key : config_keys()) {
        if (const auto at = from_file->find(&key); at != from_file->end()) {
            out.push_back(at->second);
        } else {
            const bool required = key.default_value == kRequired;
            out.push_back(Setting{&key, required ? std::string() : std::string(key.default_value),
                                  Origin::Default, "default"});
        }
    }
    return out;
}

std::string format_settings(const std::vector<Setting>& settings) {
    std::string out;
    for (const auto& s : settings) {
        std::string line = std::string(s.key->name) + " = ";
        if (s.key->secret && !s.value.empty())
            line += "********";
        else if (s.origin == Origin::Default && s.key->default_value == kRequired)
            line += "(not set)";
        else
            line += s.value;
        if (line.size() < 48) line.resize(48, ' ');
        line += "  # ";
        line += origin_text(s.origin);
        if (s.origin != Origin::Default) line += " " + s.where;
        out += line + "\n";
    }
    return out;
}

}  // namespace ddns::gateway
