// Typed configuration read from a `key = value` file. Every key is documented in
// docs/configuration.md; unknown keys are errors (a typo must not silently change behaviour).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/failure_throttle.hpp"
#include "ddns/auth/password.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/http/http_options.hpp"
#include "ddns/nsupdate/expected.hpp"
#include "ddns/nsupdate/ip_address.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::gateway {

struct Config {
    std::string database_url;       // database.url (required)
    std::size_t database_pool = 8;  // database.pool_size

    std::vector<ListenAddress> http_listen;           // http.listen
    std::size_t http_threads = 32;                    // http.threads
    std::size_t http_max_queued = 256;                // http.max_queued
    std::chrono::seconds http_keepalive_timeout{10};  // http.keepalive_timeout
    std::size_t http_max_keepalive_requests = 100;    // http.max_keepalive_requests
    std::string http_realm = "ddns-gateway";          // http.realm

    std::vector<ListenAddress> https_listen;  // https.listen (needs the two tls.* files)
    std::string tls_certificate;              // tls.certificate: PEM, leaf first, then the chain
    std::string tls_private_key;              // tls.private_key: PEM, unencrypted

    TrustedProxies trusted_proxies;                // proxy.trusted
    ProxyHeader proxy_header = ProxyHeader::Auto;  // proxy.header
    std::vector<IpNetwork> allowed_networks;  // address.allow: private ranges the operator allows

    bool require_user_agent = true;           // dyndns2.require_user_agent
    std::vector<std::string> agent_denylist;  // dyndns2.agent_denylist (substrings)

    std::chrono::milliseconds dns_timeout{2000};  // dns.timeout_ms
    int dns_attempts = 2;                         // dns.attempts

    std::uint64_t argon2_opslimit = 2;         // auth.argon2_opslimit
    std::size_t argon2_memlimit_kib = 65536;   // auth.argon2_memlimit_kib
    std::chrono::seconds auth_cache_ttl{600};  // auth.cache_ttl

    unsigned lockout_failures = 5;                    // auth.lockout_failures (0: off)
    std::chrono::seconds lockout_initial{1};          // auth.lockout_initial
    std::chrono::seconds lockout_max{900};            // auth.lockout_max
    unsigned account_lockout_failures = 20;           // auth.account_lockout_failures (0: off)
    std::chrono::seconds account_lockout{60};         // auth.account_lockout
    unsigned address_lockout_failures = 50;           // auth.address_lockout_failures (0: off)
    std::chrono::seconds address_lockout_initial{1};  // auth.address_lockout_initial
    std::chrono::seconds address_lockout_max{300};    // auth.address_lockout_max

    std::chrono::seconds audit_retention{std::chrono::hours(24 * 30)};  // audit.retention (0: keep)
    std::chrono::seconds audit_prune_interval{std::chrono::hours(1)};   // audit.prune_interval
    std::size_t audit_queue_size = 10000;                               // audit.queue_size
    std::chrono::seconds nochg_interval{0};  // abuse.nochg_interval (0: no no-change budget)
    int nochg_budget = 1;                    // abuse.nochg_budget

    LogLevel log_level = LogLevel::Info;  // log.level

    std::chrono::seconds sweep_interval{30};  // sweep.interval (0: this process does not sweep)
    std::size_t sweep_batch_size = 100;       // sweep.batch_size (hosts per UPDATE message)
    // reconcile.interval: seconds between full comparisons of DNS with the database (0: this
    // process does not reconcile); reconcile.in_doubt_poll: seconds between passes over hosts in
    // doubt; reconcile.max_repairs: repairing UPDATEs per pass.
    std::chrono::seconds reconcile_interval{300};
    std::chrono::seconds reconcile_in_doubt_poll{5};
    std::size_t reconcile_max_repairs = 1000;

    // The settings above in the form the modules take them (serve and admin share these).
    auth::Argon2Params argon2_params() const;
    auth::FailureThrottleOptions throttle_options() const;
    UpdateClientOptions dns_client_options() const;
    HttpServerOptions http_server_options() const;
};

// Parses the text of a configuration file. The error names the line and the key; it never
// echoes the value of database.url (it may contain a password).
Expected<Config, std::string> parse_config(std::string_view text);
Expected<Config, std::string> load_config_file(const std::string& path);

}  // namespace ddns::gateway
