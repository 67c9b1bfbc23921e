// What `serve` exposes on /metrics besides the request and UPDATE counters the decorators keep:
// process facts and the stat structs of the pool, the jobs and the listeners, read at scrape.
#pragma once

#include "ddns/gateway/base/metrics.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "ddns/gateway/http/http_server.hpp"
#include "ddns/gateway/jobs/audit_log.hpp"
#include "ddns/gateway/jobs/mail_sender.hpp"
#include "ddns/gateway/jobs/offline_sweeper.hpp"
#include "ddns/gateway/jobs/reconciler.hpp"
#include "ddns/sql/cached_store.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::gateway {

struct ServeParts {
    const sql::Database& db;        // the request pool
    const sql::Database& audit_db;  // the update log's own connections
    const UpdateService& updates;
    const AuditLog& audit;
    const OfflineSweeper& sweeper;
    const Reconciler& reconciler;
    const HttpServer& http;
};

// Registers the process metrics (start time, build info) and the collected ones of `parts`;
// every reference must outlive `metrics`' last scrape.
void register_serve_metrics(Metrics& metrics, const ServeParts& parts);
// The principal cache's hits, misses, lagging loads and channel state; `cache` must outlive
// `metrics`' last scrape.
void register_cache_metrics(Metrics& metrics, const sql::CachedStore& cache);
// The mail outbox's depth and this process's deliveries (mail.enabled); `sender` must outlive
// `metrics`' last scrape.
void register_mail_metrics(Metrics& metrics, const MailSender& sender);

}  // namespace ddns::gateway
