#include "ddns/gateway/jobs/offline_sweeper.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/core/zone_batch.hpp"

namespace ddns::gateway {
namespace {

constexpr std::chrono::seconds kAgainSoon{1};  // after a pass that took hosts offline

// Puts the hosts' stored addresses back (when recording their offline state failed after BIND
// had already applied it), at every name the sweep wrote (the host's name and its wildcard
// mirror, as offline_update), on the prerequisite that BIND still holds what the sweep wrote
// there, so that a newer change another instance made meanwhile is never overwritten.
UpdateRequest restore_update(const auth::Zone& zone, const std::vector<const auth::Host*>& hosts) {
    UpdateRequest request{zone.name, {}, {}};
    for (const auth::Host* h : hosts) {
        const auto written = offline_addresses(
            auth::StoredAddresses{h->id, h->ipv4, h->ipv6},
            auth::effective_offline_action(h->offline_action, zone.offline_action));
        const std::pair<std::vector<IpAddress>, std::optional<IpAddress>> families[] = {
            {a_set(*h), written.ipv4},
            {h->ipv6 ? std::vector{*h->ipv6} : std::vector<IpAddress>{}, written.ipv6}};
        for (const DnsName& owner : address_owners(*h))
            for (const auto& [held, offline] : families) {
                if (held.empty()) continue;
                const RecordType type = address_record_type(held.front().family());
                if (offline)
                    request.prerequisites.emplace_back(
                        RRsetExistsValue{ResourceRecord::address(owner, h->ttl, *offline)});
                else
                    request.prerequisites.emplace_back(RRsetAbsent{owner, type});
                request.operations.emplace_back(DeleteRRset{owner, type});
                for (const IpAddress& a : held)
                    request.operations.emplace_back(
                        AddRecord{ResourceRecord::address(owner, h->ttl, a)});
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
    busy_.store(true, std::memory_order_relaxed);  // until the first pass ended
    thread_ = std::thread([this] {
        while (!stop_.raised()) {
            const SweepReport report = sweep_once();
            busy_.store(report.taken_offline > 0, std::memory_order_relaxed);
            // Real time between passes; what is due is decided by clock_. A pass that took hosts
            // offline may have passed over due hosts others held (SKIP LOCKED: an update, the
            // reconciler's pass, another instance), so the next one follows soon; a pass that
            // took nothing offline waits the interval, so a host that keeps failing costs at
            // most one extra pass.
            stop_.wait_for(report.taken_offline > 0 ? std::min(options_.interval, kAgainSoon)
                                                    : options_.interval);
        }
    });
}

void OfflineSweeper::stop() {
    stop_.raise();
    if (thread_.joinable()) thread_.join();
    busy_.store(false, std::memory_order_relaxed);
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
    if (!zones.empty()) busy_.store(true, std::memory_order_relaxed);
    for (const std::int64_t zone_id : zones) {
        if (stopping()) break;
        const SweepReport zone = sweep_zone(zone_id, now);
        report.taken_offline += zone.taken_offline;
        report.failed += zone.failed;
    }
    counters_.taken_offline.fetch_add(report.taken_offline, std::memory_order_relaxed);
    counters_.failed.fetch_add(report.failed, std::memory_order_relaxed);
    return report;
}

SweepReport OfflineSweeper::sweep_zone(std::int64_t zone_id, auth::TimePoint now) {
    SweepReport report;
    // Each batch starts after the previous one's last host: hosts of this pass that were not
    // taken offline are not picked again (they stay due for the next pass), and no batch reads
    // the hosts swept before it.
    std::int64_t cursor = 0;
    std::string zone_name = "id " + std::to_string(zone_id);
    int batches = 0;
    const auto started = std::chrono::steady_clock::now();
    while (!stopping()) {
        try {
            auto batch = store_.lock_due_hosts(zone_id, now, options_.batch_size, cursor);
            if (batch->hosts().empty()) break;
            zone_name = batch->hosts().front().host.zone->name.str();
            cursor = batch->hosts().back().host.id;  // in id order
            ++batches;
            sweep_batch(std::move(batch), now, report);
        } catch (const std::exception& e) {
            log_.error("offline sweep of zone id " + std::to_string(zone_id) +
                       ": database failure: " + e.what());
            break;
        }
    }
    // One line per zone and pass, however many hosts (a big sweep takes 100,000 offline); the
    // hosts' own lines are debug.
    if (report.taken_offline != 0 || report.failed != 0) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        log_.info("offline sweep of zone " + zone_name + ": " +
                  std::to_string(report.taken_offline) + " host(s) taken offline, " +
                  std::to_string(report.failed) + " left for the next pass, " +
                  std::to_string(batches) + " batch(es) in " + std::to_string(ms.count()) + " ms");
    }
    return report;
}

void OfflineSweeper::sweep_batch(std::unique_ptr<auth::SweepBatch> batch, auth::TimePoint now,
                                 SweepReport& report) {
    // A copy: the batch (and its rows) is released before compensating or marking.
    const std::vector<auth::SweepCandidate> candidates = batch->hosts();
    std::vector<std::pair<const auth::Host*, auth::OfflineReason>> due;
    std::map<std::int64_t, const auth::Host*> in_dns;  // due hosts that have addresses to remove
    std::vector<std::int64_t> in_dns_ids;
    for (const auth::SweepCandidate& c : candidates) {
        // Re-check under the lock: an update may have refreshed last_seen since the selection.
        const auto reason = auth::offline_due(c.host, c.account_expires_at, now);
        if (!reason) continue;
        due.emplace_back(&c.host, *reason);
        if (c.host.ipv4 || c.host.ipv6) {
            in_dns.emplace(c.host.id, &c.host);
            in_dns_ids.push_back(c.host.id);
        }
    }
    if (due.empty()) return;
    const auth::Zone& zone = *due.front().first->zone;
    auto hosts_of = [&](const std::vector<std::int64_t>& ids) {
        std::vector<const auth::Host*> hosts;
        for (const std::int64_t id : ids) hosts.push_back(in_dns.at(id));
        return hosts;
    };

    const ZoneBatchSteps steps{
        [&](const std::vector<std::int64_t>& ids) { return send(zone, hosts_of(ids)); },
        [&](const BatchSendResult& sent) {
            for (const auto& [host, reason] : due) {
                if (sent.failed.count(host->id) != 0) continue;
                const auto offline = offline_addresses(
                    auth::StoredAddresses{host->id, host->ipv4, host->ipv6},
                    auth::effective_offline_action(host->offline_action, zone.offline_action));
                batch->record_offline(host->id, offline.ipv4, offline.ipv6, reason, now);
            }
            batch->commit();
        },
        [&] { batch.reset(); },
        [&](const std::vector<std::int64_t>& ids) { return send_restore(zone, hosts_of(ids)); },
        [&](const std::vector<std::int64_t>& ids) { store_.mark_in_doubt(ids, now); },
    };
    const ZoneBatchResult r =
        run_zone_batch(in_dns_ids, steps, log_, "offline sweep of zone " + zone.name.str());
    for (const auto& [id, why] : r.sent.failed) {
        const auth::Host& h = *in_dns.at(id);
        if (why.status == UpdateStatus::NxRrset)
            log_.warning("offline sweep: BIND no longer holds the stored address(es) of " +
                         h.name.str() + " (changed outside the gateway?); left as is");
        else
            log_.warning("offline sweep: taking " + h.name.str() + " offline via " +
                         zone.server.to_string() + " failed: " + describe(why));
    }
    if (r.outcome != CommitOutcome::Committed) {
        // Nothing recorded: every due host stays due (the unknown ones are also in doubt).
        report.failed += due.size();
        return;
    }
    for (const auto& [host, reason] : due) {
        if (r.sent.failed.count(host->id) != 0 || !log_.enabled(LogLevel::Debug)) continue;
        const auto action =
            auth::effective_offline_action(host->offline_action, zone.offline_action);
        log_.debug("host " + host->name.str() + " taken offline (" +
                   std::string(auth::to_string(reason)) + ", " +
                   std::string(auth::to_string(action)) + ")");
    }
    report.taken_offline += due.size() - r.sent.failed.size();
    report.failed += r.sent.failed.size();
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
