#include "ddns/gateway/jobs/offline_sweeper.hpp"

#include <set>
#include <string>
#include <utility>

#include "ddns/gateway/core/host_lifecycle.hpp"

namespace ddns::gateway {
namespace {

// Failures one host of the message may cause (chiefly NXRRSET: its prerequisite failed because
// BIND holds something else for it). Transport and key failures are the same for every host.
bool retry_singly(UpdateStatus status) {
    switch (status) {
        case UpdateStatus::NxRrset:
        case UpdateStatus::YxRrset:
        case UpdateStatus::NxDomain:
        case UpdateStatus::YxDomain:
        case UpdateStatus::Refused:
        case UpdateStatus::NotZone:
        case UpdateStatus::FormErr:
        case UpdateStatus::ServFail:
        case UpdateStatus::EncodeError:
            return true;
        default:
            return false;
    }
}

// Puts the hosts' stored addresses back (when recording their offline state failed after BIND
// had already applied it), so that DNS and the database agree again.
UpdateRequest restore_update(const auth::Zone& zone, const std::vector<const auth::Host*>& hosts) {
    UpdateRequest request{zone.name, {}, {}};
    for (const auth::Host* h : hosts)
        for (const auto& address : {h->ipv4, h->ipv6}) {
            if (!address) continue;
            request.operations.emplace_back(
                DeleteRRset{h->name, address_record_type(address->family())});
            request.operations.emplace_back(
                AddRecord{ResourceRecord::address(h->name, h->ttl, *address)});
        }
    return request;
}

std::string describe(const UpdateResult& result) {
    return std::string(to_string(result.status)) + (result.detail.empty() ? "" : ": ") +
           result.detail;
}

}  // namespace

OfflineSweeper::OfflineSweeper(UpdateSender& sender, auth::LifecycleStore& store, const Logger& log,
                               std::function<auth::TimePoint()> clock, SweeperOptions options)
    : sender_(sender), store_(store), log_(log), clock_(std::move(clock)), options_(options) {
    if (options_.batch_size == 0) options_.batch_size = 1;
}

OfflineSweeper::~OfflineSweeper() {
    stop();
}

void OfflineSweeper::start() {
    std::lock_guard guard(mutex_);
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        while (!stop_) {
            lock.unlock();
            sweep_once();
            lock.lock();
            // Real time between passes; what is due is decided by clock_.
            wake_.wait_for(lock, options_.interval, [this] { return stop_; });
        }
    });
}

void OfflineSweeper::stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool OfflineSweeper::stopping() {
    std::lock_guard lock(mutex_);
    return stop_;
}

SweepReport OfflineSweeper::sweep_once() {
    SweepReport report;
    const auth::TimePoint now = clock_();
    std::vector<std::int64_t> zones;
    try {
        zones = store_.zones_with_due_hosts(now);
    } catch (const std::exception& e) {
        log_.error(std::string("offline sweep: database failure: ") + e.what());
        return report;
    }
    for (const std::int64_t zone_id : zones) {
        if (stopping()) break;
        const SweepReport zone = sweep_zone(zone_id, now);
        report.taken_offline += zone.taken_offline;
        report.failed += zone.failed;
    }
    if (report.taken_offline != 0 || report.failed != 0)
        log_.info("offline sweep: " + std::to_string(report.taken_offline) +
                  " host(s) taken offline, " + std::to_string(report.failed) +
                  " left for the next pass");
    return report;
}

SweepReport OfflineSweeper::sweep_zone(std::int64_t zone_id, auth::TimePoint now) {
    SweepReport report;
    // Hosts of this pass that were not taken offline: the next batch must not pick them again
    // (they stay due for the next pass).
    std::vector<std::int64_t> skip;
    while (!stopping()) {
        try {
            const auto batch = store_.lock_due_hosts(zone_id, now, options_.batch_size, skip);
            if (batch->hosts().empty()) break;
            const auto left = sweep_batch(*batch, now, report);
            skip.insert(skip.end(), left.begin(), left.end());
        } catch (const std::exception& e) {
            log_.error("offline sweep of zone id " + std::to_string(zone_id) +
                       ": database failure: " + e.what());
            break;
        }
    }
    return report;
}

std::vector<std::int64_t> OfflineSweeper::sweep_batch(auth::SweepBatch& batch, auth::TimePoint now,
                                                      SweepReport& report) {
    std::vector<std::int64_t> left;
    std::vector<std::pair<const auth::Host*, auth::OfflineReason>> due;
    std::vector<const auth::Host*> in_dns;  // due hosts that have addresses to remove
    for (const auth::SweepCandidate& c : batch.hosts()) {
        // Re-check under the lock: an update may have refreshed last_seen since the selection.
        const auto reason = auth::offline_due(c.host, c.account_expires_at, now);
        if (!reason) {
            left.push_back(c.host.id);
            continue;
        }
        due.emplace_back(&c.host, *reason);
        if (c.host.ipv4 || c.host.ipv6) in_dns.push_back(&c.host);
    }
    if (due.empty()) return left;
    const auth::Zone& zone = *due.front().first->zone;

    std::set<std::int64_t> failed;
    std::vector<const auth::Host*> applied;
    if (!in_dns.empty()) {
        const UpdateResult whole = send(zone, in_dns);
        if (whole.ok()) {
            applied = in_dns;
        } else if (in_dns.size() > 1 && retry_singly(whole.status)) {
            for (const auth::Host* h : in_dns) {
                const UpdateResult one = send(zone, {h});
                if (one.ok()) {
                    applied.push_back(h);
                    continue;
                }
                failed.insert(h->id);
                if (one.status == UpdateStatus::NxRrset)
                    log_.warning("offline sweep: BIND no longer holds the stored address(es) of " +
                                 h->name.str() + " (changed outside the gateway?); left as is");
                else
                    log_.warning("offline sweep: taking " + h->name.str() +
                                 " offline failed: " + describe(one));
            }
        } else {
            for (const auth::Host* h : in_dns) failed.insert(h->id);
            log_.warning("offline sweep: UPDATE of zone " + zone.name.str() + " via " +
                         zone.server.to_string() + " for " + std::to_string(in_dns.size()) +
                         " host(s) failed: " + describe(whole));
        }
    }

    try {
        for (const auto& [host, reason] : due) {
            if (failed.count(host->id) != 0) continue;
            const auto offline = offline_addresses(
                auth::StoredAddresses{host->id, host->ipv4, host->ipv6},
                auth::effective_offline_action(host->offline_action, zone.offline_action));
            batch.record_offline(host->id, offline.ipv4, offline.ipv6, reason, now);
        }
        batch.commit();
    } catch (const std::exception& e) {
        log_.error("offline sweep: recording failed after the DNS update: " +
                   std::string(e.what()) + "; putting the addresses back in DNS");
        if (!applied.empty()) {
            const UpdateResult undo = send_restore(zone, applied);
            if (!undo.ok())
                log_.error("offline sweep: restoring zone " + zone.name.str() +
                           " failed; DNS and database disagree for " +
                           std::to_string(applied.size()) + " host(s): " + describe(undo));
        }
        for (const auto& [host, reason] : due) left.push_back(host->id);
        report.failed += due.size();
        return left;
    }

    for (const auto& [host, reason] : due) {
        if (failed.count(host->id) != 0) {
            left.push_back(host->id);
            continue;
        }
        const auto action =
            auth::effective_offline_action(host->offline_action, zone.offline_action);
        log_.info("host " + host->name.str() + " taken offline (" +
                  std::string(auth::to_string(reason)) + ", " +
                  std::string(auth::to_string(action)) + ")");
    }
    report.taken_offline += due.size() - failed.size();
    report.failed += failed.size();
    return left;
}

UpdateResult OfflineSweeper::send(const auth::Zone& zone,
                                  const std::vector<const auth::Host*>& hosts) {
    return sender_.send(offline_update(zone, hosts), zone.key, zone.server);
}

UpdateResult OfflineSweeper::send_restore(const auth::Zone& zone,
                                          const std::vector<const auth::Host*>& hosts) {
    return sender_.send(restore_update(zone, hosts), zone.key, zone.server);
}

}  // namespace ddns::gateway
