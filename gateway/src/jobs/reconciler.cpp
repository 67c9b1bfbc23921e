#include "ddns/gateway/jobs/reconciler.hpp"

#include <algorithm>

#include "ddns/gateway/jobs/reconcile_plan.hpp"

namespace ddns::gateway {
namespace {

void add_address(ZoneWanted& wanted, const auth::ReconcileHost& host,
                 const std::optional<IpAddress>& address) {
    if (address) wanted.records.push_back(ResourceRecord::address(host.name, host.ttl, *address));
}

}  // namespace

Reconciler::Reconciler(RRsetReader& reader, UpdateSender& sender, auth::ReconcileStore& store,
                       const Logger& log, ReconcileOptions options)
    : reader_(reader), sender_(sender), store_(store), log_(log), options_(options) {
    if (options_.batch_size == 0) options_.batch_size = 1;
}

Reconciler::~Reconciler() {
    stop();
}

std::optional<Reconciler::ZoneSnapshot> Reconciler::transfer_zone(const auth::Zone& zone,
                                                                  ReconcileReport& report) {
    auto read = reader_.transfer(zone.name, zone.key, zone.server);
    if (!read.ok()) {
        if (read.result.status != UpdateStatus::NotImp) {
            ++counters_.transfer_failures;
            log_.warning("reconcile: zone transfer failed, reading host by host: " +
                         std::string(to_string(read.result.status)) + " " + read.result.detail);
        }
        return std::nullopt;
    }
    ++report.transfers;
    ZoneSnapshot snapshot;
    for (auto& rr : read.records) snapshot[rr.owner()].push_back(std::move(rr));
    return snapshot;
}

bool Reconciler::reconcile_host(const auth::Zone& zone, const auth::ReconcileHost& host,
                                auth::ReconcileBatch& batch, ReconcileReport& report,
                                const ZoneSnapshot* snapshot) {
    ZoneWanted wanted{zone.name, {{host.name, RecordType::A}, {host.name, RecordType::AAAA}}, {}};
    add_address(wanted, host, host.ipv4);
    add_address(wanted, host, host.ipv6);
    // A host in doubt is always read now: its unknown UPDATE may have landed after the transfer.
    if (snapshot && !host.in_doubt_since) {
        const auto it = snapshot->find(host.name);
        const std::vector<ResourceRecord> seen =
            it == snapshot->end() ? std::vector<ResourceRecord>{} : it->second;
        if (find_drift(wanted, seen).empty()) {
            ++report.hosts_checked;
            return true;
        }
    }
    std::vector<ResourceRecord> observed;
    for (const RecordType type : {RecordType::A, RecordType::AAAA}) {
        auto read = reader_.read(host.name, type, zone.key, zone.server);
        if (!read.ok()) {
            ++report.failed;
            report.complete = false;
            log_.warning("reconcile: cannot read " + host.name.fqdn() + " from " +
                         zone.server.to_string() + ": " + read.result.detail);
            return false;
        }
        observed.insert(observed.end(), read.records.begin(), read.records.end());
    }
    ++report.hosts_checked;
    const std::size_t budget =
        options_.max_repairs - std::min(options_.max_repairs, report.repaired + report.failed);
    const RepairPlan plan = plan_repairs(wanted, observed, options_.dry_run ? 0 : budget);
    bool settled = plan.deferred == 0 || options_.dry_run;
    for (const auto& d : plan.drift) {
        ++report.drift_found;
        report.differences.push_back(zone.name.str() + ": " + d.describe());
        log_.warning("reconcile: " + std::string(options_.dry_run ? "differs" : "repairing") + " " +
                     d.describe());
    }
    for (const auto& request : plan.repairs) {
        const UpdateResult result = sender_.send(request, zone.key, zone.server);
        if (result.ok()) {
            ++report.repaired;
        } else {
            ++report.failed;
            settled = false;
            log_.warning("reconcile: repair of " + host.name.fqdn() +
                         " failed: " + std::string(to_string(result.status)) + " " + result.detail);
        }
    }
    if (plan.deferred != 0 && !options_.dry_run) report.complete = false;
    if (settled && !options_.dry_run && host.in_doubt_since) {
        batch.clear_in_doubt(host.id);
        ++report.settled;
    }
    return true;
}

void Reconciler::pass_over_zone(std::int64_t zone_id, auth::HostSelection which,
                                const std::optional<DnsName>& only, ReconcileReport& report) {
    std::int64_t cursor = 0;
    std::optional<ZoneSnapshot> snapshot;
    bool transfer_tried = which == auth::HostSelection::InDoubt;  // few hosts: queries
    while (!stopping() && report.repaired + report.failed < options_.max_repairs) {
        auto batch = store_.lock_hosts(zone_id, which, cursor, options_.batch_size);
        const auto zone = batch->zone();
        if (!zone || batch->hosts().empty()) return;
        if (only && zone->name != *only) return;
        if (!transfer_tried) {
            // The zone's settings come with its first batch; no rows are held during the
            // transfer (the batch is rolled back and locked again).
            transfer_tried = true;
            batch.reset();
            snapshot = transfer_zone(*zone, report);
            continue;
        }
        bool readable = true;
        for (const auto& host : batch->hosts()) {
            cursor = host.id;
            if (report.repaired + report.failed >= options_.max_repairs) break;
            readable = reconcile_host(*zone, host, *batch, report, snapshot ? &*snapshot : nullptr);
            if (!readable) break;
        }
        batch->commit();
        if (!readable) return;  // BIND unreachable: do not hold rows waiting on timeouts
        if (batch->hosts().size() < options_.batch_size) return;
    }
    report.complete = false;
}

void Reconciler::account(const ReconcileReport& report) {
    counters_.passes += 1;
    counters_.hosts_checked += report.hosts_checked;
    counters_.drift_found += report.drift_found;
    counters_.repaired += report.repaired;
    counters_.failed += report.failed;
    counters_.settled += report.settled;
    counters_.transfers += report.transfers;
}

ReconcileReport Reconciler::settle_in_doubt() {
    ReconcileReport report;
    try {
        for (const auto zone_id : store_.zones_in_doubt()) {
            pass_over_zone(zone_id, auth::HostSelection::InDoubt, std::nullopt, report);
        }
    } catch (const std::exception& e) {
        report.complete = false;
        log_.error(std::string("reconcile: database failure: ") + e.what());
    }
    account(report);
    return report;
}

ReconcileReport Reconciler::full_pass(const std::optional<DnsName>& zone) {
    ReconcileReport report;
    try {
        for (const auto zone_id : store_.zone_ids()) {
            pass_over_zone(zone_id, auth::HostSelection::All, zone, report);
        }
    } catch (const std::exception& e) {
        report.complete = false;
        log_.error(std::string("reconcile: database failure: ") + e.what());
    }
    if (report.drift_found != 0 || !report.complete) {
        log_.info("reconcile: pass checked " + std::to_string(report.hosts_checked) + " hosts (" +
                  std::to_string(report.transfers) + " zone(s) by transfer), " +
                  std::to_string(report.drift_found) + " differed, " +
                  std::to_string(report.repaired) + " repaired, " + std::to_string(report.failed) +
                  " failed" + (report.complete ? "" : ", more left for the next pass"));
    }
    account(report);
    return report;
}

void Reconciler::start() {
    if (thread_.joinable()) return;
    stop_.reset();
    thread_ = std::thread([this] {
        using Clock = std::chrono::steady_clock;
        auto next_full = Clock::now();
        while (!stop_.raised()) {
            if (Clock::now() >= next_full) {
                full_pass();
                next_full = Clock::now() + options_.interval;
            } else {
                settle_in_doubt();
            }
            stop_.wait_for(std::max(options_.in_doubt_poll, std::chrono::seconds(1)));
        }
    });
}

void Reconciler::stop() {
    stop_.raise();
    if (thread_.joinable()) thread_.join();
}

bool Reconciler::stopping() {
    return stop_.raised();
}

}  // namespace ddns::gateway
