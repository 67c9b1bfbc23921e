#include "ddns/gateway/jobs/audit_pruner.hpp"

#include <string>
#include <utility>

namespace ddns::gateway {

AuditPruner::AuditPruner(auth::AuditStore& store, const Logger& log,
                         std::function<auth::TimePoint()> clock, AuditPrunerOptions options)
    : store_(store), log_(log), clock_(std::move(clock)), options_(options), thread_([this] {
          run();
      }) {}

AuditPruner::~AuditPruner() {
    stop();
}

void AuditPruner::stop() {
    stop_.raise();
    if (thread_.joinable()) thread_.join();
}

bool AuditPruner::stopping() const {
    return stop_.raised();
}

std::size_t AuditPruner::prune_once() {
    const auth::TimePoint cutoff = clock_() - options_.retention;
    std::size_t total = 0;
    while (!stopping()) {
        const std::size_t deleted = store_.prune(cutoff, options_.batch);
        total += deleted;
        if (deleted < options_.batch) break;
    }
    return total;
}

void AuditPruner::run() {
    for (;;) {
        try {
            if (const std::size_t deleted = prune_once(); deleted > 0)
                log_.info("audit: pruned " + std::to_string(deleted) +
                          " update-log row(s) older than " +
                          std::to_string(options_.retention.count()) + " s");
        } catch (const std::exception& e) {
            log_.warning(std::string("audit: pruning the update log failed, retrying later: ") +
                         e.what());
        }
        if (stop_.wait_for(options_.interval)) return;
    }
}

}  // namespace ddns::gateway
