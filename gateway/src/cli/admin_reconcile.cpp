// `admin reconcile`: the reconciler's full pass run once, in the foreground, for an operator who
// wants to see (or settle now) what differs between BIND and the database.
#include <ostream>
#include <string>

#include "ddns/gateway/cli/admin_handlers.hpp"
#include "ddns/gateway/config/config.hpp"
#include "ddns/gateway/jobs/reconciler.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_reconcile_store.hpp"

namespace ddns::gateway {

// Exit code 0 when BIND agreed or was repaired completely, 1 otherwise.
int reconcile_run(AdminContext& cx, const Args& a) {
    a.only({"--zone"});
    if (!a.words.empty()) throw UsageError("reconcile takes no words, only --zone and --dry-run");
    std::optional<DnsName> zone;
    if (auto z = a.opt("--zone")) {
        zone = DnsName::parse(*z);
        if (!zone) throw UsageError("--zone needs a zone name");
    }
    const bool dry_run = a.flags.contains("--dry-run");
    sql::Database db(cx.config.database.url, 1);
    sql::PgReconcileStore store(db);
    QueryClient reader(QueryClientOptions{cx.config.dns.timeout_ms, 300, {}});
    ReconcileOptions options;
    options.max_repairs = cx.config.reconcile.max_repairs;
    options.dry_run = dry_run;
    Reconciler reconciler(reader, cx.dns, store, cx.log, options);
    const ReconcileReport report = reconciler.full_pass(zone);
    for (const auto& line : report.differences) cx.out << line << "\n";
    cx.out << report.hosts_checked << " hosts checked (" << report.transfers
           << " zone(s) read by transfer), " << report.drift_found << " differed";
    if (!dry_run) cx.out << ", " << report.repaired << " repaired, " << report.failed << " failed";
    cx.out << "\n";
    if (!report.complete) {
        return cx.fail(
            "the pass did not finish (BIND or the database did not answer, or "
            "reconcile.max_repairs was reached); see the log above or run it again");
    }
    return report.failed == 0 ? 0 : 1;
}

}  // namespace ddns::gateway
