// `admin reconcile`: the reconciler's full pass run once, in the foreground, for an operator who
// wants to see (or settle now) what differs between BIND and the database.
#include <ostream>
#include <string>

#include "ddns/gateway/cli/commands.hpp"
#include "ddns/gateway/jobs/reconciler.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_reconcile_store.hpp"

namespace ddns::gateway {

int run_admin_reconcile(const Config& config, const std::vector<std::string>& args,
                        std::ostream& out, std::ostream& err) {
    std::optional<DnsName> zone;
    bool dry_run = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--dry-run") {
            dry_run = true;
        } else if (args[i] == "--zone" && i + 1 < args.size()) {
            zone = DnsName::parse(args[++i]);
            if (!zone) {
                err << "ddns-gateway admin: --zone needs a zone name\n";
                return 2;
            }
        } else {
            err << "ddns-gateway admin: usage: reconcile [--zone ZONE] [--dry-run]\n";
            return 2;
        }
    }
    sql::Database db(config.database_url, 1);
    sql::PgReconcileStore store(db);
    QueryClient reader(QueryClientOptions{config.dns_timeout, 300, {}});
    UpdateClient sender(config.dns_client_options());
    // Warnings (a repair that failed, BIND unreadable) go to stderr; the differences to stdout.
    Logger log(LogLevel::Error);
    ReconcileOptions options;
    options.max_repairs = config.reconcile_max_repairs;
    options.dry_run = dry_run;
    Reconciler reconciler(reader, sender, store, log, options);
    const ReconcileReport report = reconciler.full_pass(zone);
    for (const auto& line : report.differences) out << line << "\n";
    out << report.hosts_checked << " hosts checked, " << report.drift_found << " differed";
    if (!dry_run) out << ", " << report.repaired << " repaired, " << report.failed << " failed";
    out << "\n";
    if (!report.complete) {
        err << "ddns-gateway admin: the pass did not finish (BIND or the database did not answer, "
               "or reconcile.max_repairs was reached); see the gateway's log or run it again\n";
        return 1;
    }
    return report.failed == 0 ? 0 : 1;
}

}  // namespace ddns::gateway
