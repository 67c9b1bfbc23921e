// `ddns-gateway admin ...`: operator commands for zones, accounts, hosts and tokens.
// Commands that remove names clear them in BIND first, so DNS never keeps records the
// database has forgotten.
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
#include "ddns/gateway/commands.hpp"
#include "ddns/gateway/duration.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/audit_repository.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::gateway {
namespace {

constexpr const char* kAdminUsage = R"(usage: ddns-gateway admin --config FILE OBJECT ACTION [ARGS]

  zone add ZONE --server HOST:PORT --key-file KEYFILE [--ttl N] [--no-check]
  zone list
  zone remove ZONE
  account add USER [--email E] [--plan free|domain]     (password read from stdin)
  account passwd USER                                   (new password read from stdin)
  account list
  account remove USER                                   (also clears its hosts in DNS)
  host add FQDN --account USER
  host list [--account USER]
  host remove FQDN                                      (deletes its A/AAAA in DNS first)
  host show FQDN                                        (addresses, fault counters, last updates)
  token add USER [--host FQDN]                          (prints the token once)
  token list [--account USER]
  token remove ID
  log [--host FQDN] [--account USER] [--since 1h|30m|2d|2024-05-01T12:00Z] [--limit N]
                                                        (the update log, newest first)
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
        if (object == "account" && action == "add") return account_add(a);
        if (object == "account" && action == "passwd") return account_passwd(a);
        if (object == "account" && action == "list") return account_list();
        if (object == "account" && action == "remove") return account_remove(a);
        if (object == "host" && action == "add") return host_add(a);
        if (object == "host" && action == "list") return host_list(a);
        if (object == "host" && action == "remove") return host_remove(a);
        if (object == "host" && action == "show") return host_show(a);
        if (object == "log" && action.empty()) return show_log(a);
        if (object == "token" && action == "add") return token_add(a);
        if (object == "token" && action == "list") return token_list(a);
        if (object == "token" && action == "remove") return token_remove(a);
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
        a.only({"--server", "--key-file", "--ttl"});
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
        auto id = repo_.add_zone(sql::ZoneSpec{name, *server, &*key, ttl});
        if (!id) return fail("zone " + name.str() + ": " + std::string(to_string(id.error())));
        out_ << "zone " << name.str() << " added (server " << server->to_string() << ", key "
             << key->name.str() << ", ttl " << ttl << ")\n";
        return 0;
    }

    int zone_list() {
        out_ << std::left << std::setw(30) << "ZONE" << std::setw(24) << "SERVER" << std::setw(24)
             << "KEY" << std::setw(14) << "ALGORITHM" << std::setw(6) << "TTL"
             << "HOSTS\n";
        for (const auto& z : repo_.list_zones())
            out_ << std::setw(30) << z.name.str() << std::setw(24) << z.server.to_string()
                 << std::setw(24) << z.key_name << std::setw(14) << z.key_algorithm << std::setw(6)
                 << z.default_ttl << z.host_count << "\n";
        return 0;
    }

    int zone_remove(const Args& a) {
        const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
        if (auto e = repo_.remove_zone(name)) {
            if (*e == sql::AdminError::StillInUse)
                return fail("zone " + name.str() + " still has hosts; remove them first");
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
        out_ << std::left << std::setw(24) << "USER" << std::setw(8) << "PLAN" << std::setw(9)
             << "UPDATES" << std::setw(9) << "STATE" << std::setw(22) << "EXPIRES" << std::setw(7)
             << "HOSTS"
             << "EMAIL\n";
        for (const auto& acc : repo_.list_accounts())
            out_ << std::setw(24) << acc.username << std::setw(8) << to_string(acc.plan)
                 << std::setw(9) << (acc.dynamic_updates ? "on" : "off") << std::setw(9)
                 << (acc.disabled ? "disabled" : "active") << std::setw(22)
                 << format_time(acc.expires_at) << std::setw(7) << acc.host_count << acc.email
                 << "\n";
        return 0;
    }

    int account_remove(const Args& a) {
        const std::string& user = arg(a, 0, "USER");
        for (const auto& host : repo_.list_hosts(user)) {
            const std::string error = clear_host_in_dns(repo_, host, *dns_);
            if (!error.empty())
                return fail("cannot clear " + host.name.str() + " in DNS (" + error +
                            "); nothing removed");
        }
        if (auto e = repo_.remove_account(user))
            return fail("account " + user + ": " + std::string(to_string(*e)));
        out_ << "account " << user << " removed\n";
        return 0;
    }

    int host_add(const Args& a) {
        a.only({"--account"});
        const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
        if (!name.is_hostname()) return fail(name.str() + " is not a valid host name");
        const std::string user = a.need("--account");
        auto id = repo_.add_host(name, user);
        if (!id) return fail("host " + name.str() + ": " + std::string(to_string(id.error())));
        out_ << "host " << name.str() << " added for " << user << "\n";
        return 0;
    }

    int host_list(const Args& a) {
        a.only({"--account"});
        const auto user = a.opt("--account");
        out_ << std::left << std::setw(36) << "HOST" << std::setw(20) << "ACCOUNT" << std::setw(18)
             << "IPV4" << std::setw(28) << "IPV6"
             << "LAST SEEN\n";
        for (const auto& h :
             repo_.list_hosts(user ? std::optional<std::string_view>(*user) : std::nullopt))
            out_ << std::setw(36) << h.name.str() << std::setw(20) << h.username << std::setw(18)
                 << opt_ip(h.ipv4) << std::setw(28) << opt_ip(h.ipv6) << format_time(h.last_seen)
                 << "\n";
        return 0;
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
        for (const auto& [key, value] : fields)
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
        out_ << std::left << std::setw(8) << "ID" << std::setw(24) << "ACCOUNT" << std::setw(36)
             << "HOST" << std::setw(22) << "CREATED"
             << "LAST USED\n";
        for (const auto& t :
             repo_.list_tokens(user ? std::optional<std::string_view>(*user) : std::nullopt))
            out_ << std::setw(8) << t.id << std::setw(24) << t.username << std::setw(36)
                 << (t.host ? t.host->str() : "(any host)") << std::setw(22)
                 << format_time(t.created) << format_time(t.last_used) << "\n";
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

    const Config& config_;
    sql::Database db_;
    sql::AdminRepository repo_;
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
