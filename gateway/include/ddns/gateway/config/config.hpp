// Typed configuration read from a `key = value` file. Every key is documented in
// docs/configuration.md; unknown keys are errors (a typo must not silently change behaviour).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddns/auth/failure_throttle.hpp"
#include "ddns/auth/notice.hpp"
#include "ddns/auth/password.hpp"
#include "ddns/gateway/account/account_service.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/http/http_options.hpp"
#include "ddns/gateway/web/web_options.hpp"
#include "ddns/nsupdate/expected.hpp"
#include "ddns/nsupdate/ip_address.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::gateway {

// One struct per key section; each field is named after its key (`sweep.interval` is
// `config.sweep.interval`). Types, bounds, defaults and descriptions live in one place, the
// key table kKeys (config_keys.hpp): parse_config starts from the table's defaults, so the
// fields here carry no initialisers of their own.
struct DatabaseSection {
    std::string url;  // required
    std::size_t pool_size{};
};

// The principal cache and batched last_seen writes (sql::CacheOptions).
struct CacheSection {
    std::chrono::seconds ttl{};
    std::size_t capacity{};
    std::chrono::milliseconds max_lag_ms{};  // the staleness bound across instances
};

struct HttpSection {
    std::vector<ListenAddress> listen;
    std::size_t threads{};
    std::size_t max_queued{};
    std::chrono::seconds keepalive_timeout{};
    std::chrono::seconds header_timeout{};
    std::chrono::seconds body_timeout{};
    std::size_t max_connections_per_address = 0;
    std::size_t max_keepalive_requests{};
    std::size_t max_body_bytes{};
    std::string realm;
    std::chrono::seconds shutdown_grace{};  // SIGTERM: requests begun may finish this long
    std::size_t loops{};                    // 0: one per hardware thread
    bool answer_inline{};
};

struct HttpsSection {
    std::vector<ListenAddress> listen;  // needs the two tls.* files
};

struct TlsSection {
    std::string certificate;  // PEM, leaf first, then the chain
    std::string private_key;  // PEM, unencrypted
};

struct ProxySection {
    TrustedProxies trusted;
    ProxyHeader header{};
};

struct AddressSection {
    std::vector<IpNetwork> allow;  // private ranges the operator allows
};

struct Dyndns2Section {
    bool require_user_agent{};
    std::vector<std::string> agent_denylist;  // substrings
};

struct DnsSection {
    std::chrono::milliseconds timeout_ms{};
    int attempts{};
    int messages_per_zone{};
};

struct AuthSection {
    std::uint64_t argon2_opslimit{};
    std::size_t argon2_memlimit_kib{};
    std::size_t argon2_memory_budget_mib{};               // bounds concurrent argon2 runs
    std::chrono::milliseconds argon2_queue_timeout_ms{};  // wait for a slot, then "busy"
    std::chrono::seconds cache_ttl{};
    std::size_t cache_capacity{};
    // Per client address and account name.
    unsigned lockout_failures{};  // 0: off
    std::chrono::seconds lockout_initial{};
    std::chrono::seconds lockout_max{};
    // Per account name, from all addresses.
    unsigned account_lockout_failures{};  // 0: off
    std::chrono::seconds account_lockout{};
    // Per client address, for all account names (address-wide).
    unsigned address_lockout_failures{};  // 0: off
    std::chrono::seconds address_lockout_initial{};
    std::chrono::seconds address_lockout_max{};
    // Failures counted in the database too, so every instance applies the same locks.
    bool shared_throttle{};
    std::chrono::seconds throttle_sync_interval{};
};

struct AuditSection {
    std::chrono::seconds retention{};  // 0: keep
    std::chrono::seconds prune_interval{};
    std::size_t queue_size{};
    bool merge_repeats{};  // identical unchanged answers waiting for the writer: one row, counted
    std::chrono::milliseconds merge_window_ms{};  // ... and within this window (0: no window)
    std::chrono::milliseconds gather_ms{};        // a write starts at most this long after the last
};

// Self-service accounts: the web.* keys of sign-up, mailed links and free names (read by the
// account layer through AccountOptions; the pages' own web.* keys are in WebSection).
struct AccountSection {
    bool api{};  // api.enabled
    Registration registration{};
    std::chrono::seconds verify_link_lifetime{};
    std::chrono::seconds reset_link_lifetime{};
    std::size_t max_hosts_per_account{};
    std::vector<std::string> reserved_labels;
    std::string base_url;  // "" or "http(s)://host[:port][/path]", no trailing slash
};

struct AbuseSection {
    std::chrono::seconds nochg_interval{};  // 0: no no-change budget
    int nochg_budget{};
};

struct LogSection {
    LogLevel level{};
    std::chrono::seconds repeat_interval{};  // 0: every warning and error is written
    LogFormat format{};
    std::string file;  // empty: stderr
    bool access{};     // one line per request
};

struct MetricsSection {
    std::vector<ListenAddress> listen;  // empty: no metrics listener
    bool on_public_listeners{};         // /metrics also on http.listen and https.listen
};

struct SweepSection {
    std::chrono::seconds interval{};  // 0: this process does not sweep
    std::size_t batch_size{};         // hosts per UPDATE message
};

struct ReconcileSection {
    std::chrono::seconds interval{};       // 0: this process does not reconcile
    std::chrono::seconds in_doubt_poll{};  // between passes over hosts in doubt
    std::size_t max_repairs{};             // repairing UPDATEs per pass
};

// Mail to users (issue #10): the SMTP server the outbox is delivered through.
enum class MailTls { None, StartTls, Tls };
enum class MailAuth { Plain, Login };

struct MailSection {
    bool enabled{};  // false: mails wait in the outbox, nothing is sent
    std::string smtp_host;
    std::uint16_t smtp_port{};
    MailTls tls{};
    std::string username;       // empty: no AUTH
    std::string password_file;  // the AUTH password (first line), read when serve starts
    MailAuth auth{};
    std::string from;  // required when enabled
    std::string reply_to;
    std::string ca_file;  // empty: the system's CAs
    std::chrono::seconds timeout{};
    std::chrono::seconds interval{};
    std::size_t batch_size{};
    std::chrono::seconds retry_initial{};
    std::chrono::seconds retry_max{};
    std::chrono::seconds give_up_after{};
    std::chrono::seconds keep{};
};

// Notices (notice.*): the watcher, the webhook sender and the defaults of subscriptions.
struct NoticeSection {
    bool enabled{};  // false: no watcher and no webhook sender in this instance
    std::chrono::seconds interval{};
    std::chrono::seconds period{};  // at most one notice per host (account) and event
    int failing_after{};
    std::chrono::seconds expiry_warning{};
    std::vector<auth::NoticeKind> default_kinds;
    std::vector<IpNetwork> webhook_allow;  // non-public ranges webhooks may reach
    std::chrono::seconds webhook_timeout{};
    std::string webhook_ca_file;
    std::chrono::seconds retry_initial{};
    std::chrono::seconds retry_max{};
    std::chrono::seconds give_up_after{};
    std::chrono::seconds keep{};
};

// The HTML pages (web.*): off unless enabled.
struct WebSection {
    bool enabled{};
    std::string prefix;                    // "" or "/path", no trailing slash
    std::vector<std::uint16_t> listeners;  // local ports; empty: every listener
    std::string template_dir;              // operator overrides; empty: none
    std::chrono::seconds session_idle{};
    std::chrono::seconds session_lifetime{};
    std::string site_name;
};

struct Config {
    DatabaseSection database;
    HttpSection http;
    HttpsSection https;
    TlsSection tls;
    ProxySection proxy;
    AddressSection address;
    Dyndns2Section dyndns2;
    DnsSection dns;
    AuthSection auth;
    AuditSection audit;
    AccountSection account;
    AbuseSection abuse;
    LogSection log;
    MetricsSection metrics;
    SweepSection sweep;
    ReconcileSection reconcile;
    MailSection mail;
    WebSection web;
    NoticeSection notice;
    CacheSection cache;

    // The settings above in the form the modules take them (serve and admin share these).
    auth::Argon2Params argon2_params() const;
    // How many argon2 runs fit in auth.argon2_memory_budget_mib at auth.argon2_memlimit_kib.
    std::size_t argon2_slots() const;
    auth::FailureThrottleOptions throttle_options() const;
    AccountOptions account_options() const;
    UpdateClientOptions dns_client_options() const;
    HttpServerOptions http_server_options() const;
    LogOptions log_options() const;
    // The metrics listener: metrics.listen with the HTTP limits, no TLS, two threads.
    HttpServerOptions metrics_server_options() const;
    WebOptions web_options() const;
};

// The defaults of every key (kKeys), database.url still empty.
Config default_config();

// The process environment as NAME, value pairs (read once by main; tests pass their own).
using Environment = std::vector<std::pair<std::string, std::string>>;
Environment process_environment();

// Parses the text of a configuration file, then the DDNS_* variables of `env` over it
// (config_sources.hpp). The error names the line or the variable and the key; it never echoes
// the value of a secret key (database.url may contain a password).
Expected<Config, std::string> parse_config(std::string_view text, const Environment& env = {});
Expected<Config, std::string> load_config_file(const std::string& path,
                                               const Environment& env = {});
// The file's text ("" for none); the error names the path.
Expected<std::string, std::string> read_config_text(const std::string& path);

}  // namespace ddns::gateway
