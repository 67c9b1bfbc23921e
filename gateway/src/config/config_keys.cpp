#include "ddns/gateway/config/config_keys.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <type_traits>

#include "ddns/gateway/base/duration.hpp"
#include "ddns/gateway/base/text.hpp"

namespace ddns::gateway {
namespace {

// List values ignore empty items ("a, ,b" is a and b).
std::vector<std::string_view> split_csv(std::string_view s) {
    auto items = text::split_list(s, " \t\r");
    items.erase(std::remove(items.begin(), items.end(), std::string_view{}), items.end());
    return items;
}

bool parse_integer(std::string_view s, long long& out, long long min, long long max) {
    long long value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || ptr != s.data() + s.size() || value < min || value > max) return false;
    out = value;
    return true;
}

std::optional<ListenAddress> parse_listen(std::string_view s) {
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
    long long number = 0;
    if (!address || !parse_integer(port, number, 1, 65535)) return std::nullopt;
    return ListenAddress{address->to_string(), static_cast<std::uint16_t>(number)};
}

// The field of a key: Section is a member pointer of Config, Field one of that section.
template <auto Section, auto Field>
auto& field(Config& c) {
    return (c.*Section).*Field;
}

// Integer, Seconds and Milliseconds keys: a whole number within the row's bounds, stored as
// the field's type (a number or a std::chrono duration of the key's unit).
template <auto Section, auto Field>
bool set_number(Config& c, std::string_view v, const ConfigKey& key) {
    long long value = 0;
    if (!parse_integer(v, value, key.min, key.max)) return false;
    auto& target = field<Section, Field>(c);
    target = static_cast<std::remove_reference_t<decltype(target)>>(value);
    return true;
}

// Duration keys: seconds or `45s`/`30m`/`12h`/`30d`, within the row's bounds in seconds.
template <auto Section, auto Field>
bool set_duration(Config& c, std::string_view v, const ConfigKey& key) {
    const auto d = parse_duration(v);
    if (!d || d->count() < key.min || d->count() > key.max) return false;
    field<Section, Field>(c) = *d;
    return true;
}

// A duration where `off` means 0.
template <auto Section, auto Field>
bool set_duration_or_off(Config& c, std::string_view v, const ConfigKey& key) {
    if (v == "off") {
        field<Section, Field>(c) = std::chrono::seconds::zero();
        return true;
    }
    return set_duration<Section, Field>(c, v, key);
}

template <auto Section, auto Field>
bool set_text(Config& c, std::string_view v, const ConfigKey&) {
    field<Section, Field>(c) = std::string(v);
    return !v.empty();
}

template <auto Section, auto Field>
bool set_bool(Config& c, std::string_view v, const ConfigKey&) {
    auto& target = field<Section, Field>(c);
    if (v == "true" || v == "yes" || v == "on" || v == "1") {
        target = true;
        return true;
    }
    if (v == "false" || v == "no" || v == "off" || v == "0") {
        target = false;
        return true;
    }
    return false;
}

template <auto Section, auto Field>
bool set_listen_list(Config& c, std::string_view v, const ConfigKey&) {
    auto& out = field<Section, Field>(c);
    out.clear();
    for (auto item : split_csv(v)) {
        auto l = parse_listen(item);
        if (!l) return false;
        out.push_back(*l);
    }
    return true;
}

// web.prefix: empty (the root) or a path of plain segments ("/account", "/my/dns"), no trailing
// slash, so the pages' links and the router's match are exact.
bool set_web_prefix(Config& c, std::string_view v, const ConfigKey&) {
    if (!v.empty()) {
        if (v.front() != '/' || v.back() == '/' || v.find("//") != std::string_view::npos)
            return false;
        const auto bad = [](char ch) {
            return !(std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' || ch == '-' ||
                     ch == '_' || ch == '.');
        };
        if (std::any_of(v.begin(), v.end(), bad) || v.find("/.") != std::string_view::npos)
            return false;
    }
    c.web.prefix = std::string(v);
    return true;
}

// web.listeners: the local ports whose listeners show the pages (empty: all).
bool set_web_listeners(Config& c, std::string_view v, const ConfigKey&) {
    c.web.listeners.clear();
    for (auto item : split_csv(v)) {
        long long port = 0;
        if (!parse_integer(item, port, 1, 65535)) return false;
        c.web.listeners.push_back(static_cast<std::uint16_t>(port));
    }
    return true;
}

// Text that may be empty (web.template_dir).
template <auto Section, auto Field>
bool set_optional_text(Config& c, std::string_view v, const ConfigKey&) {
    field<Section, Field>(c) = std::string(v);
    return true;
}

// The realm goes into every WWW-Authenticate header as a quoted string: a quote or backslash
// would end or escape it, a control byte (CR, LF) would break or split the header.
bool set_realm(Config& c, std::string_view v, const ConfigKey&) {
    const auto unsafe = [](char ch) {
        const auto b = static_cast<unsigned char>(ch);
        return b < 0x20 || b == 0x7f || ch == '"' || ch == '\\';
    };
    if (v.empty() || std::any_of(v.begin(), v.end(), unsafe)) return false;
    c.http.realm = std::string(v);
    return true;
}

bool set_trusted_proxies(Config& c, std::string_view v, const ConfigKey&) {
    auto t = TrustedProxies::parse(v);
    if (!t) return false;
    c.proxy.trusted = *t;
    return true;
}

bool set_proxy_header(Config& c, std::string_view v, const ConfigKey&) {
    if (v == "auto")
        c.proxy.header = ProxyHeader::Auto;
    else if (v == "forwarded")
        c.proxy.header = ProxyHeader::Forwarded;
    else if (v == "x-forwarded-for")
        c.proxy.header = ProxyHeader::XForwardedFor;
    else
        return false;
    return true;
}

bool set_address_allow(Config& c, std::string_view v, const ConfigKey&) {
    c.address.allow.clear();
    for (auto item : split_csv(v)) {
        auto n = IpNetwork::parse(item);
        if (!n) return false;
        c.address.allow.push_back(*n);
    }
    return true;
}

bool set_agent_denylist(Config& c, std::string_view v, const ConfigKey&) {
    c.dyndns2.agent_denylist.clear();
    for (auto item : split_csv(v)) c.dyndns2.agent_denylist.emplace_back(item);
    return true;
}

// Notices: the kinds a subscription gets when it names none, and the webhooks' allow list.
bool set_notice_kinds(Config& c, std::string_view v, const ConfigKey&) {
    const auto kinds = auth::parse_notice_kinds(v);
    if (!kinds) return false;
    c.notice.default_kinds = *kinds;
    return true;
}

bool set_webhook_allow(Config& c, std::string_view v, const ConfigKey&) {
    c.notice.webhook_allow.clear();
    for (auto item : split_csv(v)) {
        auto n = IpNetwork::parse(item);
        if (!n) return false;
        c.notice.webhook_allow.push_back(*n);
    }
    return true;
}

// Self-service accounts (web.registration and the other keys of the account layer).
bool set_registration(Config& c, std::string_view v, const ConfigKey&) {
    const auto mode = parse_registration(v);
    if (!mode) return false;
    c.account.registration = *mode;
    return true;
}

// Labels free accounts may not pick: DNS labels, lower-cased.
bool set_reserved_labels(Config& c, std::string_view v, const ConfigKey&) {
    c.account.reserved_labels.clear();
    for (auto item : split_csv(v)) {
        std::string label(item);
        std::transform(label.begin(), label.end(), label.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        if (label.empty() || label.size() > 63 || label.find('.') != std::string::npos)
            return false;
        c.account.reserved_labels.push_back(std::move(label));
    }
    return true;
}

// The address the links in mails start with: http(s)://, no trailing slash, nothing that could
// break a line of the mail. Empty: sign-up and reset cannot mail links (parse_config refuses
// registration without it).
bool set_base_url(Config& c, std::string_view v, const ConfigKey&) {
    if (!v.empty()) {
        if (!v.starts_with("http://") && !v.starts_with("https://")) return false;
        if (v.back() == '/' || v.find_first_of(" \t\r\n\"<>") != std::string_view::npos)
            return false;
    }
    c.account.base_url = std::string(v);
    return true;
}

bool set_log_level(Config& c, std::string_view v, const ConfigKey&) {
    if (v == "debug")
        c.log.level = LogLevel::Debug;
    else if (v == "info")
        c.log.level = LogLevel::Info;
    else if (v == "warning")
        c.log.level = LogLevel::Warning;
    else if (v == "error")
        c.log.level = LogLevel::Error;
    else
        return false;
    return true;
}

bool set_log_format(Config& c, std::string_view v, const ConfigKey&) {
    if (v != "text" && v != "json") return false;
    c.log.format = v == "json" ? LogFormat::Json : LogFormat::Text;
    return true;
}

bool set_mail_tls(Config& c, std::string_view v, const ConfigKey&) {
    if (v == "none")
        c.mail.tls = MailTls::None;
    else if (v == "starttls")
        c.mail.tls = MailTls::StartTls;
    else if (v == "tls")
        c.mail.tls = MailTls::Tls;
    else
        return false;
    return true;
}

bool set_mail_auth(Config& c, std::string_view v, const ConfigKey&) {
    if (v == "plain")
        c.mail.auth = MailAuth::Plain;
    else if (v == "login")
        c.mail.auth = MailAuth::Login;
    else
        return false;
    return true;
}

using C = Config;
using K = KeyType;
constexpr long long kNone = 0;
constexpr long long kForever = std::numeric_limits<long long>::max();

// clang-format off
const ConfigKey kKeys[] = {
    {"database.url", K::Text, kNone, kNone, kRequired, "libpq connection URI or key/value string",
     set_text<&C::database, &DatabaseSection::url>, true},
    {"database.pool_size", K::Integer, 1, 256, "8", "PostgreSQL connections per process",
     set_number<&C::database, &DatabaseSection::pool_size>},
    {"http.listen", K::List, kNone, kNone, "127.0.0.1:8080", "plain HTTP addresses, ADDRESS:PORT",
     set_listen_list<&C::http, &HttpSection::listen>},
    {"https.listen", K::List, kNone, kNone, "", "TLS addresses, ADDRESS:PORT",
     set_listen_list<&C::https, &HttpsSection::listen>},
    {"tls.certificate", K::Text, kNone, kNone, "", "PEM file: certificate, then its chain",
     set_text<&C::tls, &TlsSection::certificate>},
    {"tls.private_key", K::Text, kNone, kNone, "", "PEM file: the unencrypted private key",
     set_text<&C::tls, &TlsSection::private_key>},
    {"http.threads", K::Integer, 2, 4096, "64", "request threads shared by all listeners",
     set_number<&C::http, &HttpSection::threads>},
    {"http.max_queued", K::Integer, 1, 65536, "256", "complete requests waiting for a thread (503 beyond)",
     set_number<&C::http, &HttpSection::max_queued>},
    {"http.keepalive_timeout", K::Seconds, 0, 3600, "10", "idle keep-alive connection lifetime",
     set_number<&C::http, &HttpSection::keepalive_timeout>},
    {"http.header_timeout", K::Seconds, 1, 3600, "10",
     "seconds a new connection may take for the TLS handshake and request head",
     set_number<&C::http, &HttpSection::header_timeout>},
    {"http.body_timeout", K::Seconds, 1, 3600, "10",
     "seconds a request body may take to arrive once its head is in",
     set_number<&C::http, &HttpSection::body_timeout>},
    {"http.max_connections_per_address", K::Integer, 1, 65536, "64",
     "open connections per client address (IPv6 per /64)",
     set_number<&C::http, &HttpSection::max_connections_per_address>},
    {"http.max_keepalive_requests", K::Integer, 0, 100000, "100", "requests per connection",
     set_number<&C::http, &HttpSection::max_keepalive_requests>},
    {"http.max_body_bytes", K::Integer, 0, 16 * 1024 * 1024, "65536",
     "largest request body (413 beyond)", set_number<&C::http, &HttpSection::max_body_bytes>},
    {"http.realm", K::Text, kNone, kNone, "ddns-gateway", "Basic challenge realm (no quotes)",
     set_realm},
    // Where requests are served (docs/design.md, "HTTP framing and hostile input").
    {"http.loops", K::Integer, 0, 256, "0",
     "connection loop threads sharing the listeners (0: one per hardware thread)",
     set_number<&C::http, &HttpSection::loops>},
    {"http.answer_inline", K::Bool, kNone, kNone, "true",
     "answer what needs no wait (cached no-change updates) on the loop that read it",
     set_bool<&C::http, &HttpSection::answer_inline>},
    {"proxy.trusted", K::List, kNone, kNone, "", "CIDRs of proxies whose headers are believed",
     set_trusted_proxies},
    {"proxy.header", K::Choice, kNone, kNone, "auto", "auto, forwarded or x-forwarded-for",
     set_proxy_header},
    {"address.allow", K::List, kNone, kNone, "", "non-public CIDRs accepted as host addresses",
     set_address_allow},
    {"dyndns2.require_user_agent", K::Bool, kNone, kNone, "true", "badagent without User-Agent",
     set_bool<&C::dyndns2, &Dyndns2Section::require_user_agent>},
    {"dyndns2.agent_denylist", K::List, kNone, kNone, "", "User-Agent substrings refused",
     set_agent_denylist},
    {"dns.timeout_ms", K::Milliseconds, 50, 60000, "2000", "wait for BIND per attempt",
     set_number<&C::dns, &DnsSection::timeout_ms>},
    {"dns.attempts", K::Integer, 1, 10, "2", "UDP attempts per UPDATE",
     set_number<&C::dns, &DnsSection::attempts>},
    {"dns.messages_per_zone", K::Integer, 1, 32, "1", "UPDATE messages of one zone at once",
     set_number<&C::dns, &DnsSection::messages_per_zone>},
    {"auth.argon2_opslimit", K::Integer, 1, 64, "2", "argon2id passes for new hashes",
     set_number<&C::auth, &AuthSection::argon2_opslimit>},
    {"auth.argon2_memlimit_kib", K::Integer, 8, 4LL * 1024 * 1024, "65536",
     "argon2id memory for new hashes, KiB",
     set_number<&C::auth, &AuthSection::argon2_memlimit_kib>},
    // Bounded argon2 (issue #13).
    {"auth.argon2_memory_budget_mib", K::Integer, 1, 1024 * 1024, "256",
     "memory for concurrent argon2 runs, MiB (runs = budget / memlimit, at least 1)",
     set_number<&C::auth, &AuthSection::argon2_memory_budget_mib>},
    {"auth.argon2_queue_timeout_ms", K::Milliseconds, 0, 60000, "2000",
     "wait for an argon2 slot before answering busy",
     set_number<&C::auth, &AuthSection::argon2_queue_timeout_ms>},
    {"auth.cache_ttl", K::Seconds, 0, 86400, "600", "successful password checks remembered",
     set_number<&C::auth, &AuthSection::cache_ttl>},
    {"auth.cache_capacity", K::Integer, 0, 10000000, "100000",
     "password checks remembered at most (0: none)",
     set_number<&C::auth, &AuthSection::cache_capacity>},
    {"auth.lockout_failures", K::Integer, 0, 1000, "5", "failures per address and name (0: off)",
     set_number<&C::auth, &AuthSection::lockout_failures>},
    {"auth.lockout_initial", K::Seconds, 1, 3600, "1", "first address lock",
     set_number<&C::auth, &AuthSection::lockout_initial>},
    {"auth.lockout_max", K::Seconds, 1, 86400, "900", "longest address lock",
     set_number<&C::auth, &AuthSection::lockout_max>},
    {"auth.account_lockout_failures", K::Integer, 0, 100000, "20",
     "failures per account name (0: off)",
     set_number<&C::auth, &AuthSection::account_lockout_failures>},
    {"auth.account_lockout", K::Seconds, 1, 3600, "60", "every account lock",
     set_number<&C::auth, &AuthSection::account_lockout>},
    {"auth.address_lockout_failures", K::Integer, 0, 100000, "50",
     "failures per address, all names (0: off)",
     set_number<&C::auth, &AuthSection::address_lockout_failures>},
    {"auth.address_lockout_initial", K::Seconds, 1, 3600, "1", "first address-wide lock",
     set_number<&C::auth, &AuthSection::address_lockout_initial>},
    {"auth.address_lockout_max", K::Seconds, 1, 3600, "300", "longest address-wide lock",
     set_number<&C::auth, &AuthSection::address_lockout_max>},
    {"auth.shared_throttle", K::Bool, kNone, kNone, "true",
     "count failed logins in the database for every instance",
     set_bool<&C::auth, &AuthSection::shared_throttle>},
    {"auth.throttle_sync_interval", K::Seconds, 1, 60, "2",
     "period of reading other instances' locks",
     set_number<&C::auth, &AuthSection::throttle_sync_interval>},
    {"sweep.interval", K::Seconds, 0, 86400, "30", "offline sweeper period (0: no sweeping)",
     set_number<&C::sweep, &SweepSection::interval>},
    {"sweep.batch_size", K::Integer, 1, 10000, "500", "hosts per sweeper transaction",
     set_number<&C::sweep, &SweepSection::batch_size>},
    {"reconcile.interval", K::Seconds, 0, 86400, "300", "full DNS comparison period (0: none)",
     set_number<&C::reconcile, &ReconcileSection::interval>},
    {"reconcile.in_doubt_poll", K::Seconds, 1, 3600, "5", "period of settling hosts in doubt",
     set_number<&C::reconcile, &ReconcileSection::in_doubt_poll>},
    {"reconcile.max_repairs", K::Integer, 1, 1000000, "1000", "repairing UPDATEs per pass",
     set_number<&C::reconcile, &ReconcileSection::max_repairs>},
    {"log.repeat_interval", K::Seconds, 0, 86400, "30",
     "repeated warning or error written once per period (0: every one)",
     set_number<&C::log, &LogSection::repeat_interval>},
    {"audit.retention", K::Duration, 0, kForever, "30d", "update-log age kept (0: forever)",
     set_duration<&C::audit, &AuditSection::retention>},
    {"audit.prune_interval", K::Duration, 1, kForever, "1h", "update-log pruning period",
     set_duration<&C::audit, &AuditSection::prune_interval>},
    {"audit.queue_size", K::Integer, 1, 1000000, "10000", "update-log entries waiting at most",
     set_number<&C::audit, &AuditSection::queue_size>},
    // Self-service accounts (api branch).
    {"api.enabled", K::Bool, kNone, kNone, "true", "with web.enabled, serve the JSON API too",
     set_bool<&C::account, &AccountSection::api>},
    {"web.registration", K::Choice, kNone, kNone, "off", "sign-up: off, invite or open",
     set_registration},
    {"web.verify_link_lifetime", K::Duration, 300, 30 * 86400, "1d", "e-mail link valid this long",
     set_duration<&C::account, &AccountSection::verify_link_lifetime>},
    {"web.reset_link_lifetime", K::Duration, 300, 86400, "1h", "reset link valid this long",
     set_duration<&C::account, &AccountSection::reset_link_lifetime>},
    {"web.max_hosts_per_account", K::Integer, 0, 10000, "5", "hosts of a free account (0: no limit)",
     set_number<&C::account, &AccountSection::max_hosts_per_account>},
    {"web.reserved_labels", K::List, kNone, kNone, "www, mail, ns, ns1, ns2, mx, ftp, smtp, imap, admin, api",
     "labels free accounts may not pick", set_reserved_labels},
    {"web.base_url", K::Text, kNone, kNone, "", "start of the links in mails", set_base_url},
    {"abuse.nochg_interval", K::Duration, 0, 7 * 86400, "0", "no-change window (0 or off: none)",
     set_duration_or_off<&C::abuse, &AbuseSection::nochg_interval>},
    {"abuse.nochg_budget", K::Integer, 0, 10000, "1", "unchanged updates per window",
     set_number<&C::abuse, &AbuseSection::nochg_budget>},
    // The HTML pages (web branch).
    {"web.enabled", K::Bool, kNone, kNone, "false", "serve the self-service pages and API",
     set_bool<&C::web, &WebSection::enabled>},
    {"web.prefix", K::Text, kNone, kNone, "", "path the pages live under, e.g. /account",
     set_web_prefix},
    {"web.listeners", K::List, kNone, kNone, "", "local ports that show the pages (empty: all)",
     set_web_listeners},
    {"web.template_dir", K::Text, kNone, kNone, "", "operator templates and static files",
     set_optional_text<&C::web, &WebSection::template_dir>},
    {"web.session_idle", K::Duration, 60, 30 * 86400, "2h", "session ends unused this long",
     set_duration<&C::web, &WebSection::session_idle>},
    {"web.session_lifetime", K::Duration, 300, 365 * 86400, "7d", "session ends this long after login",
     set_duration<&C::web, &WebSection::session_lifetime>},
    {"web.site_name", K::Text, kNone, kNone, "ddns-gateway", "name shown on every page",
     set_text<&C::web, &WebSection::site_name>},
    {"log.level", K::Choice, kNone, kNone, "info", "debug, info, warning or error",
     set_log_level},
    {"log.format", K::Choice, kNone, kNone, "text", "text or json (one object per line)",
     set_log_format},
    {"log.file", K::Text, kNone, kNone, "", "log file, reopened on SIGHUP (empty: stderr)",
     set_text<&C::log, &LogSection::file>},
    {"log.access", K::Bool, kNone, kNone, "true", "one access-log line per request",
     set_bool<&C::log, &LogSection::access>},
    {"metrics.listen", K::List, kNone, kNone, "", "Prometheus /metrics addresses, ADDRESS:PORT",
     set_listen_list<&C::metrics, &MetricsSection::listen>},
    {"metrics.on_public_listeners", K::Bool, kNone, kNone, "false",
     "also answer /metrics on the update listeners",
     set_bool<&C::metrics, &MetricsSection::on_public_listeners>},
    // Lifecycle: graceful shutdown (lifecycle branch).
    {"http.shutdown_grace", K::Seconds, 0, 3600, "10",
     "on SIGTERM, seconds the requests already begun may take to finish",
     set_number<&C::http, &HttpSection::shutdown_grace>},
    // Mail to users: the outbox and its SMTP server.
    {"mail.enabled", K::Bool, kNone, kNone, "false", "deliver the mail outbox over SMTP",
     set_bool<&C::mail, &MailSection::enabled>},
    {"mail.smtp_host", K::Text, kNone, kNone, "localhost", "SMTP server name or address",
     set_text<&C::mail, &MailSection::smtp_host>},
    {"mail.smtp_port", K::Integer, 1, 65535, "587", "SMTP server port",
     set_number<&C::mail, &MailSection::smtp_port>},
    {"mail.tls", K::Choice, kNone, kNone, "starttls", "none, starttls or tls", set_mail_tls},
    {"mail.username", K::Text, kNone, kNone, "", "SMTP AUTH user (empty: no AUTH)",
     set_text<&C::mail, &MailSection::username>},
    {"mail.password_file", K::Text, kNone, kNone, "", "file holding the SMTP AUTH password",
     set_text<&C::mail, &MailSection::password_file>},
    {"mail.auth", K::Choice, kNone, kNone, "plain", "plain or login", set_mail_auth},
    {"mail.from", K::Text, kNone, kNone, "", "From of every mail",
     set_text<&C::mail, &MailSection::from>},
    {"mail.reply_to", K::Text, kNone, kNone, "", "Reply-To of every mail (empty: none)",
     set_text<&C::mail, &MailSection::reply_to>},
    {"mail.ca_file", K::Text, kNone, kNone, "", "PEM CAs for the SMTP server's certificate",
     set_text<&C::mail, &MailSection::ca_file>},
    {"mail.timeout", K::Duration, 1, 600, "30s", "SMTP connect and reply timeout",
     set_duration<&C::mail, &MailSection::timeout>},
    {"mail.interval", K::Duration, 1, 3600, "30s", "outbox polling period",
     set_duration<&C::mail, &MailSection::interval>},
    {"mail.batch_size", K::Integer, 1, 1000, "20", "mails claimed at once",
     set_number<&C::mail, &MailSection::batch_size>},
    {"mail.retry_initial", K::Duration, 1, 86400, "1m", "delay after the first failure",
     set_duration<&C::mail, &MailSection::retry_initial>},
    {"mail.retry_max", K::Duration, 1, 86400, "1h", "longest delay between attempts",
     set_duration<&C::mail, &MailSection::retry_max>},
    {"mail.give_up_after", K::Duration, 60, 30 * 86400, "2d", "age at which a mail is given up",
     set_duration<&C::mail, &MailSection::give_up_after>},
    {"mail.keep", K::Duration, 3600, 365 * 86400, "7d", "sent and failed mails kept",
     set_duration<&C::mail, &MailSection::keep>},
    // Notices by mail and webhook (notices branch).
    {"notice.enabled", K::Bool, kNone, kNone, "false", "watch hosts and deliver webhooks here",
     set_bool<&C::notice, &NoticeSection::enabled>},
    {"notice.interval", K::Duration, 1, 86400, "1m", "time between watcher passes",
     set_duration<&C::notice, &NoticeSection::interval>},
    {"notice.period", K::Duration, 0, 30 * 86400, "1h", "one notice per host and event per period",
     set_duration<&C::notice, &NoticeSection::period>},
    {"notice.failing_after", K::Integer, 1, 1000, "5", "bad-credential updates in a row",
     set_number<&C::notice, &NoticeSection::failing_after>},
    {"notice.expiry_warning", K::Duration, 3600, 365 * 86400, "7d", "warn this long before expiry",
     set_duration<&C::notice, &NoticeSection::expiry_warning>},
    {"notice.default_kinds", K::List, kNone, kNone, "offline, failing, expiry",
     "kinds of a subscription that names none", set_notice_kinds},
    {"notice.webhook_allow", K::List, kNone, kNone, "", "non-public CIDRs webhooks may reach",
     set_webhook_allow},
    {"notice.webhook_timeout", K::Duration, 1, 300, "10s", "webhook connect and reply timeout",
     set_duration<&C::notice, &NoticeSection::webhook_timeout>},
    {"notice.webhook_ca_file", K::Text, kNone, kNone, "", "PEM CAs for https:// webhooks",
     set_optional_text<&C::notice, &NoticeSection::webhook_ca_file>},
    {"notice.retry_initial", K::Duration, 1, 86400, "30s", "webhook delay after the first failure",
     set_duration<&C::notice, &NoticeSection::retry_initial>},
    {"notice.retry_max", K::Duration, 1, 86400, "1h", "longest delay between webhook attempts",
     set_duration<&C::notice, &NoticeSection::retry_max>},
    {"notice.give_up_after", K::Duration, 60, 30 * 86400, "1d", "age at which a webhook is given up",
     set_duration<&C::notice, &NoticeSection::give_up_after>},
    {"notice.keep", K::Duration, 3600, 365 * 86400, "7d", "delivered and failed webhooks kept",
     set_duration<&C::notice, &NoticeSection::keep>},
    // The principal cache of the no-change path (groupcommit branch, issue #13).
    {"cache.ttl", K::Seconds, 0, 3600, "600", "cached principals used at most this long (0: off)",
     set_number<&C::cache, &CacheSection::ttl>},
    {"cache.max_lag_ms", K::Milliseconds, 20, 60000, "500",
     "no answer from memory unless the invalidations are known complete up to this long ago",
     set_number<&C::cache, &CacheSection::max_lag_ms>},
    {"cache.capacity", K::Integer, 1, 10000000, "25000", "principals cached at most",
     set_number<&C::cache, &CacheSection::capacity>},
    // The update log at no-change rates (nochg branch, issue #13).
    {"audit.merge_repeats", K::Bool, kNone, kNone, "true",
     "identical unchanged answers waiting for the writer become one row with their count",
     set_bool<&C::audit, &AuditSection::merge_repeats>},
    // Merge windows of the update log (logmerge branch, issue #13).
    {"audit.merge_window_ms", K::Milliseconds, 0, 60000, "1000",
     "identical unchanged answers within this window become one row with their count (0: off)",
     set_number<&C::audit, &AuditSection::merge_window_ms>},
    // The update-log writer's statements per record (chgcost branch, issue #13).
    {"audit.gather_ms", K::Milliseconds, 0, 10000, "20",
     "an update-log write starts at most this long after the previous one (0: at once)",
     set_number<&C::audit, &AuditSection::gather_ms>},
};
// clang-format on

}  // namespace

std::span<const ConfigKey> config_keys() {
    return kKeys;
}

const ConfigKey* find_config_key(std::string_view name) {
    for (const auto& key : kKeys)
        if (key.name == name) return &key;
    return nullptr;
}

std::string key_expectation(const ConfigKey& key) {
    const auto range = [&key](std::string_view unit) {
        return std::string(unit) + " from " + std::to_string(key.min) + " to " +
               std::to_string(key.max);
    };
    switch (key.type) {
        case KeyType::Integer:
            return range("a whole number");
        case KeyType::Seconds:
            return range("seconds");
        case KeyType::Milliseconds:
            return range("milliseconds");
        case KeyType::Duration: {
            std::string text = "seconds or a duration such as 90s, 30m, 12h, 30d";
            if (key.min > 0) text += ", at least " + format_duration(std::chrono::seconds(key.min));
            if (key.max != kForever)
                text += ", at most " + format_duration(std::chrono::seconds(key.max));
            return text;
        }
        case KeyType::Bool:
            return "true or false";
        case KeyType::Text:
        case KeyType::List:
        case KeyType::Choice:
            break;
    }
    return std::string(key.description);
}

std::string_view key_type_name(KeyType type) {
    switch (type) {
        case KeyType::Text:
            return "text";
        case KeyType::Integer:
            return "integer";
        case KeyType::Seconds:
            return "seconds";
        case KeyType::Milliseconds:
            return "milliseconds";
        case KeyType::Duration:
            return "duration";
        case KeyType::Bool:
            return "boolean";
        case KeyType::List:
            return "list";
        case KeyType::Choice:
            return "choice";
    }
    return "unknown";
}

}  // namespace ddns::gateway
