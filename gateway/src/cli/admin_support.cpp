#include "admin_support.hpp"

#include <termios.h>
#include <unistd.h>
#include <algorithm>
#include <charconv>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "ddns/auth/password.hpp"
#include "ddns/auth/token.hpp"
#include "ddns/gateway/base/duration.hpp"
#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/base/utc_time.hpp"
#include "ddns/gateway/cli/commands.hpp"
#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/core/record_service.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/audit_repository.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_store.hpp"

namespace ddns::gateway {

int AdminContext::fail(const std::string& message) const {
    err << "ddns-gateway admin: " << message << "\n";
    return 1;
}

Args Args::parse(const std::vector<std::string>& raw, const std::vector<std::string>& flag_names) {
    Args a;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const std::string& w = raw[i];
        if (w.rfind("--", 0) == 0) {
            bool is_flag = false;
            for (const auto& f : flag_names) is_flag = is_flag || f == w;
            if (is_flag) {
                a.flags[w] = true;
            } else if (i + 1 < raw.size()) {
                a.options[w] = raw[++i];
            } else {
                throw UsageError("option " + w + " needs a value");
            }
        } else {
            a.words.push_back(w);
        }
    }
    return a;
}

std::optional<std::string> Args::opt(const std::string& name) const {
    auto it = options.find(name);
    return it == options.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::string Args::need(const std::string& name) const {
    auto v = opt(name);
    if (!v) throw UsageError("missing " + name);
    return *v;
}

void Args::only(const std::vector<std::string>& allowed) const {
    for (const auto& [k, v] : options) {
        bool ok = false;
        for (const auto& a : allowed) ok = ok || a == k;
        if (!ok) throw UsageError("unknown option " + k);
    }
}

const std::string& arg(const Args& a, std::size_t i, const char* what) {
    if (a.words.size() <= i) throw UsageError(std::string("missing ") + what);
    return a.words[i];
}

DnsName need_name(const std::string& text, const char* what) {
    auto name = DnsName::parse(text);
    if (!name) throw UsageError(std::string("invalid ") + what + ": " + text);
    return *name;
}

std::string format_time(const std::optional<auth::TimePoint>& t) {
    if (!t) return "-";
    const std::time_t tt = auth::Clock::to_time_t(*t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string opt_ip(const std::optional<IpAddress>& ip) {
    return ip ? ip->to_string() : "-";
}

// A decimal number 0..max (digits only).
std::optional<std::uint32_t> parse_number(const std::string& text, std::uint32_t max) {
    if (text.empty() || text.size() > 9) return std::nullopt;
    std::uint32_t v = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (v > max) return std::nullopt;
    return v;
}

// The DATA words of `record add/remove` as rdata of `type`: A/AAAA one address, CNAME/NS one
// name, MX a preference and a name, TXT the words joined by spaces (cut into the 255-octet
// character-strings DNS allows, the usual way to carry longer text).
Expected<Rdata, std::string> parse_rdata(RecordType type, const std::vector<std::string>& words) {
    const std::string type_name(to_string(type));
    auto exactly = [&](std::size_t n) { return words.size() == n; };
    switch (type) {
        case RecordType::A:
        case RecordType::AAAA: {
            const auto address = exactly(1) ? IpAddress::parse(words[0]) : std::nullopt;
            if (!address || address_record_type(address->family()) != type)
                return Unexpected{type_name + " data must be one IPv" +
                                  (type == RecordType::A ? "4" : "6") + " address"};
            return Rdata{*address};
        }
        case RecordType::CNAME:
        case RecordType::NS: {
            const auto target = exactly(1) ? DnsName::parse(words[0]) : std::nullopt;
            if (!target) return Unexpected{type_name + " data must be one domain name"};
            return Rdata{*target};
        }
        case RecordType::MX: {
            const auto preference = exactly(2) ? parse_number(words[0], 65535) : std::nullopt;
            const auto exchange = exactly(2) ? DnsName::parse(words[1]) : std::nullopt;
            if (!preference || !exchange)
                return Unexpected{std::string("MX data must be PREFERENCE (0-65535) HOST")};
            return Rdata{MxData{static_cast<std::uint16_t>(*preference), *exchange}};
        }
        case RecordType::TXT: {
            std::string text;
            for (const auto& w : words) text += (text.empty() ? "" : " ") + w;
            TxtData txt;
            for (std::size_t at = 0; at < text.size(); at += 255)
                txt.strings.push_back(text.substr(at, 255));
            if (txt.strings.empty()) txt.strings.emplace_back();
            return Rdata{std::move(txt)};
        }
    }
    return Unexpected{std::string("unknown record type")};
}

std::string opt_duration(const std::optional<std::chrono::seconds>& d) {
    return d ? format_duration(*d) : "off";
}

// The heartbeat column of `host list`: the host's own setting, or the zone's marked as such.
std::string host_heartbeat_text(const sql::HostSummary& h) {
    if (!h.heartbeat_setting)
        return h.zone_heartbeat ? format_duration(*h.zone_heartbeat) + " (zone)" : "off";
    return h.heartbeat_setting->count() == 0 ? "off" : format_duration(*h.heartbeat_setting);
}

// The offline-action column of `host list`: the host's own action, or the zone's marked as such.
std::string host_offline_action_text(const sql::HostSummary& h) {
    if (!h.offline_action_setting)
        return std::string(auth::to_string(h.zone_offline_action)) + " (zone)";
    return std::string(auth::to_string(*h.offline_action_setting));
}

std::string offline_state_text(const sql::HostSummary& h) {
    if (!h.offline_since) return "online";
    return "offline (" + std::string(h.offline_reason ? auth::to_string(*h.offline_reason) : "?") +
           ") since " + format_time(h.offline_since);
}

std::string host_state_text(const sql::HostSummary& h) {
    return (h.blocked_at ? "blocked; " : "") + offline_state_text(h);
}

// Rows padded to the widest cell of each column (the last column is not padded).
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (widths.size() <= i) widths.push_back(0);
            widths[i] = std::max(widths[i], row[i].size());
        }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
        }
        line.erase(line.find_last_not_of(' ') + 1);  // an empty last cell leaves no blanks
        out << line << "\n";
    }
}

std::string families(bool ipv4, bool ipv6) {
    if (ipv4 && ipv6) return "A,AAAA";
    if (ipv4) return "A";
    if (ipv6) return "AAAA";
    return "-";
}

// Reads one line (the password) from `in`; with a terminal, echo is switched off.
Secret read_password(std::istream& in, std::ostream& err) {
    const bool tty = &in == &std::cin && ::isatty(STDIN_FILENO) != 0;
    termios saved{};
    if (tty) {
        err << "password: " << std::flush;
        ::tcgetattr(STDIN_FILENO, &saved);
        termios silent = saved;
        silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &silent);
    }
    std::string line;
    std::getline(in, line);
    if (tty) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        err << "\n";
    }
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    Secret secret(line);
    std::fill(line.begin(), line.end(), '\0');
    return secret;
}

Expected<TsigKey, std::string> read_key_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Unexpected{"cannot read key file " + path};
    std::stringstream text;
    text << in.rdbuf();
    auto key = parse_tsig_key_file(text.str());
    if (!key) return Unexpected{"key file " + path + ": " + key.error()};
    return key;
}

UpdateResult probe_zone(UpdateSender& dns, const DnsName& zone, const TsigKey& key,
                        const ServerEndpoint& server) {
    const auto probe_name = zone.prepend("_ddns-gateway-probe");
    if (!probe_name) return {UpdateStatus::EncodeError, "zone name too long: " + zone.str()};
    const UpdateRequest probe{zone, {}, {DeleteRRset{*probe_name, RecordType::TXT}}};
    return dns.send(probe, key, server);
}

// Deletes a host's address records in BIND, and those of its wildcard mirror (*.<name>) when
// the host has one, in one message. Returns an error text, or empty on success.
std::string clear_host_in_dns(sql::AdminRepository& repo, const sql::HostSummary& host,
                              UpdateSender& dns) {
    auto zone = repo.find_zone(host.zone);
    if (!zone) return "zone " + host.zone.str() + " not found";
    UpdateRequest request{zone->name, {}, {}};
    std::vector<DnsName> owners{host.name};
    if (host.wildcard)
        if (auto mirror = host.name.prepend("*")) owners.push_back(*std::move(mirror));
    for (const DnsName& owner : owners) {
        request.operations.emplace_back(DeleteRRset{owner, RecordType::A});
        request.operations.emplace_back(DeleteRRset{owner, RecordType::AAAA});
    }
    const auto result = dns.send(request, zone->key, zone->server);
    if (!result.ok())
        return "BIND at " + zone->server.to_string() + " answered " +
               std::string(to_string(result.status)) + (result.detail.empty() ? "" : ": ") +
               result.detail;
    return {};
}

}  // namespace ddns::gateway
