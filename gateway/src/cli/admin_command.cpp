// `ddns-gateway admin ...`: operator commands for zones, accounts, hosts, tokens and the records
// of domain accounts. Commands that remove names clear them in BIND first, so DNS never keeps
// records the database has forgotten; record commands go through RecordService for the same rule.
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
namespace {

constexpr const char* kAdminUsage = R"(usage: ddns-gateway admin --config FILE OBJECT ACTION [ARGS]

  zone add ZONE --server HOST:PORT --key-file KEYFILE [--ttl N] [--owner USER] [--no-check]
                                                        (--owner: a domain account manages records)
  zone list
  zone remove ZONE                                      (refused while hosts or records exist)
  zone heartbeat ZONE DURATION|off                      (timeout of hosts that set none)
  zone offline-action ZONE delete|sentinel              (what going offline does to A/AAAA)
  account add USER [--email E] [--plan free|domain]     (password read from stdin)
  account passwd USER                                   (new password read from stdin)
  account expiry USER DATE|never                        (UTC; YYYY-MM-DD[THH:MM[:SS]][Z])
  account enable-updates USER                           (allow /dynamic with its tokens)
  account disable-updates USER
  account block USER [--reason TEXT]                    (every dialect refuses its updates)
  account unblock USER
  account list
  account remove USER                                   (also clears its hosts in DNS; refused
                                                         while the account owns zones)
  host add FQDN --account USER
  host list [--account USER]
  host remove FQDN                                      (deletes its A/AAAA in DNS first)
  host heartbeat FQDN DURATION|off|zone                 (zone: follow the zone's timeout)
  host offline-action FQDN delete|sentinel|zone         (zone: follow the zone's action)
  host show FQDN                                        (addresses, fault counters, last updates)
  host block FQDN [--reason TEXT]                       (its updates are refused as abuse)
  host unblock FQDN                                     (also lifts a no-change rate limit)
  host nochg-interval FQDN DURATION|off|default         (default: abuse.nochg_interval)
  token add USER [--host FQDN]                          (prints the token once)
  token list [--account USER]
  token remove ID
  record add FQDN TYPE DATA... [--ttl N]                (TYPE: A AAAA CNAME MX NS TXT;
                                                         MX data: PREFERENCE HOST; TXT: the text)
  record remove FQDN TYPE [DATA...]                     (without DATA: the whole RRset;
                                                         MX PREFERENCE alone: those MX records)
  record list ZONE
  log [--host FQDN] [--account USER] [--since 1h|30m|2d|2024-05-01T12:00Z] [--limit N]
                                                        (the update log, newest first)
  reconcile [--zone ZONE] [--dry-run]                   (compare every host's A/AAAA in BIND
                                                         with the database, print and repair
                                                         the differences; --dry-run: print only)

  DURATION is seconds or a number with s, m, h or d (e.g. 20m).
)";

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Positional words and --options of one admin command.
struct Args {
    std::vector<std::string> words;
    std::map<std::string, std::string> options;
    std::map<std::string, bool> flags;

    static Args parse(const std::vector<std::string>& raw,
                      const std::vector<std::string>& flag_names) {
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
    std::optional<std::string> opt(const std::string& name) const {
        auto it = options.find(name);
        return it == options.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    std::string need(const std::string& name) const {
        auto v = opt(name);
        if (!v) throw UsageError("missing " + name);
        return *v;
    }
    void only(const std::vector<std::string>& allowed) const {
        for (const auto& [k, v] : options) {
            bool ok = false;
            for (const auto& a : allowed) ok = ok || a == k;
            if (!ok) throw UsageError("unknown option " + k);
        }
    }
};

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

constexpr std::uint32_t kMaxTtl = 86400;

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

// Deletes a host's address records in BIND. Returns an error text, or empty on success.
std::string clear_host_in_dns(sql::AdminRepository& repo, const sql::HostSummary& host,
                              UpdateSender& dns) {
    auto zone = repo.find_zone(host.zone);
    if (!zone) return "zone " + host.zone.str() + " not found";
    UpdateRequest request{zone->name, {}, {}};
    request.operations.emplace_back(DeleteRRset{host.name, RecordType::A});
    request.operations.emplace_back(DeleteRRset{host.name, RecordType::AAAA});
    const auto result = dns.send(request, zone->key, zone->server);
    if (!result.ok())
        return "BIND at " + zone->server.to_string() + " answered " +
               std::string(to_string(result.status)) + (result.detail.empty() ? "" : ": ") +
               result.detail;
    return {};
}

class Admin {
public:
    Admin(const Config& config, std::istream& in, std::ostream& out, std::ostream& err)
        : config_(config), db_(config.database_url, 1), repo_(db_), in_(in), out_(out), err_(err) {
        dns_ = std::make_unique<UpdateClient>(config.dns_client_options());
    }

    int run(const std::string& object, const std::string& action, const Args& a) {
        if (object == "zone" && action == "add") return zone_add(a);
        if (object == "zone" && action == "list") return zone_list();
        if (object == "zone" && action == "remove") return zone_remove(a);
        if (object == "zone" && action == "heartbeat") return zone_heartbeat(a);
        if (object == "zone" && action == "offline-action") return zone_offline_action(a);
        if (object == "account" && action == "add") return account_add(a);
        if (object == "account" && action == "passwd") return account_passwd(a);
        if (object == "account" && action == "expiry") return account_expiry(a);
        if (object == "account" && action == "enable-updates") return account_updates(a, true);
        if (object == "account" && action == "disable-updates") return account_updates(a, false);
        if (object == "account" && action == "list") return account_list();
        if (object == "account" && action == "block") return account_block(a, true);
        if (object == "account" && action == "unblock") return account_block(a, false);
        if (object == "host" && action == "block") return host_block(a, true);
        if (object == "host" && action == "unblock") return host_block(a, false);
        if (object == "host" && action == "nochg-interval") return host_nochg_interval(a);
        if (object == "account" && action == "remove") return account_remove(a);
        if (object == "host" && action == "add") return host_add(a);
        if (object == "host" && action == "list") return host_list(a);
        if (object == "host" && action == "remove") return host_remove(a);
        if (object == "host" && action == "heartbeat") return host_heartbeat(a);
        if (object == "host" && action == "offline-action") return host_offline_action(a);
        if (object == "host" && action == "show") return host_show(a);
        if (object == "log" && action.empty()) return show_log(a);
        if (object == "token" && action == "add") return token_add(a);
        if (object == "token" && action == "list") return token_list(a);
        if (object == "token" && action == "remove") return token_remove(a);
        if (object == "record" && action == "add") return record_add(a);
        if (object == "record" && action == "remove") return record_remove(a);
        if (object == "record" && action == "list") return record_list(a);
        throw UsageError("unknown command: " + object + " " + action);
    }

private:
    int fail(const std::string& message) {
        err_ << "ddns-gateway admin: " << message << "\n";
        return 1;
    }
    static const std::string& arg(const Args& a, std::size_t i, const char* what) {
        if (a.words.size() <= i) throw UsageError(std::string("missing ") + what);
        return a.words[i];
    }

    int zone_add(const Args& a) {
        a.only({"--server", "--key-file", "--ttl", "--owner"});
        const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
        const auto server = parse_server_endpoint(a.need("--server"));
        if (!server) return fail("--server must be IP:PORT (an address, not a host name)");
        const std::string key_path = a.need("--key-file");
        std::ifstream key_in(key_path);
        if (!key_in) return fail("cannot read key file " + key_path);
        std::stringstream key_text;
        key_text << key_in.rdbuf();
        auto key = parse_tsig_key_file(key_text.str());
        if (!key) return fail("key file " + key_path + ": " + key.error());
        std::uint32_t ttl = 60;
        if (auto t = a.opt("--ttl")) {
            try {
                const long v = std::stol(*t);
                if (v < 0 || v > 86400) throw std::out_of_range("ttl");
                ttl = static_cast<std::uint32_t>(v);
            } catch (const std::exception&) {
                return fail("--ttl must be 0..86400");
            }
        }
        if (!a.flags.count("--no-check")) {
            // Deleting an RRset that does not exist changes nothing, but BIND still checks it
            // against the zone's update-policy (an UPDATE without operations would pass any
            // policy). NOERROR proves BIND is reachable, authoritative and grants the key.
            const auto probe_name = name.prepend("_ddns-gateway-probe");
            if (!probe_name) return fail("zone name too long: " + name.str());
            UpdateRequest probe{name, {}, {DeleteRRset{*probe_name, RecordType::TXT}}};
            const auto result = dns_->send(probe, *key, *server);
            if (!result.ok())
                return fail("BIND at " + server->to_string() + " did not accept an update for " +
                            name.str() + " with key " + key->name.str() + ": " +
                            std::string(to_string(result.status)) + " " + result.detail +
                            " (use --no-check to add the zone anyway)");
        }
        const auto owner = a.opt("--owner");
        auto id = repo_.add_zone(sql::ZoneSpec{name, *server, &*key, ttl, owner});
        if (!id && id.error() == sql::AdminError::NotDomainAccount)
            return fail("zone " + name.str() + ": account " + *owner +
                        " is not on the domain plan; only domain accounts own zones");
        if (!id && id.error() == sql::AdminError::NoSuchAccount)
            return fail("zone " + name.str() + ": no such account " + *owner);
        if (!id) return fail("zone " + name.str() + ": " + std::string(to_string(id.error())));
        out_ << "zone " << name.str() << " added (server " << server->to_string() << ", key "
             << key->name.str() << ", ttl " << ttl << (owner ? ", owner " + *owner : "") << ")\n";
        return 0;
    }

    int zone_list() {
        std::vector<std::vector<std::string>> rows = {{"ZONE", "SERVER", "KEY", "ALGORITHM", "TTL",
                                                       "HOSTS", "RECORDS", "HEARTBEAT", "OFFLINE",
                                                       "OWNER"}};
        for (const auto& z : repo_.list_zones())
            rows.push_back({z.name.str(), z.server.to_string(), z.key_name, z.key_algorithm,
                            std::to_string(z.default_ttl), std::to_string(z.host_count),
                            std::to_string(z.record_count), opt_duration(z.heartbeat_timeout),
                            std::string(to_string(z.offline_action)), z.owner.value_or("-")});
        print_table(out_, rows);
        return 0;
    }

    int zone_heartbeat(const Args& a) {
        const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
        const std::string& value = arg(a, 1, "DURATION|off");
        std::optional<std::chrono::seconds> timeout;
        if (value != "off") {
            timeout = parse_heartbeat(value);
            if (!timeout) return fail("DURATION must be like 900, 90s, 20m, 2h or 1d, or off");
        }
        if (auto e = repo_.set_zone_heartbeat(name, timeout))
            return fail("zone " + name.str() + ": " + std::string(to_string(*e)));
        out_ << "zone " << name.str() << ": heartbeat timeout " << opt_duration(timeout)
             << " for hosts without their own\n";
        return 0;
    }

    int zone_offline_action(const Args& a) {
        const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
        const auto action = auth::parse_offline_action(arg(a, 1, "delete|sentinel"));
        if (!action) return fail("the offline action must be delete or sentinel");
        if (auto e = repo_.set_zone_offline_action(name, *action))
            return fail("zone " + name.str() + ": " + std::string(to_string(*e)));
        out_ << "zone " << name.str() << ": hosts going offline "
             << (*action == auth::OfflineAction::Delete ? "lose their A/AAAA"
                                                        : "point at 0.0.0.0 / ::")
             << "\n";
        return 0;
    }

    int zone_remove(const Args& a) {
        const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
        if (auto e = repo_.remove_zone(name)) {
            if (*e == sql::AdminError::StillInUse)
                return fail("zone " + name.str() +
                            " still has hosts or records; remove them first (host remove, "
                            "record remove)");
            return fail("zone " + name.str() + ": " + std::string(to_string(*e)));
        }
        out_ << "zone " << name.str() << " removed\n";
        return 0;
    }

    int account_add(const Args& a) {
        a.only({"--email", "--plan"});
        const std::string& user = arg(a, 0, "USER");
        if (user.empty() || user.size() > 64 || user.find_first_of(": \t\r\n") != std::string::npos)
            return fail("USER must be 1-64 characters without ':' or whitespace");
        auto plan = auth::parse_plan(a.opt("--plan").value_or("free"));
        if (!plan) return fail("--plan must be free or domain");
        const auto hash = read_new_password_hash();
        if (!hash) return 1;
        auto id = repo_.add_account(user, a.opt("--email").value_or(""), *plan, *hash);
        if (!id) return fail("account " + user + ": " + std::string(to_string(id.error())));
        out_ << "account " << user << " added (plan " << to_string(*plan) << ")\n";
        return 0;
    }

    int account_passwd(const Args& a) {
        const std::string& user = arg(a, 0, "USER");
        const auto hash = read_new_password_hash();
        if (!hash) return 1;
        if (auto e = repo_.set_password_hash(user, *hash))
            return fail("account " + user + ": " + std::string(to_string(*e)));
        out_ << "password of " << user << " changed\n";
        return 0;
    }

    int account_expiry(const Args& a) {
        const std::string& user = arg(a, 0, "USER");
        const std::string& when = arg(a, 1, "DATE or never");
        std::optional<auth::TimePoint> expires_at;
        if (when != "never") {
            expires_at = parse_utc_time(when);
            if (!expires_at)
                return fail(
                    "expiry must be YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS "
                    "(UTC, optional Z, years 1970-2200) or never, not " +
                    when);
        }
        auto stored = repo_.set_expiry(user, expires_at);
        if (!stored) return fail("account " + user + ": " + std::string(to_string(stored.error())));
        out_ << "account " << user << " expires "
             << (*stored ? format_time(*stored) : std::string("never")) << "\n";
        return 0;
    }

    int account_updates(const Args& a, bool enabled) {
        const std::string& user = arg(a, 0, "USER");
        if (auto e = repo_.set_dynamic_updates(user, enabled)) {
            if (*e == sql::AdminError::NoSuchAccount)
                return fail("there is no account " + user + " (see `account list`)");
            return fail("account " + user + ": " + std::string(to_string(*e)));
        }
        out_ << "dynamic updates " << (enabled ? "enabled" : "disabled") << " for " << user
             << (enabled ? " (/dynamic accepts its update tokens)\n" : "\n");
        return 0;
    }

    // Reads a password from stdin and hashes it; nullopt (after saying why) when too short.
    std::optional<std::string> read_new_password_hash() {
        const Secret password = read_password(in_, err_);
        if (password.size() < 8) {
            fail("the password (read from stdin) must have at least 8 characters");
            return std::nullopt;
        }
        const auth::PasswordHasher hasher(config_.argon2_params());
        return hasher.hash(password);
    }

    int account_list() {
        std::vector<std::vector<std::string>> rows = {
            {"USER", "PLAN", "UPDATES", "STATE", "EXPIRES", "HOSTS", "EMAIL"}};
        for (const auto& acc : repo_.list_accounts())
            rows.push_back(
                {acc.username, std::string(to_string(acc.plan)), acc.dynamic_updates ? "on" : "off",
                 acc.disabled     ? "disabled"
                 : acc.blocked_at ? "blocked"
                                  : "active",
                 format_time(acc.expires_at), std::to_string(acc.host_count), acc.email});
        print_table(out_, rows);
        return 0;
    }

    int account_remove(const Args& a) {
        const std::string& user = arg(a, 0, "USER");
        // Checked before any DNS work: an owner of zones stays, with its hosts untouched.
        if (const std::string owned = zones_owned_by(user); !owned.empty())
            return refuse_owner_removal(user, owned);
        for (const auto& host : repo_.list_hosts(user)) {
            const std::string error = clear_host_in_dns(repo_, host, *dns_);
            if (!error.empty())
                return fail("cannot clear " + host.name.str() + " in DNS (" + error +
                            "); nothing removed");
        }
        if (auto e = repo_.remove_account(user)) {
            if (*e == sql::AdminError::StillInUse)  // a zone was given to it meanwhile
                return refuse_owner_removal(user, zones_owned_by(user));
            return fail("account " + user + ": " + std::string(to_string(*e)));
        }
        out_ << "account " << user << " removed\n";
        return 0;
    }

    int host_add(const Args& a) {
        a.only({"--account"});
        const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
        if (!name.is_hostname()) return fail(name.str() + " is not a valid host name");
        const std::string user = a.need("--account");
        auto id = repo_.add_host(name, user);
        if (!id && id.error() == sql::AdminError::HoldsRecords)
            return fail("host " + name.str() +
                        ": the name holds records of the zone's owner (record list); a host "
                        "needs a name of its own");
        if (!id) return fail("host " + name.str() + ": " + std::string(to_string(id.error())));
        out_ << "host " << name.str() << " added for " << user << "\n";
        return 0;
    }

    int host_list(const Args& a) {
        a.only({"--account"});
        const auto user = a.opt("--account");
        std::vector<std::vector<std::string>> rows = {
            {"HOST", "ACCOUNT", "IPV4", "IPV6", "LAST SEEN", "HEARTBEAT", "OFFLINE", "STATE"}};
        for (const auto& h :
             repo_.list_hosts(user ? std::optional<std::string_view>(*user) : std::nullopt))
            rows.push_back({h.name.str(), h.username, opt_ip(h.ipv4), opt_ip(h.ipv6),
                            format_time(h.last_seen), host_heartbeat_text(h),
                            host_offline_action_text(h), host_state_text(h)});
        print_table(out_, rows);
        return 0;
    }

    int host_heartbeat(const Args& a) {
        const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
        const std::string& value = arg(a, 1, "DURATION|off|zone");
        std::optional<std::chrono::seconds> setting;  // nullopt: follow the zone
        if (value == "off") {
            setting = std::chrono::seconds(0);
        } else if (value != "zone") {
            setting = parse_heartbeat(value);
            if (!setting)
                return fail("DURATION must be like 900, 90s, 20m, 2h or 1d, or off, or zone");
        }
        if (auto e = repo_.set_host_heartbeat(name, setting))
            return fail("host " + name.str() + ": " + std::string(to_string(*e)));
        out_ << "host " << name.str() << ": heartbeat timeout "
             << (setting ? opt_duration(setting->count() == 0 ? std::nullopt : setting)
                         : std::string("of its zone"))
             << "\n";
        return 0;
    }

    int host_offline_action(const Args& a) {
        const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
        const std::string& value = arg(a, 1, "delete|sentinel|zone");
        std::optional<auth::OfflineAction> action;  // nullopt: follow the zone
        if (value != "zone") {
            action = auth::parse_offline_action(value);
            if (!action) return fail("the offline action must be delete, sentinel or zone");
        }
        if (auto e = repo_.set_host_offline_action(name, action))
            return fail("host " + name.str() + ": " + std::string(to_string(*e)));
        out_ << "host " << name.str() << ": going offline "
             << (!action                                  ? "does what its zone does"
                 : *action == auth::OfflineAction::Delete ? "deletes its A/AAAA"
                                                          : "points it at 0.0.0.0 / ::")
             << "\n";
        return 0;
    }

    int account_block(const Args& a, bool blocked) {
        a.only(blocked ? std::vector<std::string>{"--reason"} : std::vector<std::string>{});
        const std::string& user = arg(a, 0, "USER");
        if (auto e =
                repo_.set_account_block(user, a.opt("--reason"), blocked, auth::Clock::now())) {
            if (*e == sql::AdminError::NoSuchAccount)
                return fail("there is no account " + user + " (see `account list`)");
            return fail("account " + user + ": " + std::string(to_string(*e)));
        }
        out_ << "account " << user
             << (blocked ? " blocked (its updates are refused)\n" : " unblocked\n");
        return 0;
    }

    int host_block(const Args& a, bool blocked) {
        a.only(blocked ? std::vector<std::string>{"--reason"} : std::vector<std::string>{});
        const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
        if (auto e = repo_.set_host_block(name, a.opt("--reason"), blocked, auth::Clock::now()))
            return fail("host " + name.str() + ": " + std::string(to_string(*e)));
        out_ << "host " << name.str()
             << (blocked ? " blocked (its updates are refused)\n"
                         : " unblocked (its no-change count starts afresh)\n");
        return 0;
    }

    int host_nochg_interval(const Args& a) {
        const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
        const std::string& value = arg(a, 1, "DURATION|off|default");
        std::optional<std::chrono::seconds> setting;  // nullopt: the configured default
        if (value == "off") {
            setting = std::chrono::seconds(0);
        } else if (value != "default") {
            setting = parse_duration(value);
            if (!setting || setting->count() == 0 || *setting > std::chrono::hours(24 * 7))
                return fail(
                    "DURATION must be like 300, 90s, 20m or 1h (at most 7d), or off, or "
                    "default");
        }
        if (auto e = repo_.set_host_nochg_interval(name, setting))
            return fail("host " + name.str() + ": " + std::string(to_string(*e)));
        out_ << "host " << name.str() << ": no-change interval " << nochg_text(setting) << "\n";
        return 0;
    }

    // A host's no-change interval as it applies: its own, or the configured default.
    std::string nochg_text(const std::optional<std::chrono::seconds>& setting) const {
        if (setting) return setting->count() == 0 ? "off" : format_duration(*setting);
        return config_.nochg_interval.count() == 0
                   ? "off (default)"
                   : format_duration(config_.nochg_interval) + " (default, budget " +
                         std::to_string(config_.nochg_budget) + ")";
    }

    int host_remove(const Args& a) {
        const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
        auto host = repo_.find_host(name);
        if (!host) return fail("host " + name.str() + ": not found");
        const std::string error = clear_host_in_dns(repo_, *host, *dns_);
        if (!error.empty())
            return fail("cannot delete " + name.str() + " in DNS (" + error + "); host kept");
        if (auto e = repo_.remove_host(name))
            return fail("host " + name.str() + ": " + std::string(to_string(*e)));
        out_ << "host " << name.str() << " removed (A/AAAA deleted in DNS)\n";
        return 0;
    }

    // Comma-separated names of the zones `user` owns (empty when none).
    std::string zones_owned_by(const std::string& user) {
        std::string owned;
        for (const auto& z : repo_.list_zones())
            if (z.owner && text::iequals(*z.owner, user))
                owned += (owned.empty() ? "" : ", ") + z.name.str();
        return owned;
    }
    int refuse_owner_removal(const std::string& user, const std::string& zones) {
        return fail("account " + user + " owns zone(s) " + zones +
                    "; remove their records (record remove) and the zones (zone remove) first; "
                    "nothing removed");
    }

    int host_show(const Args& a) {
        const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
        const auto d = audit_.host_details(name);
        if (!d) return fail("host " + name.str() + ": not found");
        const auto tls = d->last_update_tls ? (*d->last_update_tls ? "yes" : "no") : "-";
        const std::vector<std::pair<const char*, std::string>> fields = {
            {"host", d->host.name.str()},
            {"zone", d->host.zone.str()},
            {"account", d->host.username},
            {"ttl", std::to_string(d->host.ttl)},
            {"ipv4", opt_ip(d->host.ipv4)},
            {"ipv6", opt_ip(d->host.ipv6)},
            {"last_seen", format_time(d->host.last_seen)},
            {"updated_at", format_time(d->updated_at)},
            {"last_update_ipv4", format_time(d->last_update_ipv4)},
            {"last_update_ipv6", format_time(d->last_update_ipv6)},
            {"last_update_tls", tls},
            {"client_faults", std::to_string(d->client_faults)},
            {"server_faults", std::to_string(d->server_faults)},
            {"auth_faults", std::to_string(d->auth_faults)},
            {"last_fault", d->last_fault.value_or("-")},
            {"last_fault_at", format_time(d->last_fault_at)},
        };
        // Read with the admin repository, which knows blocks, intervals and the offline action.
        std::vector<std::pair<const char*, std::string>> abuse;
        if (const auto h = repo_.find_host(name)) {
            abuse = {{"blocked", h->blocked_at ? "since " + format_time(h->blocked_at) : "no"},
                     {"block_reason", h->block_reason.empty() ? "-" : h->block_reason},
                     {"nochg_interval", nochg_text(h->nochg_setting)},
                     {"offline_action", host_offline_action_text(*h)}};
        }
        for (const auto& [key, value] : fields)
            out_ << std::left << std::setw(18) << (std::string(key) + ":") << value << "\n";
        for (const auto& [key, value] : abuse)
            out_ << std::left << std::setw(18) << (std::string(key) + ":") << value << "\n";
        return 0;
    }

    int show_log(const Args& a) {
        a.only({"--host", "--account", "--since", "--limit"});
        if (!a.words.empty()) throw UsageError("unexpected argument " + a.words.front());
        sql::LogFilter filter;
        if (const auto host = a.opt("--host")) {
            const DnsName name = need_name(*host, "host name");
            const auto d = audit_.host_details(name);
            if (!d) return fail("host " + name.str() + ": not found");
            filter.host_id = d->host.id;
        }
        if (const auto user = a.opt("--account")) {
            filter.account_id = audit_.account_id(*user);
            if (!filter.account_id) return fail("account " + *user + ": not found");
        }
        if (const auto since = a.opt("--since")) {
            filter.since = parse_since(*since, auth::Clock::now());
            if (!filter.since)
                return fail(
                    "--since must be a duration (30m, 1h, 2d) or a UTC time "
                    "(2024-05-01, 2024-05-01T12:00Z), not: " +
                    *since);
        }
        if (const auto limit = a.opt("--limit")) {
            std::size_t n = 0;
            const auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
            if (ec != std::errc{} || end != limit->data() + limit->size() || n < 1 || n > 100000)
                return fail("--limit must be a number from 1 to 100000");
            filter.limit = n;
        }
        std::vector<std::vector<std::string>> rows = {{"TIME", "HOST", "USER", "CLIENT", "DIALECT",
                                                       "OUTCOME", "FAULT", "CHANGED", "TLS",
                                                       "AGENT", "DETAIL"}};
        for (const auto& e : audit_.log(filter))
            rows.push_back({format_time(e.time), e.host.empty() ? "-" : e.host,
                            e.username.empty() ? "-" : e.username, e.client, e.dialect, e.outcome,
                            e.fault, families(e.ipv4_changed, e.ipv6_changed), e.tls ? "yes" : "no",
                            e.user_agent.empty() ? "-" : e.user_agent, e.detail});
        print_table(out_, rows);
        return 0;
    }

    int token_add(const Args& a) {
        a.only({"--host"});
        const std::string& user = arg(a, 0, "USER");
        std::optional<DnsName> host;
        if (auto h = a.opt("--host")) host = need_name(*h, "host name");
        auto token = auth::generate_token();
        auto id = repo_.add_token(user, host, token.digest);
        if (!id) return fail("token for " + user + ": " + std::string(to_string(id.error())));
        // The only time the token is ever shown; the database keeps its SHA-256.
        out_ << token.token.expose_view() << "\n";
        err_ << "token " << *id << " for " << user << (host ? " limited to " + host->str() : "")
             << " created; store it now, it cannot be shown again\n";
        return 0;
    }

    int token_list(const Args& a) {
        a.only({"--account"});
        const auto user = a.opt("--account");
        std::vector<std::vector<std::string>> rows = {
            {"ID", "ACCOUNT", "HOST", "CREATED", "LAST USED"}};
        for (const auto& t :
             repo_.list_tokens(user ? std::optional<std::string_view>(*user) : std::nullopt))
            rows.push_back({std::to_string(t.id), t.username, t.host ? t.host->str() : "(any host)",
                            format_time(t.created), format_time(t.last_used)});
        print_table(out_, rows);
        return 0;
    }

    int token_remove(const Args& a) {
        const std::string& text = arg(a, 0, "ID");
        std::int64_t id = 0;
        try {
            id = std::stoll(text);
        } catch (const std::exception&) {
            return fail("token ID must be a number");
        }
        if (auto e = repo_.remove_token(id))
            return fail("token " + text + ": " + std::string(to_string(*e)));
        out_ << "token " << id << " removed\n";
        return 0;
    }

    // ---- records of domain accounts ----

    // The zone a record command acts on, or why it may not: only zones owned by a domain
    // account hold records (their owner manages them; the operator's commands mirror that).
    Expected<auth::Zone, std::string> owned_zone(std::optional<auth::Zone> zone,
                                                 const DnsName& name) {
        if (!zone) return Unexpected{"no registered zone contains " + name.str()};
        const auto owner = repo_.zone_owner(zone->id);
        if (!owner || owner->plan != auth::Plan::Domain)
            return Unexpected{"zone " + zone->name.str() +
                              " is not owned by a domain account; records are managed only in "
                              "zones added with --owner USER"};
        return std::move(*zone);
    }

    int record_add(const Args& a) {
        a.only({"--ttl"});
        const DnsName name = need_name(arg(a, 0, "FQDN"), "record name");
        const auto type = parse_record_type(arg(a, 1, "TYPE"));
        if (!type) return fail("TYPE must be one of A, AAAA, CNAME, MX, NS, TXT");
        const std::vector<std::string> words(a.words.begin() + 2, a.words.end());
        if (words.empty()) throw UsageError("missing DATA");
        auto data = parse_rdata(*type, words);
        if (!data) return fail(data.error());
        auto zone = owned_zone(repo_.find_zone_containing(name), name);
        if (!zone) return fail(zone.error());
        std::uint32_t ttl = zone->default_ttl;
        if (auto t = a.opt("--ttl")) {
            const auto given = parse_number(*t, kMaxTtl);
            if (!given) return fail("--ttl must be 0..86400");
            ttl = *given;
        }
        const auto record = ResourceRecord::make(name, *type, ttl, *std::move(data));
        if (!record)
            return fail("the data does not fit a " + std::string(to_string(*type)) + " record");
        RecordService records(*dns_, store_, log_);
        const auto result = records.add(*zone, *record);
        return report(result, *zone, name, "record " + describe(*record));
    }

    int record_remove(const Args& a) {
        a.only({});
        const DnsName name = need_name(arg(a, 0, "FQDN"), "record name");
        const auto type = parse_record_type(arg(a, 1, "TYPE"));
        if (!type) return fail("TYPE must be one of A, AAAA, CNAME, MX, NS, TXT");
        const std::vector<std::string> words(a.words.begin() + 2, a.words.end());
        RecordSelector selector{name, *type, std::nullopt, std::nullopt};
        std::string what = name.str() + " " + std::string(to_string(*type));
        if (*type == RecordType::MX && words.size() == 1) {
            selector.mx_preference = parse_number(words[0], 65535);
            if (!selector.mx_preference) return fail("MX preference must be 0..65535");
            what += " " + words[0];
        } else if (!words.empty()) {
            auto data = parse_rdata(*type, words);
            if (!data) return fail(data.error());
            const auto probe = ResourceRecord::make(name, *type, 0, *data);
            if (!probe)
                return fail("the data does not fit a " + std::string(to_string(*type)) + " record");
            what += " " + probe->data_text();
            selector.data = *std::move(data);
        }
        auto zone = owned_zone(repo_.find_zone_containing(name), name);
        if (!zone) return fail(zone.error());
        RecordService records(*dns_, store_, log_);
        return report(records.remove(*zone, selector), *zone, name, "record(s) " + what);
    }

    int record_list(const Args& a) {
        const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
        auto zone = repo_.find_zone(name);
        if (!zone) return fail("zone " + name.str() + ": not found");
        auto owned = owned_zone(std::move(zone), name);
        if (!owned) return fail(owned.error());
        RecordService records(*dns_, store_, log_);
        std::vector<std::vector<std::string>> rows = {{"NAME", "TYPE", "TTL", "DATA"}};
        for (const auto& r : records.list(*owned))
            rows.push_back({r.owner().str(), std::string(to_string(r.type())),
                            std::to_string(r.ttl()), r.data_text()});
        print_table(out_, rows);
        return 0;
    }

    static std::string describe(const ResourceRecord& r) {
        return r.owner().str() + " " + std::string(to_string(r.type())) + " " + r.data_text() +
               " (ttl " + std::to_string(r.ttl()) + ")";
    }

    // One line per outcome; exit 0 only when the change happened.
    int report(const RecordResult& result, const auth::Zone& zone, const DnsName& name,
               const std::string& what) {
        switch (result.outcome) {
            case RecordOutcome::Added:
                out_ << what << " added\n";
                return 0;
            case RecordOutcome::Removed:
                out_ << what << " removed\n";
                return 0;
            case RecordOutcome::AlreadyExists:
                return fail(what + " already exists");
            case RecordOutcome::NotFound:
                return fail(what + ": no such record");
            case RecordOutcome::CnameConflict:
                return fail(name.str() +
                            ": a CNAME cannot share its name with other records (nor stand at "
                            "the zone apex); nothing changed");
            case RecordOutcome::NameTaken:
                return fail(name == zone.name
                                ? "the NS records of the zone apex belong to the zone's operator"
                                : name.str() +
                                      " is a dynamic host's name: its addresses come "
                                      "from its updates, and it takes no A, AAAA, "
                                      "CNAME or NS records");
            case RecordOutcome::OutsideZone:
                return fail(name.str() + " is outside zone " + zone.name.str());
            case RecordOutcome::DnsFailed:
                return fail("BIND at " + zone.server.to_string() + " answered " +
                            std::string(to_string(result.dns_status)) + "; nothing changed" +
                            (result.dns_status == UpdateStatus::Refused
                                 ? " (named's log says why: update-policy, check-names, or an "
                                   "MX/NS target in the zone without an address)"
                                 : ""));
            case RecordOutcome::StoreFailed:
                return fail("database failure (see the log above); nothing changed");
        }
        return fail("unexpected outcome");
    }

    const Config& config_;
    sql::Database db_;
    sql::AdminRepository repo_;
    sql::PgStore store_{db_};
    Logger log_{config_.log_level};
    sql::AuditRepository audit_{db_};
    std::unique_ptr<UpdateSender> dns_;
    std::istream& in_;
    std::ostream& out_;
    std::ostream& err_;
};

}  // namespace

int run_admin(const Config& config, const std::vector<std::string>& raw, std::istream& in,
              std::ostream& out, std::ostream& err) {
    if (raw.empty() || raw[0] == "--help" || raw[0] == "help") {
        out << kAdminUsage;
        return raw.empty() ? 2 : 0;
    }
    if (raw[0] == "reconcile") {
        return run_admin_reconcile(config, {raw.begin() + 1, raw.end()}, out, err);
    }
    try {
        const Args a = Args::parse(raw, {"--no-check"});
        // `log` is the one command without an ACTION.
        const bool single = !a.words.empty() && a.words[0] == "log";
        const std::size_t head = single ? 1 : 2;
        if (a.words.size() < head) throw UsageError("expected OBJECT ACTION");
        Args rest = a;
        rest.words.erase(rest.words.begin(),
                         rest.words.begin() + static_cast<std::ptrdiff_t>(head));
        Admin admin(config, in, out, err);
        return admin.run(a.words[0], single ? "" : a.words[1], rest);
    } catch (const UsageError& e) {
        err << "ddns-gateway admin: " << e.what() << "\n" << kAdminUsage;
        return 2;
    }
}

}  // namespace ddns::gateway
