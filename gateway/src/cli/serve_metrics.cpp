#include "serve_metrics.hpp"

#include <chrono>
#include <string>
#include <vector>

#include "ddns/gateway/base/version.hpp"

namespace ddns::gateway {
namespace {

using Samples = std::vector<Sample>;

Samples one(double value) {
    return {Sample{{}, value}};
}

template <class A>
double get(const A& atomic) {
    return static_cast<double>(atomic.load(std::memory_order_relaxed));
}

void register_pools(Metrics& m, const sql::Database& db, const sql::Database& audit_db) {
    const auto per_pool = [&db, &audit_db](auto member) {
        return [&db, &audit_db, member] {
            return Samples{{{{"pool", "requests"}}, get(db.stats().*member)},
                           {{{"pool", "update_log"}}, get(audit_db.stats().*member)}};
        };
    };
    m.collect("ddns_db_pool_waits", "Connection leases that had to wait for a free connection.",
              MetricType::Counter, per_pool(&sql::PoolStats::waits));
    m.collect("ddns_db_connect_errors", "PostgreSQL connections that could not be opened.",
              MetricType::Counter, per_pool(&sql::PoolStats::connect_errors));
    m.collect("ddns_db_connections_discarded",
              "Connections closed as broken or left inside a transaction.", MetricType::Counter,
              per_pool(&sql::PoolStats::discarded));
}

void register_jobs(Metrics& m, const ServeParts& p) {
    const auto& s = p.sweeper.counters();
    m.collect("ddns_sweeper_passes", "Offline sweeper passes.", MetricType::Counter,
              [&s] { return one(get(s.passes)); });
    m.collect("ddns_sweeper_hosts_offline", "Hosts the sweeper took offline.", MetricType::Counter,
              [&s] { return one(get(s.taken_offline)); });
    m.collect("ddns_sweeper_failures", "Due hosts a sweeper pass left for the next one.",
              MetricType::Counter, [&s] { return one(get(s.failed)); });
    const auto& r = p.reconciler.counters();
    m.collect("ddns_reconcile_passes", "Reconciler passes.", MetricType::Counter,
              [&r] { return one(get(r.passes)); });
    m.collect("ddns_reconcile_drift", "RRsets the reconciler found different in BIND.",
              MetricType::Counter, [&r] { return one(get(r.drift_found)); });
    m.collect("ddns_reconcile_repaired", "Repairs BIND acknowledged.", MetricType::Counter,
              [&r] { return one(get(r.repaired)); });
    m.collect("ddns_reconcile_failures", "Failed repairs and hosts BIND could not be read for.",
              MetricType::Counter, [&r] { return one(get(r.failed)); });
    const auto& audit = p.audit;
    m.collect("ddns_update_log_queue_depth",
              "Update-log records waiting for the writer (open merge windows included).",
              MetricType::Gauge, [&audit] { return one(static_cast<double>(audit.queued())); });
    m.collect("ddns_update_log_dropped",
              "Requests whose update-log record was dropped (full queue, database down).",
              MetricType::Counter, [&audit] { return one(static_cast<double>(audit.dropped())); });
    m.collect("ddns_update_log_merged",
              "Requests counted in another update-log record of identical unchanged answers.",
              MetricType::Counter, [&audit] { return one(static_cast<double>(audit.merged())); });
    const auto& updates = p.updates;
    m.collect("ddns_nochg_budget_refusals", "Host updates refused over their no-change budget.",
              MetricType::Counter,
              [&updates] { return one(static_cast<double>(updates.budget_refusals())); });
}

}  // namespace

void register_serve_metrics(Metrics& m, const ServeParts& p) {
    const double start =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    m.collect("ddns_process_start_time_seconds", "Start of this process, seconds since 1970.",
              MetricType::Gauge, [start] { return one(start); });
    m.collect("ddns_build_info", "Always 1; the version in a label.", MetricType::Gauge, [] {
        return Samples{{{{"version", version()}}, 1}};
    });
    const auto& http = p.http;
    m.collect("ddns_http_threads_busy", "Request threads running a request now.", MetricType::Gauge,
              [&http] { return one(static_cast<double>(http.threads_busy())); });
    m.collect("ddns_http_connections_open",
              "Client connections open now, idle keep-alive included.", MetricType::Gauge,
              [&http] { return one(static_cast<double>(http.connections_open())); });
    register_pools(m, p.db, p.audit_db);
    register_jobs(m, p);
}

void register_cache_metrics(Metrics& m, const sql::CachedStore& cache) {
    const auto counter = [&cache](std::uint64_t sql::CacheCounters::*member) {
        return [&cache, member] { return one(static_cast<double>(cache.counters().*member)); };
    };
    m.collect("ddns_principal_cache_hits", "Principals answered from memory.", MetricType::Counter,
              counter(&sql::CacheCounters::hits));
    m.collect("ddns_principal_cache_misses", "Principals read from the database.",
              MetricType::Counter, counter(&sql::CacheCounters::misses));
    m.collect("ddns_principal_cache_lagging",
              "Loads read from the database because no freshness ping came back within "
              "cache.max_lag_ms.",
              MetricType::Counter, counter(&sql::CacheCounters::lagging));
    m.collect("ddns_principal_cache_evictions",
              "Principals dropped to make room for another (the one used longest ago; "
              "cache.capacity).",
              MetricType::Counter, counter(&sql::CacheCounters::evictions));
    m.collect("ddns_principal_cache_refreshed",
              "Cached principals brought up to date in place by a change this instance "
              "committed (kept when its notification came).",
              MetricType::Counter, counter(&sql::CacheCounters::refreshed));
    m.collect("ddns_principal_cache_entries", "Principals cached now.", MetricType::Gauge,
              [&cache] { return one(static_cast<double>(cache.counters().entries)); });
    m.collect("ddns_principal_cache_listening",
              "1 while the invalidation channel is up (else nothing is answered from memory).",
              MetricType::Gauge, [&cache] { return one(cache.counters().listening ? 1 : 0); });
}

void register_mail_metrics(Metrics& m, const MailSender& sender) {
    m.collect("ddns_mail_outbox_depth",
              "Mails waiting in the outbox (every instance's), at the sender's last pass.",
              MetricType::Gauge,
              [&sender] { return one(static_cast<double>(sender.counters().pending)); });
    m.collect("ddns_mail_deliveries", "Mail delivery attempts of this process, by result.",
              MetricType::Counter, [&sender] {
                  const MailSenderCounters c = sender.counters();
                  return Samples{{{{"result", "sent"}}, static_cast<double>(c.sent)},
                                 {{{"result", "retried"}}, static_cast<double>(c.retried)},
                                 {{{"result", "failed"}}, static_cast<double>(c.failed)}};
              });
}

}  // namespace ddns::gateway
