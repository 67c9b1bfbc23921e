#include "ddns/gateway/jobs/offline_sweeper.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/core/zone_batch.hpp"

namespace ddns::gateway {
namespace {

// Puts the hosts' stored addresses back (when recording their offline state failed after BIND
// had already applied it), on the prerequisite that BIND still holds what the sweep wrote, so
// that a newer change another instance made meanwhile is never overwritten.
UpdateRequest restore_update(const auth::Zone& zone, const std::vector<const auth::Host*>& hosts) {
    UpdateRequest request{zone.name, {}, {}};
    for (const auth::Host* h : hosts) {
        const auto written = offline_addresses(
            auth::StoredAddresses{h->id, h->ipv4, h->ipv6},
            auth::effective_offline_action(h->offline_action, zone.offline_action));
        const std::pair<std::optional<IpAddress>, std::optional<IpAddress>> families[] = {
            {h->ipv4, written.ipv4}, {h->ipv6, written.ipv6}};
        for (const auto& [address, offline] : families) {
            if (!address) continue;
            const RecordType type = address_record_type(address->family());
            if (offline)
                request.prerequisites.emplace_back(
                    RRsetExistsValue{ResourceRecord::address(h->name, h->ttl, *offline)});
            else
                request.prerequisites.emplace_back(RRsetAbsent{h->name, type});
            request.operations.emplace_back(DeleteRRset{h->name, type});
            request.operations.emplace_back(
                AddRecord{ResourceRecord::address(h->name, h->ttl, *address)});
        }
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
    if (thread_.joinable()) return;
    stop_.reset();
    thread_ = std::thread([this] {
        while (!stop_.raised()) {
            sweep_once();
            // Real time between passes; what is due is decided by clock_.
            stop_.wait_for(options_.interval);
        }
    });
}

void OfflineSweeper::stop() {
    stop_.raise();
    if (thread_.joinable()) thread_.join();
}

bool OfflineSweeper::stopping() {
    return stop_.raised();
}

SweepReport OfflineSweeper::sweep_once() {
    SweepReport report;
    counters_.passes.fetch_add(1, std::memory_order_relaxed);
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
    counters_.taken_offline.fetch_add(report.taken_offline, std::memory_order_relaxed);
    counters_.failed.fetch_add(report.failed, std::memory_order_relaxed);
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
            std::vector<std::int64_t> in_doubt;
            auto batch = store_.lock_due_hosts(zone_id, now, options_.batch_size, skip);
            if (batch->hosts().empty()) break;
            const auto left = sweep_batch(*batch, now, report, in_doubt);
            skip.insert(skip.end(), left.begin(), left.end());
            batch.reset();  // its connection goes back before marking needs one
            if (!in_doubt.empty()) store_.mark_in_doubt(in_doubt, now);
        } catch (const std::exception& e) {
            log_.error("offline sweep of zone id " + std::to_string(zone_id) +
                       ": database failure: " + e.what());
            break;
        }
    }
    return report;
}

std::vector<std::int64_t> OfflineSweeper::sweep_batch(auth::SweepBatch& batch, auth::TimePoint now,
                                                      SweepReport& report,
                                                      std::vector<std::int64_t>& in_doubt) {
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

    const BatchSendResult sent = send_split(
        in_dns, [&](const std::vector<const auth::Host*>& hs) { return send(zone, hs); });
    const std::vector<const auth::Host*>& applied = sent.applied;
    std::set<std::int64_t> failed;
    for (const auto& [id, why] : sent.failed) {
        failed.insert(id);
        const auth::Host* h = *std::find_if(in_dns.begin(), in_dns.end(),
                                            [id = id](const auth::Host* x) { return x->id == id; });
        if (why.status == UpdateStatus::NxRrset)
            log_.warning("offline sweep: BIND no longer holds the stored address(es) of " +
                         h->name.str() + " (changed outside the gateway?); left as is");
        else
            log_.warning("offline sweep: taking " + h->name.str() + " offline via " +
                         zone.server.to_string() + " failed: " + describe(why));
    }

    std::string what;
    const CommitOutcome outcome = record_batch(
        [&] {
            for (const auto& [host, reason] : due) {
                if (failed.count(host->id) != 0) continue;
                const auto offline = offline_addresses(
                    auth::StoredAddresses{host->id, host->ipv4, host->ipv6},
                    auth::effective_offline_action(host->offline_action, zone.offline_action));
                batch.record_offline(host->id, offline.ipv4, offline.ipv6, reason, now);
            }
            batch.commit();
        },
        what);
    if (outcome == CommitOutcome::Unknown) {
        // The database may hold the hosts offline: DNS stays as it is, and the caller marks
        // them in doubt once the batch's connection is released.
        log_.error("offline sweep: recording after the DNS update has an unknown outcome: " + what +
                   "; DNS kept, host(s) marked in doubt");
        for (const auth::Host* h : applied) in_doubt.push_back(h->id);
        for (const auto& [host, reason] : due) left.push_back(host->id);
        report.failed += due.size();
        return left;
    }
    if (outcome == CommitOutcome::Failed) {
        log_.error("offline sweep: recording failed after the DNS update: " + what +
                   "; putting the addresses back in DNS");
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
