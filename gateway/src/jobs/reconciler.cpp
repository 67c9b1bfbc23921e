#include "ddns/gateway/jobs/reconciler.hpp"

#include <algorithm>

namespace ddns::gateway {
namespace {

void add_address(ZoneWanted& wanted, const DnsName& owner, const auth::ReconcileHost& host,
                 const std::optional<IpAddress>& address) {
    if (address) wanted.records.push_back(ResourceRecord::address(owner, host.ttl, *address));
}

// What the database says BIND must hold for one host: its A (a round robin: the whole set) and
// AAAA RRsets, and the same at *.<name> while they are mirrored there.
ZoneWanted host_wanted(const DnsName& zone, const auth::ReconcileHost& host,
                       const std::optional<DnsName>& mirror) {
    ZoneWanted wanted{zone, {}, {}};
    std::vector<DnsName> owners{host.name};
    if (host.wildcard && mirror) owners.push_back(*mirror);
    for (const DnsName& owner : owners) {
        wanted.managed.insert({owner, RecordType::A});
        wanted.managed.insert({owner, RecordType::AAAA});
        add_address(wanted, owner, host, host.ipv4);
        if (host.ipv4)
            for (const IpAddress& a : host.extra_ipv4) add_address(wanted, owner, host, a);
        add_address(wanted, owner, host, host.ipv6);
    }
    return wanted;
}

void append_at(const std::map<DnsName, std::vector<ResourceRecord>>& snapshot, const DnsName& owner,
               std::vector<ResourceRecord>& out) {
    if (const auto it = snapshot.find(owner); it != snapshot.end())
        out.insert(out.end(), it->second.begin(), it->second.end());
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
    const auto mirror = host.name.prepend("*");
    ZoneWanted wanted = host_wanted(zone.name, host, mirror);
    // Without a mirror in the database, a copy of the host's addresses at *.<name> is one the
    // gateway left behind (design.md, "The wildcard mirror"): looked for in the transfer, and
    // read for a host in doubt (whose unknown UPDATE may have written one).
    const bool unmirrored = mirror && !host.wildcard;
    bool read_mirror = unmirrored && host.in_doubt_since;
    // A host in doubt is always read now: its unknown UPDATE may have landed after the transfer.
    if (snapshot && !host.in_doubt_since) {
        std::vector<ResourceRecord> seen;
        append_at(*snapshot, host.name, seen);
        if (mirror) append_at(*snapshot, *mirror, seen);
        read_mirror = unmirrored && is_mirror_copy(host.name, *mirror, wanted.records, seen);
        if (find_drift(wanted, seen).empty() && !read_mirror) {
            ++report.hosts_checked;
            return true;
        }
    }
    std::set<RRsetKey> keys = wanted.managed;
    if (read_mirror) {
        keys.insert({*mirror, RecordType::A});
        keys.insert({*mirror, RecordType::AAAA});
    }
    std::vector<ResourceRecord> observed;
    if (!read_rrsets(zone, keys, observed, report)) return false;
    ++report.hosts_checked;
    if (read_mirror && is_mirror_copy(host.name, *mirror, wanted.records, observed)) {
        wanted.managed.insert({*mirror, RecordType::A});  // wanted absent: deleted, guarded
        wanted.managed.insert({*mirror, RecordType::AAAA});
    }
    const bool settled = repair(zone, wanted, observed, report);
    if (settled && !options_.dry_run && host.in_doubt_since) {
        batch.clear_in_doubt(host.id);
        ++report.settled;
    }
    return true;
}

bool Reconciler::read_rrsets(const auth::Zone& zone, const std::set<RRsetKey>& keys,
                             std::vector<ResourceRecord>& observed, ReconcileReport& report) {
    for (const auto& [owner, type] : keys) {
        auto read = reader_.read(owner, type, zone.key, zone.server);
        if (!read.ok()) {
            ++report.failed;
            report.complete = false;
            log_.warning("reconcile: cannot read " + owner.fqdn() + " from " +
                         zone.server.to_string() + ": " + read.result.detail);
            return false;
        }
        observed.insert(observed.end(), read.records.begin(), read.records.end());
    }
    return true;
}

// A query for a name without records of its own is answered from a wildcard that covers it
// (RFC 4592: `*.zone`, or `*.<host>` above a name below a host), and in an unsigned zone the
// answer looks like a real RRset at that name. Repairing it would fail (its guard is NXRRSET) on
// every pass. So each RRset read that differs from the database is confirmed with one
// prerequisite-only UPDATE, "RRset exists" (RFC 2136 §2.4.1): BIND checks prerequisites against
// the records it holds at the name, never against a wildcard, and the message changes nothing
// (no operation, no grant needed). NXRRSET: synthesized (or gone meanwhile), taken as absent.
std::vector<ResourceRecord> Reconciler::without_synthesized(
    const auth::Zone& zone, const ZoneWanted& wanted, const std::vector<ResourceRecord>& observed) {
    std::set<RRsetKey> synthesized;
    for (const Drift& d : find_drift(wanted, observed)) {
        if (d.found.empty()) continue;
        const UpdateRequest probe{zone.name, {RRsetExists{d.rrset.first, d.rrset.second}}, {}};
        if (sender_.send(probe, zone.key, zone.server).status == UpdateStatus::NxRrset)
            synthesized.insert(d.rrset);
    }
    if (synthesized.empty()) return observed;
    std::vector<ResourceRecord> real;
    for (const ResourceRecord& rr : observed)
        if (!synthesized.contains({rr.owner(), rr.type()})) real.push_back(rr);
    return real;
}

bool Reconciler::repair(const auth::Zone& zone, const ZoneWanted& wanted,
                        const std::vector<ResourceRecord>& read, ReconcileReport& report) {
    const std::size_t budget =
        options_.max_repairs - std::min(options_.max_repairs, report.repaired + report.failed);
    const std::vector<ResourceRecord> observed = without_synthesized(zone, wanted, read);
    const RepairPlan plan = plan_repairs(wanted, observed, options_.dry_run ? 0 : budget);
    bool settled = plan.deferred == 0 || options_.dry_run;
    for (const auto& d : plan.drift) {
        ++report.drift_found;
        report.differences.push_back(zone.name.str() + ": " + d.describe());
        log_.warning("reconcile: " + std::string(options_.dry_run ? "differs" : "repairing") + " " +
                     d.describe());
    }
    for (std::size_t i = 0; i < plan.repairs.size(); ++i) {
        const UpdateResult result = sender_.send(plan.repairs[i], zone.key, zone.server);
        if (result.ok()) {
            ++report.repaired;
        } else {
            ++report.failed;
            settled = false;
            log_.warning("reconcile: repair of " + plan.drift[i].rrset.first.fqdn() +
                         " failed: " + std::string(to_string(result.status)) + " " + result.detail);
        }
    }
    if (plan.deferred != 0 && !options_.dry_run) report.complete = false;
    return settled;
}

bool Reconciler::settle_marked_records(const auth::Zone& zone, auth::ReconcileRecords& locked,
                                       ReconcileReport& report) {
    for (const auto& mark : locked.in_doubt()) {
        if (stopping() || report.repaired + report.failed >= options_.max_repairs) {
            report.complete = false;
            return true;
        }
        // Read now, never from a transfer: the unknown UPDATE may have landed after it. No rows
        // means BIND should hold nothing there.
        ZoneWanted wanted{zone.name, {{mark.name, mark.type}}, {}};
        for (const auto& rr : locked.records())
            if (rr.owner() == mark.name && rr.type() == mark.type) wanted.records.push_back(rr);
        ++report.record_sets_checked;
        std::vector<ResourceRecord> observed;
        if (!read_rrsets(zone, wanted.managed, observed, report)) return false;
        if (repair(zone, wanted, observed, report) && !options_.dry_run) {
            locked.clear_in_doubt(mark.name, mark.type);
            ++report.settled;
        }
    }
    return true;
}

void Reconciler::reconcile_records(std::int64_t zone_id, const std::optional<DnsName>& only,
                                   std::optional<ZoneSnapshot>& snapshot, bool& transfer_tried,
                                   ReconcileReport& report, bool marked_only) {
    if (stopping() || report.repaired + report.failed >= options_.max_repairs) return;
    auto locked = store_.lock_zone_records(zone_id);
    if (!locked) return;  // nothing to compare, or a record change holds the zone: next pass
    auto zone = locked->zone();
    if (!zone || (only && zone->name != *only)) return;
    if (!transfer_tried) {
        // A zone without hosts: transferred here, without holding the zone's lock meanwhile.
        transfer_tried = true;
        locked.reset();
        snapshot = transfer_zone(*zone, report);
        locked = store_.lock_zone_records(zone_id);
        if (!locked || !locked->zone()) return;
        zone = locked->zone();
    }
    // RRsets in doubt first; their marks go in the same transaction, at commit.
    const bool readable = settle_marked_records(*zone, *locked, report);
    if (!readable || marked_only) {
        locked->commit();
        return;
    }
    std::set<RRsetKey> marked;
    for (const auto& mark : locked->in_doubt()) marked.insert({mark.name, mark.type});
    ZoneWanted all{zone->name, {}, {}};
    for (const auto& rr : locked->records()) {
        if (marked.contains({rr.owner(), rr.type()})) continue;  // compared above
        all.records.push_back(rr);
        all.managed.insert({rr.owner(), rr.type()});
    }
    report.record_sets_checked += all.managed.size();
    // With a transfer, only the RRsets it shows as different are read again (it predates the
    // lock); without one, every managed RRset is read.
    std::set<RRsetKey> suspect = all.managed;
    if (snapshot) {
        std::vector<ResourceRecord> seen;
        for (const auto& [owner, type] : all.managed) {
            const auto it = snapshot->find(owner);
            if (it == snapshot->end()) continue;
            for (const auto& rr : it->second)
                if (rr.type() == type) seen.push_back(rr);
        }
        suspect.clear();
        for (const auto& d : find_drift(all, seen)) suspect.insert(d.rrset);
    }
    if (!suspect.empty()) {
        ZoneWanted wanted{zone->name, suspect, {}};
        for (const auto& rr : all.records)
            if (suspect.contains({rr.owner(), rr.type()})) wanted.records.push_back(rr);
        std::vector<ResourceRecord> observed;
        if (read_rrsets(*zone, suspect, observed, report)) repair(*zone, wanted, observed, report);
    }
    locked->commit();
}

void Reconciler::settle_zone_in_doubt(std::int64_t zone_id, ReconcileReport& report) {
    std::int64_t cursor = 0;
    while (!stopping() && !budget_spent(report)) {
        auto batch =
            store_.lock_hosts(zone_id, auth::HostSelection::InDoubt, cursor, options_.batch_size);
        if (!batch->zone() || batch->hosts().empty()) return;
        cursor = batch->hosts().back().id;
        const bool full = batch->hosts().size() == options_.batch_size;
        // Few hosts: each is read from BIND, never from a transfer.
        if (!reconcile_batch(*batch, report, nullptr) || !full) return;
    }
    report.complete = false;
}

bool Reconciler::reconcile_batch(auth::ReconcileBatch& batch, ReconcileReport& report,
                                 const ZoneSnapshot* snapshot) {
    const auto zone = batch.zone();
    bool readable = true;
    for (const auto& host : batch.hosts()) {
        if (!zone) break;
        if (budget_spent(report)) {
            report.complete = false;  // hosts left for the next pass
            break;
        }
        readable = reconcile_host(*zone, host, batch, report, snapshot);
        if (!readable) break;
    }
    batch.commit();
    return readable;  // false: BIND unreachable, do not hold rows waiting on timeouts
}

bool Reconciler::agrees_with_transfer(const DnsName& zone, const auth::ReconcileHost& host,
                                      const ZoneSnapshot& snapshot) {
    if (host.in_doubt_since) return false;  // its unknown UPDATE may postdate the transfer
    const auto mirror = host.name.prepend("*");
    const ZoneWanted wanted = host_wanted(zone, host, mirror);
    std::vector<ResourceRecord> seen;
    append_at(snapshot, host.name, seen);
    if (mirror) append_at(snapshot, *mirror, seen);
    const bool stray_mirror =
        mirror && !host.wildcard && is_mirror_copy(host.name, *mirror, wanted.records, seen);
    return !stray_mirror && find_drift(wanted, seen).empty();
}

void Reconciler::compare_zone_hosts(std::int64_t zone_id, const std::optional<DnsName>& only,
                                    ReconcileReport& report, std::optional<ZoneSnapshot>& snapshot,
                                    bool& transfer_tried) {
    std::int64_t cursor = 0;
    while (!stopping() && !budget_spent(report)) {
        // Read without locks: most hosts agree with the transfer, and comparing them needs no
        // lock (a change committed since is the next pass's business, as it was when the transfer
        // predated the lock). Only hosts that differ or are in doubt are locked and compared
        // again under the lock, in id order, skipping rows a change holds.
        const auth::HostPage page = store_.read_hosts(zone_id, cursor, kReadPage);
        if (!page.zone || page.hosts.empty()) return;
        if (only && page.zone->name != *only) return;
        if (!transfer_tried) {
            transfer_tried = true;
            snapshot = transfer_zone(*page.zone, report);
        }
        std::vector<std::int64_t> suspects;
        for (const auto& host : page.hosts) {
            if (snapshot && agrees_with_transfer(page.zone->name, host, *snapshot))
                ++report.hosts_checked;
            else
                suspects.push_back(host.id);
        }
        cursor = page.hosts.back().id;
        for (std::size_t from = 0; from < suspects.size(); from += options_.batch_size) {
            if (budget_spent(report) || stopping()) {
                report.complete = false;
                return;
            }
            const auto to = std::min(suspects.size(), from + options_.batch_size);
            auto batch = store_.lock_host_ids(
                zone_id, std::vector<std::int64_t>(suspects.begin() + static_cast<long>(from),
                                                   suspects.begin() + static_cast<long>(to)));
            if (!reconcile_batch(*batch, report, snapshot ? &*snapshot : nullptr)) return;
        }
        if (page.hosts.size() < kReadPage) return;
    }
    report.complete = false;
}

bool Reconciler::budget_spent(const ReconcileReport& report) const {
    return report.repaired + report.failed >= options_.max_repairs;
}

void Reconciler::account(const ReconcileReport& report) {
    counters_.passes += 1;
    counters_.hosts_checked += report.hosts_checked;
    counters_.record_sets_checked += report.record_sets_checked;
    counters_.drift_found += report.drift_found;
    counters_.repaired += report.repaired;
    counters_.failed += report.failed;
    counters_.settled += report.settled;
    counters_.transfers += report.transfers;
}

ReconcileReport Reconciler::settle_in_doubt() {
    ReconcileReport report;
    try {
        for (const auto zone_id : store_.zones_in_doubt()) settle_zone_in_doubt(zone_id, report);
        for (const auto zone_id : store_.zones_with_records_in_doubt()) {
            std::optional<ZoneSnapshot> none;
            bool tried = true;
            reconcile_records(zone_id, std::nullopt, none, tried, report, true);
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
            std::optional<ZoneSnapshot> snapshot;
            bool tried = false;
            compare_zone_hosts(zone_id, zone, report, snapshot, tried);
            reconcile_records(zone_id, zone, snapshot, tried, report, false);
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
            const auto now = Clock::now();
            const bool deferred = defer_ && now < next_full + options_.interval && defer_();
            if (now >= next_full && !deferred) {
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
