// The life of `serve` after it started: the signals it waits for (SIGHUP reloads, SIGTERM and
// SIGINT stop), systemd's notifications, and the order in which a graceful stop ends the parts.
#pragma once

#include <chrono>
#include <csignal>
#include <memory>

#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/cli/mail_service.hpp"
#include "ddns/gateway/cli/notice_service.hpp"
#include "ddns/gateway/cli/systemd_notify.hpp"
#include "ddns/gateway/http/http_server.hpp"
#include "ddns/gateway/jobs/audit_log.hpp"
#include "ddns/gateway/jobs/offline_sweeper.hpp"
#include "ddns/gateway/jobs/reconciler.hpp"
#include "ddns/gateway/jobs/throttle_sync.hpp"

namespace ddns::gateway {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (before any other thread starts, so
// only sigwait() sees them) and ignores SIGPIPE. Returns the blocked set.
sigset_t block_serve_signals();

struct Running {
    const Logger& log;
    HttpServer& http;
    const SystemdNotifier& notifier;
};

// Tells systemd the service is ready, keeps its watchdog fed while the connection loop turns,
// and waits: each SIGHUP reopens log.file and reloads the TLS certificate (a bad one keeps the
// old and is logged). Returns the signal that asks to stop (SIGTERM or SIGINT).
int serve_until_stopped(const sigset_t& signals, const Running& running);

// What a graceful stop ends, in this order: the listeners (requests begun may finish within
// `grace`), the metrics listener, the jobs, the notices (they enqueue mails), the mail sender,
// and last the update log, so that what the last requests logged is written.
struct StopParts {
    HttpServer& http;
    HttpServer* metrics_http;
    ThrottleSync* throttle_sync;
    OfflineSweeper& sweeper;
    Reconciler& reconciler;
    NoticeService& notices;
    MailService& mail;
    AuditLog& audit;
};

void stop_gracefully(const Running& running, const StopParts& parts, int signal,
                     std::chrono::seconds grace);

}  // namespace ddns::gateway
