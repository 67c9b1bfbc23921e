// The composition root: one place that builds the concrete objects and passes references down.
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include "ddns/auth/authenticator.hpp"
#include "ddns/auth/failure_throttle.hpp"
#include "ddns/auth/password.hpp"
#include "ddns/gateway/account/account_service.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/base/metrics.hpp"
#include "ddns/gateway/base/version.hpp"
#include "ddns/gateway/cli/commands.hpp"
#include "ddns/gateway/cli/mail_service.hpp"
#include "ddns/gateway/cli/notice_service.hpp"
#include "ddns/gateway/cli/systemd_notify.hpp"
#include "ddns/gateway/cli/web_front.hpp"
#include "ddns/gateway/core/acme_challenges.hpp"
#include "ddns/gateway/core/address_policy.hpp"
#include "ddns/gateway/core/metered_sender.hpp"
#include "ddns/gateway/core/record_service.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "ddns/gateway/dialects/acme_dialect.hpp"
#include "ddns/gateway/dialects/dialect_routes.hpp"
#include "ddns/gateway/dialects/dynamic_dialect.hpp"
#include "ddns/gateway/dialects/dynamip_dialect.hpp"
#include "ddns/gateway/dialects/dyndns2_dialect.hpp"
#include "ddns/gateway/dialects/myserver_dialect.hpp"
#include "ddns/gateway/http/after_write_router.hpp"
#include "ddns/gateway/http/http_server.hpp"
#include "ddns/gateway/http/metrics_endpoint.hpp"
#include "ddns/gateway/http/observed_router.hpp"
#include "ddns/gateway/http/readiness.hpp"
#include "ddns/gateway/http/tls.hpp"
#include "ddns/gateway/jobs/audit_log.hpp"
#include "ddns/gateway/jobs/audit_pruner.hpp"
#include "ddns/gateway/jobs/offline_sweeper.hpp"
#include "ddns/gateway/jobs/reconciler.hpp"
#include "ddns/gateway/jobs/throttle_sync.hpp"
#include "ddns/gateway/web/api.hpp"
#include "ddns/sql/cached_store.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/migrator.hpp"
#include "ddns/sql/pg_audit_store.hpp"
#include "ddns/sql/pg_lifecycle_store.hpp"
#include "ddns/sql/pg_reconcile_store.hpp"
#include "ddns/sql/pg_self_service_store.hpp"
#include "ddns/sql/pg_session_store.hpp"
#include "ddns/sql/pg_store.hpp"
#include "ddns/sql/pg_throttle_store.hpp"
#include "serve_lifecycle.hpp"
#include "serve_metrics.hpp"

namespace ddns::gateway {
namespace {

// One line when a brute-force lock begins (not for every refused request), so attacks show up
// in the log without flooding it.
void log_lock(const Logger& log, const auth::LockEvent& e) {
    const std::string duration = std::to_string(e.duration.count()) + " s";
    if (e.scope == auth::LockEvent::Scope::Address) {
        log.warning("auth: too many failed logins from " + e.client.to_string() + " for user=" +
                    e.username + ": that address is locked out of the account for " + duration);
    } else if (e.scope == auth::LockEvent::Scope::Network) {
        log.warning("auth: too many failed logins from " + e.client.to_string() +
                    " across account names (the last for user=" + e.username +
                    "): that address is locked for " + duration +
                    ", except for accounts it logged in to recently");
    } else {
        log.warning("auth: too many failed logins for user=" + e.username + " (the last from " +
                    e.client.to_string() + "): the account is locked for " + duration +
                    ", except for addresses it logged in from recently");
    }
}

// Versions may have gaps, so "up to date" means every compiled migration is applied.
bool schema_up_to_date(sql::Database& db) {
    const int schema = sql::current_schema_version(db);
    if (schema <= sql::latest_schema_version() && sql::pending_schema_versions(db).empty())
        return true;
    std::cerr << "ddns-gateway: database schema is at version " << schema << ", this binary needs "
              << sql::latest_schema_version()
              << " and every migration before it: run `ddns-gateway migrate --config FILE` first\n";
    return false;
}

std::string lock_scope(auth::LockEvent::Scope scope) {
    switch (scope) {
        case auth::LockEvent::Scope::Address:
            return "address";
        case auth::LockEvent::Scope::Network:
            return "network";
        default:
            return "account";
    }
}

}  // namespace

int run_serve(const Config& config) {
    // Before any thread starts, so only sigwait() in serve_until_stopped sees these signals.
    const sigset_t signals = block_serve_signals();
    const SystemdNotifier notifier = SystemdNotifier::from_environment(process_environment());
    Logger log(config.log_options(), std::make_shared<RepeatFilter>(config.log.repeat_interval));
    Metrics metrics;
    sql::Database db(config.database.url, config.database.pool_size);
    if (!schema_up_to_date(db)) return 1;  // also the first time the database is reached
    sql::PgStore store(db);
    // The no-change path without synchronous database work: principals cached (invalidated by
    // notification, migration 018) and last_seen written in batches (issue #13).
    auto clock = [] { return auth::Clock::now(); };
    sql::CachedStore cached(
        store, db, config.database.url,
        sql::CacheOptions{config.cache.ttl, config.cache.capacity, std::chrono::milliseconds(1000),
                          config.cache.max_lag_ms, clock});
    // One gate for every argon2 run of the process: logins of every dialect, web and API,
    // sign-up, password changes (issue #13).
    auth::PasswordHasher hasher(config.argon2_params(),
                                std::make_shared<auth::Argon2Gate>(
                                    config.argon2_slots(), config.auth.argon2_queue_timeout_ms));
    auth::FailureThrottleOptions throttle_options = config.throttle_options();
    auto& locks =
        metrics.counters("ddns_auth_locks", "Brute-force locks begun, by scope.", {"scope"});
    throttle_options.on_lock = [&log, &locks](const auth::LockEvent& e) {
        locks.with({lock_scope(e.scope)}).inc();
        log_lock(log, e);
    };
    sql::PgThrottleStore throttle_store(db);
    if (config.auth.shared_throttle) {
        throttle_options.shared = &throttle_store;
        throttle_options.on_shared_error = [&log](const std::string& e) {
            log.warning(e + " (going on with this instance's own counts)");
        };
    }
    auth::FailureThrottle throttle(std::move(throttle_options),
                                   [] { return auth::SteadyClock::now(); });
    std::unique_ptr<ThrottleSync> throttle_sync;
    if (config.auth.shared_throttle)
        throttle_sync = std::make_unique<ThrottleSync>(
            throttle, throttle_store, log,
            ThrottleSyncOptions{config.auth.throttle_sync_interval, std::chrono::seconds(60)});
    auth::Authenticator authenticator(
        cached, hasher, clock,
        auth::AuthenticatorOptions{config.auth.cache_ttl, config.auth.cache_capacity}, &throttle);
    UpdateClient dns_client(config.dns_client_options());
    MeteredSender dns(dns_client, metrics);  // every UPDATE below is counted here
    UpdateServiceOptions update_options;
    update_options.max_messages_per_zone = static_cast<std::size_t>(config.dns.messages_per_zone);
    update_options.nochg =
        auth::NochgPolicy{config.abuse.nochg_interval, config.abuse.nochg_budget};
    UpdateService updates(dns, cached, log, update_options);
    AddressPolicy policy(config.address.allow);
    Dyndns2Dialect dyndns2(authenticator, updates, policy, log, clock,
                           Dyndns2Options{config.http.realm, config.dyndns2.require_user_agent,
                                          config.dyndns2.agent_denylist});
    DynamipDialect dynamip(authenticator, updates, policy, log, clock);
    DynamicDialect dynamic(authenticator, updates, policy, log, clock,
                           DynamicOptions{config.http.realm});
    RecordService records(dns, store, log);
    MyServerDialect myserver(authenticator, updates, records, policy, log, clock);
    AcmeChallenges challenges(records, store);
    AcmeDialect acme(authenticator, challenges, log, config.http.realm);
    // /readyz borrows from the request pool: it is ready when requests can get a connection.
    DatabaseReadiness readiness(db, log, std::chrono::seconds(2));
    // The one route table: the web pages, the JSON API and more rows register here too.
    RouteTable router;
    add_dialect_routes(router, Dialects{dyndns2, dynamic, dynamip, myserver, &acme});
    add_health_routes(router, readiness);
    // The update log has its own connections: its writer and pruner never take one from requests.
    sql::Database audit_db(config.database.url, 2);
    sql::PgAuditStore audit_store(audit_db);
    AuditLogOptions audit_options{config.audit.queue_size};
    audit_options.merge_repeats = config.audit.merge_repeats;
    audit_options.merge_window = config.audit.merge_window_ms;
    audit_options.gather = config.audit.gather_ms;
    AuditLog audit(audit_store, log, audit_options);
    std::unique_ptr<AuditPruner> pruner;
    if (config.audit.retention.count() > 0)
        pruner = std::make_unique<AuditPruner>(
            audit_store, log, clock,
            AuditPrunerOptions{config.audit.retention, config.audit.prune_interval});
    // Mail to users (the account layer enqueues through mail->outbox()).
    std::unique_ptr<MailService> mail;
    try {
        mail = std::make_unique<MailService>(config, log);
    } catch (const std::exception& e) {
        std::cerr << "ddns-gateway: " << e.what() << "\n";
        return 1;
    }
    if (const MailSender* sender = mail->sender()) register_mail_metrics(metrics, *sender);
    // Notices by mail and webhook (notice.*); the account layer manages the subscriptions.
    std::unique_ptr<NoticeService> notices;
    try {
        notices = std::make_unique<NoticeService>(config, log, metrics, [&mail] {
            if (MailSender* sender = mail->sender()) sender->wake();
        });
    } catch (const std::exception& e) {
        std::cerr << "ddns-gateway: " << e.what() << "\n";
        return 1;
    }
    MetricsEndpoint metrics_only(metrics);
    if (config.metrics.on_public_listeners)
        router.add(Route{"metrics",
                         {"/metrics"},
                         kGet,
                         [&metrics_only](const RequestView& r) { return metrics_only.route(r); },
                         {},
                         {}});
    // The account layer, its JSON API (web.enabled and api.enabled, under web.prefix) and the
    // HTML pages (web.enabled), over the same account layer and session table: rows after the
    // dialects' rows in the one route table.
    sql::PgSelfServiceStore self_service(db);
    sql::PgSessionStore session_store(db);
    StoreSessionTerminator sessions(session_store);
    AccountService accounts(AccountService::Deps{self_service, store, authenticator, &throttle,
                                                 hasher, mail->outbox(), updates, records, dns,
                                                 policy, log, clock, &sessions, &notices->store()},
                            config.account_options());
    AccountApi api(accounts, log, ApiOptions{config.web.prefix + "/api/v1", config.web.listeners});
    if (config.web.enabled && config.account.api) add_api_routes(router, api);
    WebFront web(config.web_options(), accounts, session_store, log, clock);
    web.add_web_routes(router);
    // A write through the pages or the API is seen by this instance's next request, cache or not.
    AfterWriteRouter writes(router, {"web", "api"}, [&cached] { cached.note_write(); });
    ObservedRouter observed(writes, metrics, log, ObservedRouterOptions{config.log.access});
    AuditedRouter audited(observed, audit, clock);
    HttpServer http(config.http_server_options(), audited, log);
    http.start();
    sql::PgLifecycleStore lifecycle(db);
    OfflineSweeper sweeper(dns, lifecycle, log, clock,
                           SweeperOptions{config.sweep.interval, config.sweep.batch_size});
    if (config.sweep.interval.count() > 0) sweeper.start();
    // Settles hosts whose UPDATE had an unknown outcome and repairs any other drift of BIND.
    sql::PgReconcileStore reconcile_store(db);
    QueryClient dns_reader(QueryClientOptions{config.dns.timeout_ms, 300, {}});
    Reconciler reconciler(
        dns_reader, dns, reconcile_store, log,
        ReconcileOptions{config.reconcile.interval, config.reconcile.in_doubt_poll,
                         config.reconcile.max_repairs, 100, false});
    // A sweep taking many hosts offline (at start after an outage, say) goes first.
    if (config.sweep.interval.count() > 0)
        reconciler.defer_full_pass_while([&sweeper] { return sweeper.busy(); });
    if (config.reconcile.interval.count() > 0) reconciler.start();
    register_serve_metrics(metrics,
                           ServeParts{db, audit_db, updates, audit, sweeper, reconciler, http});
    register_cache_metrics(metrics, cached);
    if (const RepeatFilter* repeats = log.repeats())
        metrics.collect("ddns_log_lines_suppressed", "Repeated warnings and errors not written.",
                        MetricType::Counter, [repeats] {
                            return std::vector<Sample>{
                                {{}, static_cast<double>(repeats->counters().suppressed.load())}};
                        });
    std::unique_ptr<HttpServer> metrics_http;
    if (!config.metrics.listen.empty()) {
        metrics_http =
            std::make_unique<HttpServer>(config.metrics_server_options(), metrics_only, log);
        metrics_http->start();
    }
    log.info(std::string("ddns-gateway ") + version() + " serving");

    const Running running{log, http, notifier};
    const int received = serve_until_stopped(signals, running);
    stop_gracefully(running,
                    StopParts{http, metrics_http.get(), throttle_sync.get(), sweeper, reconciler,
                              *notices, *mail, audit},
                    received, config.http.shutdown_grace);
    return 0;
}

int run_migrate(const Config& config) {
    sql::Database db(config.database.url, 1);
    const auto report = sql::migrate(db);
    if (report.applied.empty()) {
        std::cout << "database schema is up to date (version " << report.current_version << ")\n";
    } else {
        std::cout << "applied migrations";
        for (int v : report.applied) std::cout << " " << v;
        std::cout << "; schema is at version " << report.current_version << "\n";
    }
    return 0;
}

int run_check_config(const Config& config, const std::vector<std::string>& args,
                     const std::vector<Setting>& settings) {
    bool connect = false;
    for (const auto& a : args) {
        if (a == "--print") {
            std::cout << format_settings(settings);
        } else if (a == "--connect") {
            connect = true;
        } else {
            std::cerr << "ddns-gateway: check-config takes only --connect and --print, not " << a
                      << "\n";
            return 2;
        }
    }
    // The certificate and key are loaded as `serve` would, so a bad file shows before a restart.
    if (auto error = check_tls_files(config.http_server_options())) {
        std::cerr << "ddns-gateway: " << *error << "\n";
        return 1;
    }
    // The SMTP password file, CA file and From are read as `serve` would (never printed).
    if (config.mail.enabled) {
        try {
            const SmtpTransport check(smtp_options(config.mail));
        } catch (const std::exception& e) {
            std::cerr << "ddns-gateway: " << e.what() << "\n";
            return 1;
        }
    }
    // Parsed as libpq will; the value itself is never printed (it may hold a password).
    if (!sql::conninfo_parses(config.database.url)) {
        std::cerr << "ddns-gateway: database.url is neither a postgresql:// (or postgres://) URI "
                     "nor key=value settings libpq knows\n";
        return 1;
    }
    if (connect) {
        sql::Database db(config.database.url, 1);
        if (auto error = db.ping(std::chrono::seconds(10))) {
            std::cerr << "ddns-gateway: database.url: " << *error << "\n";
            return 1;
        }
        std::cout << "database reachable\n";
    }
    std::cout << "configuration OK: " << config.http.listen.size() + config.https.listen.size()
              << " listen address(es)";
    for (const auto& l : config.http.listen) std::cout << " " << l.to_string();
    for (const auto& l : config.https.listen) std::cout << " https://" << l.to_string();
    std::cout << "\n";
    return 0;
}

}  // namespace ddns::gateway
