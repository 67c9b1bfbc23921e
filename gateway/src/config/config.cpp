#include "ddns/gateway/config/config.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "ddns/gateway/base/duration.hpp"
#include "ddns/gateway/base/text.hpp"

namespace ddns::gateway {
namespace {

// Configuration files may have CRLF line ends.
constexpr std::string_view kBlank = " \t\r";

std::string_view trim(std::string_view s) {
    return text::trim(s, kBlank);
}

// List values ignore empty items ("a, ,b" is a and b).
std::vector<std::string_view> split_csv(std::string_view s) {
    auto items = text::split_list(s, kBlank);
    items.erase(std::remove(items.begin(), items.end(), std::string_view{}), items.end());
    return items;
}

template <typename T>
bool parse_number(std::string_view s, T& out, T min, T max) {
    T value{};
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || ptr != s.data() + s.size() || value < min || value > max) return false;
    out = value;
    return true;
}

bool parse_seconds(std::string_view s, std::chrono::seconds& out, long long min, long long max) {
    long long value = 0;
    if (!parse_number<long long>(s, value, min, max)) return false;
    out = std::chrono::seconds(value);
    return true;
}

bool parse_bool(std::string_view s, bool& out) {
    if (s == "true" || s == "yes" || s == "on" || s == "1") {
        out = true;
        return true;
    }
    if (s == "false" || s == "no" || s == "off" || s == "0") {
        out = false;
        return true;
    }
    return false;
}

std::optional<ListenAddress> parse_listen(std::string_view s) {
    ListenAddress out;
    std::string_view host;
    std::string_view port;
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
            return std::nullopt;
        host = s.substr(1, close - 1);
        port = s.substr(close + 2);
    } else {
        const auto colon = s.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
    }
    auto address = IpAddress::parse(host);
    if (!address) return std::nullopt;
    if (!parse_number<std::uint16_t>(port, out.port, 1, 65535)) return std::nullopt;
    out.host = address->to_string();
    return out;
}

bool parse_listen_list(std::string_view s, std::vector<ListenAddress>& out) {
    out.clear();
    for (auto item : split_csv(s)) {
        auto l = parse_listen(item);
        if (!l) return false;
        out.push_back(*l);
    }
    return true;
}

// Checks across keys, once the whole file is read. Returns the error, if any.
std::optional<std::string> check_listeners(const Config& c) {
    if (c.http_listen.empty() && c.https_listen.empty())
        return "http.listen lists no address and https.listen is not set";
    const bool has_files = !c.tls_certificate.empty() || !c.tls_private_key.empty();
    if (!c.https_listen.empty() && (c.tls_certificate.empty() || c.tls_private_key.empty()))
        return std::string("https.listen needs both tls.certificate and tls.private_key");
    // A certificate without an HTTPS listener is most likely a forgotten https.listen line.
    if (c.https_listen.empty() && has_files)
        return std::string("tls.certificate and tls.private_key are set but https.listen is not");
    std::set<std::string, std::less<>> addresses;
    for (const auto* list : {&c.http_listen, &c.https_listen})
        for (const auto& l : *list)
            if (!addresses.insert(l.to_string()).second)
                return l.to_string() + " is listed twice in http.listen/https.listen";
    return std::nullopt;
}

using Setter = std::function<bool(Config&, std::string_view)>;

const std::map<std::string, Setter, std::less<>>& setters() {
    static const std::map<std::string, Setter, std::less<>> table = {
        {"database.url",
         [](Config& c, std::string_view v) {
             c.database_url = std::string(v);
             return !v.empty();
         }},
        {"database.pool_size",
         [](Config& c, std::string_view v) {
             return parse_number<std::size_t>(v, c.database_pool, 1, 256);
         }},
        {"http.listen",
         [](Config& c, std::string_view v) { return parse_listen_list(v, c.http_listen); }},
        {"https.listen",
         [](Config& c, std::string_view v) { return parse_listen_list(v, c.https_listen); }},
        {"tls.certificate",
         [](Config& c, std::string_view v) {
             c.tls_certificate = std::string(v);
             return !v.empty();
         }},
        {"tls.private_key",
         [](Config& c, std::string_view v) {
             c.tls_private_key = std::string(v);
             return !v.empty();
         }},
        {"http.threads",
         [](Config& c, std::string_view v) {
             return parse_number<std::size_t>(v, c.http_threads, 2, 4096);
         }},
        {"http.max_queued",
         [](Config& c, std::string_view v) {
             return parse_number<std::size_t>(v, c.http_max_queued, 1, 65536);
         }},
        {"http.keepalive_timeout",
         [](Config& c, std::string_view v) {
             long long s = 0;
             if (!parse_number<long long>(v, s, 0, 3600)) return false;
             c.http_keepalive_timeout = std::chrono::seconds(s);
             return true;
         }},
        {"http.max_keepalive_requests",
         [](Config& c, std::string_view v) {
             return parse_number<std::size_t>(v, c.http_max_keepalive_requests, 0, 100000);
         }},
        {"http.realm",
         [](Config& c, std::string_view v) {
             if (v.empty() || v.find('"') != std::string_view::npos) return false;
             c.http_realm = std::string(v);
             return true;
         }},
        {"proxy.trusted",
         [](Config& c, std::string_view v) {
             auto t = TrustedProxies::parse(v);
             if (!t) return false;
             c.trusted_proxies = *t;
             return true;
         }},
        {"proxy.header",
         [](Config& c, std::string_view v) {
             if (v == "auto")
                 c.proxy_header = ProxyHeader::Auto;
             else if (v == "forwarded")
                 c.proxy_header = ProxyHeader::Forwarded;
             else if (v == "x-forwarded-for")
                 c.proxy_header = ProxyHeader::XForwardedFor;
             else
                 return false;
             return true;
         }},
        {"address.allow",
         [](Config& c, std::string_view v) {
             c.allowed_networks.clear();
             for (auto item : split_csv(v)) {
                 auto n = IpNetwork::parse(item);
                 if (!n) return false;
                 c.allowed_networks.push_back(*n);
             }
             return true;
         }},
        {"dyndns2.require_user_agent",
         [](Config& c, std::string_view v) { return parse_bool(v, c.require_user_agent); }},
        {"dyndns2.agent_denylist",
         [](Config& c, std::string_view v) {
             c.agent_denylist.clear();
             for (auto item : split_csv(v)) c.agent_denylist.emplace_back(item);
             return true;
         }},
        {"dns.timeout_ms",
         [](Config& c, std::string_view v) {
             long long ms = 0;
             if (!parse_number<long long>(v, ms, 50, 60000)) return false;
             c.dns_timeout = std::chrono::milliseconds(ms);
             return true;
         }},
        {"dns.attempts",
         [](Config& c, std::string_view v) { return parse_number<int>(v, c.dns_attempts, 1, 10); }},
        {"auth.argon2_opslimit",
         [](Config& c, std::string_view v) {
             return parse_number<std::uint64_t>(v, c.argon2_opslimit, 1, 64);
         }},
        {"auth.argon2_memlimit_kib",
         [](Config& c, std::string_view v) {
             return parse_number<std::size_t>(v, c.argon2_memlimit_kib, 8,
                                              std::size_t{4} * 1024 * 1024);
         }},
        {"auth.cache_ttl",
         [](Config& c, std::string_view v) {
             long long s = 0;
             if (!parse_number<long long>(v, s, 0, 86400)) return false;
             c.auth_cache_ttl = std::chrono::seconds(s);
             return true;
         }},
        {"auth.lockout_failures",
         [](Config& c, std::string_view v) {
             return parse_number<unsigned>(v, c.lockout_failures, 0, 1000);
         }},
        {"auth.lockout_initial",
         [](Config& c, std::string_view v) {
             return parse_seconds(v, c.lockout_initial, 1, 3600);
         }},
        {"auth.lockout_max",
         [](Config& c, std::string_view v) { return parse_seconds(v, c.lockout_max, 1, 86400); }},
        {"auth.account_lockout_failures",
         [](Config& c, std::string_view v) {
             return parse_number<unsigned>(v, c.account_lockout_failures, 0, 100000);
         }},
        {"auth.account_lockout",
         [](Config& c, std::string_view v) {
             return parse_seconds(v, c.account_lockout, 1, 3600);
         }},
        {"auth.address_lockout_failures",
         [](Config& c, std::string_view v) {
             return parse_number<unsigned>(v, c.address_lockout_failures, 0, 100000);
         }},
        {"auth.address_lockout_initial",
         [](Config& c, std::string_view v) {
             return parse_seconds(v, c.address_lockout_initial, 1, 3600);
         }},
        {"auth.address_lockout_max",
         [](Config& c, std::string_view v) {
             return parse_seconds(v, c.address_lockout_max, 1, 3600);
         }},
        {"sweep.interval",
         [](Config& c, std::string_view v) {
             long long s = 0;
             if (!parse_number<long long>(v, s, 0, 86400)) return false;
             c.sweep_interval = std::chrono::seconds(s);
             return true;
         }},
        {"sweep.batch_size",
         [](Config& c, std::string_view v) {
             return parse_number<std::size_t>(v, c.sweep_batch_size, 1, 1000);
         }},
        {"reconcile.interval",
         [](Config& c, std::string_view v) {
             long long s = 0;
             if (!parse_number<long long>(v, s, 0, 86400)) return false;
             c.reconcile_interval = std::chrono::seconds(s);
             return true;
         }},
        {"reconcile.in_doubt_poll",
         [](Config& c, std::string_view v) {
             return parse_seconds(v, c.reconcile_in_doubt_poll, 1, 3600);
         }},
        {"reconcile.max_repairs",
         [](Config& c, std::string_view v) {
             return parse_number<std::size_t>(v, c.reconcile_max_repairs, 1, 1000000);
         }},
        {"audit.retention",
         [](Config& c, std::string_view v) {
             const auto d = parse_duration(v);
             if (!d) return false;
             c.audit_retention = *d;
             return true;
         }},
        {"audit.prune_interval",
         [](Config& c, std::string_view v) {
             const auto d = parse_duration(v);
             if (!d || *d < std::chrono::seconds(1)) return false;
             c.audit_prune_interval = *d;
             return true;
         }},
        {"abuse.nochg_interval",
         [](Config& c, std::string_view v) {
             if (v == "off") {
                 c.nochg_interval = std::chrono::seconds::zero();
                 return true;
             }
             const auto d = parse_duration(v);
             if (!d || *d > std::chrono::hours(24 * 7)) return false;
             c.nochg_interval = *d;
             return true;
         }},
        {"abuse.nochg_budget",
         [](Config& c, std::string_view v) {
             return parse_number<int>(v, c.nochg_budget, 0, 10000);
         }},
        {"audit.queue_size",
         [](Config& c, std::string_view v) {
             return parse_number<std::size_t>(v, c.audit_queue_size, 1, 1000000);
         }},
        {"log.level",
         [](Config& c, std::string_view v) {
             if (v == "debug")
                 c.log_level = LogLevel::Debug;
             else if (v == "info")
                 c.log_level = LogLevel::Info;
             else if (v == "warning")
                 c.log_level = LogLevel::Warning;
             else if (v == "error")
                 c.log_level = LogLevel::Error;
             else
                 return false;
             return true;
         }},
    };
    return table;
}

}  // namespace

auth::Argon2Params Config::argon2_params() const {
    return auth::Argon2Params{argon2_opslimit, argon2_memlimit_kib * 1024};
}

auth::FailureThrottleOptions Config::throttle_options() const {
    auth::FailureThrottleOptions options;
    options.address_failures = lockout_failures;
    options.address_initial = lockout_initial;
    options.address_max = lockout_max;
    options.account_failures = account_lockout_failures;
    options.account_lock = account_lockout;
    options.network_failures = address_lockout_failures;
    options.network_initial = address_lockout_initial;
    options.network_max = address_lockout_max;
    return options;
}

UpdateClientOptions Config::dns_client_options() const {
    UpdateClientOptions options;
    options.timeout = dns_timeout;
    options.udp_attempts = dns_attempts;
    return options;
}

HttpServerOptions Config::http_server_options() const {
    HttpServerOptions o;
    o.http_listen = http_listen;
    o.https_listen = https_listen;
    o.tls_certificate = tls_certificate;
    o.tls_private_key = tls_private_key;
    o.threads = http_threads;
    o.max_queued = http_max_queued;
    o.keepalive_timeout = http_keepalive_timeout;
    o.max_keepalive_requests = http_max_keepalive_requests;
    o.trusted_proxies = trusted_proxies;
    o.proxy_header = proxy_header;
    return o;
}

Expected<Config, std::string> parse_config(std::string_view text) {
    Config config;
    config.http_listen.push_back(ListenAddress{"127.0.0.1", 8080});
    std::set<std::string, std::less<>> seen;
    int line_no = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        line = trim(line);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        const auto eq = line.find('=');
        const std::string where = "line " + std::to_string(line_no);
        if (eq == std::string_view::npos) return Unexpected{where + ": expected `key = value`"};
        const std::string_view key = trim(line.substr(0, eq));
        std::string_view value = trim(line.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
            value = value.substr(1, value.size() - 2);
        const auto& table = setters();
        auto it = table.find(key);
        if (it == table.end())
            return Unexpected{where + ": unknown key `" + std::string(key) + "`"};
        if (!seen.insert(std::string(key)).second)
            return Unexpected{where + ": `" + std::string(key) + "` is set twice"};
        if (!it->second(config, value)) {
            // database.url may hold a password: name the key, never echo the value.
            if (key == "database.url")
                return Unexpected{where + ": database.url must not be empty"};
            return Unexpected{where + ": invalid value for `" + std::string(key) +
                              "`: " + std::string(value)};
        }
    }
    if (config.database_url.empty()) return Unexpected{std::string("database.url is required")};
    if (config.lockout_max < config.lockout_initial)
        return Unexpected{std::string("auth.lockout_max must not be below auth.lockout_initial")};
    if (config.address_lockout_max < config.address_lockout_initial)
        return Unexpected{
            std::string("auth.address_lockout_max must not be below auth.address_lockout_initial")};
    if (auto error = check_listeners(config)) return Unexpected{*error};
    return config;
}

Expected<Config, std::string> load_config_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Unexpected{"cannot read config file " + path};
    std::ostringstream ss;
    ss << in.rdbuf();
    auto result = parse_config(ss.str());
    if (!result) return Unexpected{path + ": " + result.error()};
    return result;
}

}  // namespace ddns::gateway
