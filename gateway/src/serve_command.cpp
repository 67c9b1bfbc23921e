// The composition root: one place that builds the concrete objects and passes references down.
#include <pthread.h>
#include <csignal>
#include <iostream>

#include "ddns/auth/authenticator.hpp"
#include "ddns/auth/password.hpp"
#include "ddns/gateway/address_policy.hpp"
#include "ddns/gateway/commands.hpp"
#include "ddns/gateway/dyndns2_dialect.hpp"
#include "ddns/gateway/http_server.hpp"
#include "ddns/gateway/log.hpp"
#include "ddns/gateway/offline_sweeper.hpp"
#include "ddns/gateway/router.hpp"
#include "ddns/gateway/update_service.hpp"
#include "ddns/gateway/version.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/migrator.hpp"
#include "ddns/sql/pg_lifecycle_store.hpp"
#include "ddns/sql/pg_store.hpp"

namespace ddns::gateway {

int run_serve(const Config& config) {
    // Block the termination signals before any thread starts, so only sigwait() below sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    Logger log(config.log_level);
    sql::Database db(config.database_url, config.database_pool);
    const int schema = sql::current_schema_version(db);
    // Versions may have gaps, so "up to date" means every compiled migration is applied.
    if (schema > sql::latest_schema_version() || !sql::pending_schema_versions(db).empty()) {
        std::cerr << "ddns-gateway: database schema is at version " << schema
                  << ", this binary needs " << sql::latest_schema_version()
                  << ": run `ddns-gateway migrate --config FILE` first\n";
        return 1;
    }
    sql::PgStore store(db);
    auth::PasswordHasher hasher(config.argon2_params());
    auto clock = [] { return auth::Clock::now(); };
    auth::Authenticator authenticator(store, hasher, clock,
                                      auth::AuthenticatorOptions{config.auth_cache_ttl, 10000});
    UpdateClient dns(config.dns_client_options());
    UpdateService updates(dns, store, log);
    AddressPolicy policy(config.allowed_networks);
    Dyndns2Dialect dyndns2(
        authenticator, updates, policy, log, clock,
        Dyndns2Options{config.http_realm, config.require_user_agent, config.agent_denylist});
    Router router(dyndns2);
    HttpServer http(config, router, log);
    http.start();
    sql::PgLifecycleStore lifecycle(db);
    OfflineSweeper sweeper(dns, lifecycle, log, clock,
                           SweeperOptions{config.sweep_interval, config.sweep_batch_size});
    if (config.sweep_interval.count() > 0) sweeper.start();
    log.info(std::string("ddns-gateway ") + version() + " serving");

    int received = 0;
    sigwait(&signals, &received);
    log.info(std::string("received ") + (received == SIGINT ? "SIGINT" : "SIGTERM") +
             ", shutting down");
    sweeper.stop();  // finishes the batch in hand: BIND and the database stay in step
    http.stop();
    return 0;
}

int run_migrate(const Config& config) {
    sql::Database db(config.database_url, 1);
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

int run_check_config(const Config& config) {
    std::cout << "configuration OK: " << config.http_listen.size() << " listen address(es)";
    for (const auto& l : config.http_listen) std::cout << " " << l.to_string();
    std::cout << "\n";
    return 0;
}

}  // namespace ddns::gateway
