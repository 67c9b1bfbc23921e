#include "serve_lifecycle.hpp"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace ddns::gateway {
namespace {

// SIGHUP: the log file (logrotate moved it) and the TLS certificate (renewed).
void reload(const Running& r) {
    r.notifier.notify("RELOADING=1\n" + monotonic_usec_line());
    if (r.log.reopen())
        r.log.info("received SIGHUP, log file reopened");
    else
        r.log.error("received SIGHUP, cannot reopen log.file: going on with the old file");
    if (auto error = r.http.reload_tls())
        r.log.error("received SIGHUP, TLS certificate not reloaded: " + *error +
                    "; still serving the previous certificate");
    else if (!r.http.https_ports().empty())
        r.log.info("received SIGHUP, TLS certificate and key reloaded for new connections");
    r.notifier.notify("READY=1\nSTATUS=serving");
}

}  // namespace

sigset_t block_serve_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    return signals;
}

int serve_until_stopped(const sigset_t& signals, const Running& running) {
    running.notifier.notify("READY=1\nSTATUS=serving\nMAINPID=" + std::to_string(::getpid()));
    std::unique_ptr<WatchdogPinger> watchdog;
    if (const auto period = running.notifier.watchdog_period()) {
        // Fed only while the connection loop goes round; a hung loop gets the service restarted.
        const auto within = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(*period),
                                     std::chrono::milliseconds(500));
        HttpServer& http = running.http;
        watchdog = std::make_unique<WatchdogPinger>(
            running.notifier, *period, [&http, within] { return http.responsive(within); });
    }
    int received = 0;
    while (sigwait(&signals, &received) == 0 && received == SIGHUP) reload(running);
    return received;
}

void stop_gracefully(const Running& running, const StopParts& parts, int signal,
                     std::chrono::seconds grace) {
    running.notifier.notify("STOPPING=1\nSTATUS=shutting down");
    running.log.info(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
                     ", shutting down: no new connections, requests begun may finish within " +
                     std::to_string(grace.count()) + " s");
    if (!parts.http.shutdown(grace))
        running.log.warning("shutdown: requests still running after http.shutdown_grace (" +
                            std::to_string(grace.count()) + " s) were cut off");
    if (parts.metrics_http != nullptr) parts.metrics_http->shutdown(std::chrono::seconds(1));
    if (parts.throttle_sync != nullptr) parts.throttle_sync->stop();
    parts.sweeper.stop();  // finishes the batch in hand: BIND and the database stay in step
    parts.reconciler.stop();
    parts.notices.stop();
    parts.mail.stop();   // after the requests: a mail they enqueued waits in the outbox
    parts.audit.stop();  // writes what the last requests logged
    running.log.info("stopped");
}

}  // namespace ddns::gateway
