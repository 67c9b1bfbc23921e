// The reconciler: a background thread of `serve` (and the engine of `admin reconcile`) that makes
// BIND hold what the database says for every host. Every `in_doubt_poll` it settles the hosts
// whose last UPDATE had an unknown outcome; on start and every `interval` it compares every host
// of every zone. A full pass reads each zone once with a signed AXFR, reads its hosts without
// locks and compares them with it; only the hosts the transfer shows as different and the hosts
// in doubt are locked (SKIP LOCKED: instances split the work, a host being updated waits for the
// next pass) and queried (again under the lock, since the transfer may predate a change committed
// since); without a transfer (refused, not configured) every host is locked and queried. A full
// pass also compares the records domain accounts manage (A, AAAA, CNAME, MX, NS, TXT of the records
// table), with the zone's row locked as record changes lock it; the RRsets of domain records marked
// in doubt (record_rrsets_in_doubt) are read and settled first, in every in-doubt pass too, and
// their marks deleted in the same transaction. Each difference is repaired with an UPDATE guarded
// by what was read (reconcile_plan.hpp): the database wins for the A/AAAA of its hosts (and of
// their wildcard mirrors, *.<host>; a mirror the database does not want is deleted only when it is
// a copy of the host's addresses, reconcile_plan.hpp), and nothing else in the zone is touched. The
// repairs of one pass are bounded by `max_repairs`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ddns/auth/reconcile_store.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/jobs/reconcile_plan.hpp"
#include "ddns/gateway/jobs/stop_signal.hpp"
#include "ddns/nsupdate/rrset_reader.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::gateway {

struct ReconcileOptions {
    std::chrono::seconds interval{300};     // reconcile.interval: between full passes
    std::chrono::seconds in_doubt_poll{5};  // reconcile.in_doubt_poll: between in-doubt passes
    std::size_t max_repairs = 1000;         // reconcile.max_repairs: UPDATEs per pass
    std::size_t batch_size = 100;           // hosts locked at once
    bool dry_run = false;                   // report differences, repair and settle nothing
};

// Totals since start, readable from other threads (for metrics).
struct ReconcileCounters {
    std::atomic<std::uint64_t> passes{0};
    std::atomic<std::uint64_t> hosts_checked{0};
    std::atomic<std::uint64_t> record_sets_checked{0};  // domain records' RRsets
    std::atomic<std::uint64_t> drift_found{0};          // RRsets that differed
    std::atomic<std::uint64_t> repaired{0};             // repairs BIND acknowledged
    std::atomic<std::uint64_t> failed{0};               // failed repairs and unreadable hosts
    std::atomic<std::uint64_t> settled{0};              // in-doubt marks cleared
    std::atomic<std::uint64_t> transfers{0};            // zone transfers read
    std::atomic<std::uint64_t> transfer_failures{0};    // refused or failed: hosts were queried
};

struct ReconcileReport {
    std::size_t hosts_checked = 0;
    std::size_t record_sets_checked = 0;
    std::size_t drift_found = 0;
    std::size_t repaired = 0;
    std::size_t failed = 0;
    std::size_t settled = 0;
    std::size_t transfers = 0;             // zones read by AXFR
    bool complete = true;                  // false: budget spent or BIND unreadable; more to do
    std::vector<std::string> differences;  // one line per differing RRset, "zone: ..."
};

class Reconciler {
public:
    Reconciler(RRsetReader& reader, UpdateSender& sender, auth::ReconcileStore& store,
               const Logger& log, ReconcileOptions options);
    ~Reconciler();  // stop()
    Reconciler(const Reconciler&) = delete;
    Reconciler& operator=(const Reconciler&) = delete;

    // Hosts marked in doubt, in every zone. Never throws (database failures are logged).
    ReconcileReport settle_in_doubt();
    // Every host of every zone, or of `zone` only. Never throws.
    ReconcileReport full_pass(const std::optional<DnsName>& zone = std::nullopt);

    // While `busy` says true (the offline sweeper taking hosts offline), a full pass that is due
    // waits, at most one `interval`; in-doubt passes go on. A sweep changes the hosts it takes
    // offline after the pass's zone transfer, so the pass would find them different and lock and
    // query each of them beside the sweep (which passes over the rows it holds). Before start().
    void defer_full_pass_while(std::function<bool()> busy) { defer_ = std::move(busy); }
    // A full pass now (or once the sweeper is no longer busy), then in-doubt passes every
    // `in_doubt_poll` and full passes every `interval`, on a background thread until stop().
    void start();
    // Idempotent; a stopped reconciler also ends synchronous passes early.
    void stop();

    const ReconcileCounters& counters() const noexcept { return counters_; }

private:
    // A zone transfer's records by owner.
    using ZoneSnapshot = std::map<DnsName, std::vector<ResourceRecord>>;

    // Hosts read (without locks) per step of a full pass's comparison with the transfer.
    static constexpr std::size_t kReadPage = 1000;
    // The hosts in doubt of one zone, locked batch by batch and read from BIND.
    void settle_zone_in_doubt(std::int64_t zone_id, ReconcileReport& report);
    // Every host of one zone: read without locks and compared with the zone's transfer (made
    // here with the first page); the hosts that differ or are in doubt, and every host without a
    // transfer, are locked and compared again.
    void compare_zone_hosts(std::int64_t zone_id, const std::optional<DnsName>& only,
                            ReconcileReport& report, std::optional<ZoneSnapshot>& snapshot,
                            bool& transfer_tried);
    // Each host of the locked batch, then commit. False: BIND could not be read.
    bool reconcile_batch(auth::ReconcileBatch& batch, ReconcileReport& report,
                         const ZoneSnapshot* snapshot);
    // The transfer shows exactly what the database wants for the host (not in doubt).
    static bool agrees_with_transfer(const DnsName& zone, const auth::ReconcileHost& host,
                                     const ZoneSnapshot& snapshot);
    bool budget_spent(const ReconcileReport& report) const;
    // The zone's domain records, after its hosts, with the hosts' transfer if one was tried:
    // the RRsets in doubt first, then (unless `marked_only`) every other managed RRset.
    void reconcile_records(std::int64_t zone_id, const std::optional<DnsName>& only,
                           std::optional<ZoneSnapshot>& snapshot, bool& transfer_tried,
                           ReconcileReport& report, bool marked_only);
    // Reads each RRset in doubt now, repairs it to the locked rows and clears its mark when
    // settled. False: BIND could not be read (the zone's pass ends).
    bool settle_marked_records(const auth::Zone& zone, auth::ReconcileRecords& locked,
                               ReconcileReport& report);
    // Reads the RRsets `keys` now. False: BIND could not be read (counted and logged).
    bool read_rrsets(const auth::Zone& zone, const std::set<RRsetKey>& keys,
                     std::vector<ResourceRecord>& observed, ReconcileReport& report);
    // Logs and repairs the differences between `wanted` and `observed` within the pass's budget.
    // True when nothing is left different (every repair acknowledged, none deferred).
    // `observed` (read by query) without the RRsets BIND synthesized from a wildcard.
    std::vector<ResourceRecord> without_synthesized(const auth::Zone& zone,
                                                    const ZoneWanted& wanted,
                                                    const std::vector<ResourceRecord>& observed);
    bool repair(const auth::Zone& zone, const ZoneWanted& wanted,
                const std::vector<ResourceRecord>& observed, ReconcileReport& report);
    std::optional<ZoneSnapshot> transfer_zone(const auth::Zone& zone, ReconcileReport& report);
    // One host, its row locked. False: BIND could not be read (stop this zone's pass).
    bool reconcile_host(const auth::Zone& zone, const auth::ReconcileHost& host,
                        auth::ReconcileBatch& batch, ReconcileReport& report,
                        const ZoneSnapshot* snapshot);
    void account(const ReconcileReport& report);
    bool stopping();

    RRsetReader& reader_;
    UpdateSender& sender_;
    auth::ReconcileStore& store_;
    const Logger& log_;
    ReconcileOptions options_;
    std::function<bool()> defer_;
    ReconcileCounters counters_;
    StopSignal stop_;
    std::thread thread_;
};

}  // namespace ddns::gateway
