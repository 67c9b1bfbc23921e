#include "ddns/gateway/config/config.hpp"

#include <stdexcept>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/config/config_keys.hpp"
#include "ddns/gateway/config/config_sources.hpp"

namespace ddns::gateway {
namespace {

// Checks across keys, once the whole file is read. Returns the error, if any.
std::optional<std::string> check_listeners(const Config& c) {
    if (c.http.listen.empty() && c.https.listen.empty())
        return "http.listen lists no address and https.listen is not set";
    const bool has_files = !c.tls.certificate.empty() || !c.tls.private_key.empty();
    if (!c.https.listen.empty() && (c.tls.certificate.empty() || c.tls.private_key.empty()))
        return std::string("https.listen needs both tls.certificate and tls.private_key");
    // A certificate without an HTTPS listener is most likely a forgotten https.listen line.
    if (c.https.listen.empty() && has_files)
        return std::string("tls.certificate and tls.private_key are set but https.listen is not");
    std::set<std::string, std::less<>> addresses;
    for (const auto* list : {&c.http.listen, &c.https.listen})
        for (const auto& l : *list)
            if (!addresses.insert(l.to_string()).second)
                return l.to_string() + " is listed twice in http.listen/https.listen";
    return std::nullopt;
}

std::optional<std::string> check_mail(const MailSection& m) {
    if (m.enabled && m.from.empty()) return "mail.enabled needs mail.from";
    if (!m.username.empty() && m.password_file.empty())
        return "mail.username needs mail.password_file";
    if (m.username.empty() && !m.password_file.empty())
        return "mail.password_file is set but mail.username is not";
    if (m.retry_max < m.retry_initial) return "mail.retry_max must not be below mail.retry_initial";
    return std::nullopt;
}

}  // namespace

auth::Argon2Params Config::argon2_params() const {
    return auth::Argon2Params{auth.argon2_opslimit, auth.argon2_memlimit_kib * 1024};
}

std::size_t Config::argon2_slots() const {
    return auth::Argon2Gate::slots_for(auth.argon2_memory_budget_mib * 1024 * 1024,
                                       auth.argon2_memlimit_kib * 1024);
}

// The throttle names its three locks by what they count: auth.lockout_* per address (and
// name), auth.account_lockout* per account, auth.address_lockout_* address-wide ("network").
auth::FailureThrottleOptions Config::throttle_options() const {
    auth::FailureThrottleOptions options;
    options.address_failures = auth.lockout_failures;
    options.address_initial = auth.lockout_initial;
    options.address_max = auth.lockout_max;
    options.account_failures = auth.account_lockout_failures;
    options.account_lock = auth.account_lockout;
    options.network_failures = auth.address_lockout_failures;
    options.network_initial = auth.address_lockout_initial;
    options.network_max = auth.address_lockout_max;
    return options;
}

AccountOptions Config::account_options() const {
    return AccountOptions{account.registration,        account.verify_link_lifetime,
                          account.reset_link_lifetime, account.max_hosts_per_account,
                          account.reserved_labels,     account.base_url,
                          notice.default_kinds,        notice.webhook_allow};
}

UpdateClientOptions Config::dns_client_options() const {
    UpdateClientOptions options;
    options.timeout = dns.timeout_ms;
    options.udp_attempts = dns.attempts;
    return options;
}

WebOptions Config::web_options() const {
    WebOptions o;
    o.enabled = web.enabled;
    o.prefix = web.prefix;
    o.listener_ports = web.listeners;
    o.template_dir = web.template_dir;
    o.lifetime = auth::SessionLifetime{web.session_idle, web.session_lifetime};
    o.site_name = web.site_name;
    return o;
}

HttpServerOptions Config::http_server_options() const {
    HttpServerOptions o;
    o.http_listen = http.listen;
    o.https_listen = https.listen;
    o.tls_certificate = tls.certificate;
    o.tls_private_key = tls.private_key;
    o.threads = http.threads;
    o.max_queued = http.max_queued;
    o.keepalive_timeout = http.keepalive_timeout;
    o.header_timeout = http.header_timeout;
    o.body_timeout = http.body_timeout;
    o.max_connections_per_address = http.max_connections_per_address;
    o.max_keepalive_requests = http.max_keepalive_requests;
    o.max_body_bytes = http.max_body_bytes;
    o.trusted_proxies = proxy.trusted;
    o.proxy_header = proxy.header;
    o.loops = http.loops;
    o.answer_inline = http.answer_inline;
    return o;
}

LogOptions Config::log_options() const {
    return LogOptions{log.level, log.format, log.file};
}

HttpServerOptions Config::metrics_server_options() const {
    HttpServerOptions o = http_server_options();
    o.http_listen = metrics.listen;
    o.https_listen.clear();
    o.threads = 2;
    o.max_queued = 16;
    o.loops = 1;
    o.answer_inline = false;  // /metrics is never answered on the loop
    return o;
}

Config default_config() {
    Config config;
    for (const auto& key : config_keys()) {
        if (key.default_value.empty() || key.default_value == kRequired) continue;
        // A default that does not parse is a bug in kKeys; the unit tests apply every one.
        if (!key.set(config, key.default_value, key))
            throw std::logic_error("invalid default for " + std::string(key.name));
    }
    return config;
}

Expected<Config, std::string> apply_settings(const std::vector<Setting>& settings) {
    Config config = default_config();
    for (const auto& s : settings) {
        if (s.origin == Origin::Default) continue;  // default_config() applied it
        const ConfigKey& row = *s.key;
        if (row.set(config, s.value, row)) continue;
        const std::string key(row.name);
        // A secret (database.url may hold a password): name the key, never echo the value.
        if (row.secret && s.value.empty())
            return Unexpected{s.where + ": " + key + " must not be empty"};
        if (row.secret)
            return Unexpected{s.where + ": invalid value for `" + key + "` (expected " +
                              key_expectation(row) + "; the value is not shown)"};
        return Unexpected{s.where + ": invalid value for `" + key + "`: " + s.value +
                          " (expected " + key_expectation(row) + ")"};
    }
    if (config.database.url.empty()) return Unexpected{std::string("database.url is required")};
    // Sign-up mails a verification link: without a base address there is nothing to mail.
    if (config.account.registration != Registration::Off && config.account.base_url.empty())
        return Unexpected{std::string("web.registration needs web.base_url (the links in mails)")};
    if (config.auth.lockout_max < config.auth.lockout_initial)
        return Unexpected{std::string("auth.lockout_max must not be below auth.lockout_initial")};
    if (config.auth.address_lockout_max < config.auth.address_lockout_initial)
        return Unexpected{
            std::string("auth.address_lockout_max must not be below auth.address_lockout_initial")};
    if (auto error = check_listeners(config)) return Unexpected{*error};
    if (auto error = check_mail(config.mail)) return Unexpected{*error};
    return config;
}

Expected<Config, std::string> parse_config(std::string_view text, const Environment& env) {
    auto settings = collect_settings(text, env);
    if (!settings) return Unexpected{settings.error()};
    return apply_settings(*settings);
}

Expected<std::string, std::string> read_config_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Unexpected{"cannot read config file " + path};
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Expected<Config, std::string> load_config_file(const std::string& path, const Environment& env) {
    auto text = read_config_text(path);
    if (!text) return Unexpected{text.error()};
    auto result = parse_config(*text, env);
    if (!result) return Unexpected{path + ": " + result.error()};
    return result;
}

}  // namespace ddns::gateway
