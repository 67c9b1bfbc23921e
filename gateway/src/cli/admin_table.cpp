// `ddns-gateway admin`: the command table, the help text made from it, and the dispatch.
// Commands that remove names clear them in BIND first, so DNS never keeps records the database
// has forgotten; record commands go through RecordService for the same rule.
// To add a command: a handler in admin_<object>.cpp, its declaration in admin_handlers.hpp,
// and a row here (docs/layout.md).
#include "ddns/gateway/cli/admin_table.hpp"

#include <iostream>

#include "ddns/gateway/cli/commands.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/audit_repository.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_mail_outbox.hpp"
#include "ddns/sql/pg_notice_store.hpp"
#include "ddns/sql/pg_store.hpp"

namespace ddns::gateway {
namespace {

// clang-format off
const AdminCommand kCommands[] = {
    {"zone", "add", "ZONE --server HOST:PORT --key-file KEYFILE [--ttl N] [--owner USER] [--no-check]", "(--owner: a domain account manages records)", zone_add},
    {"zone", "list", "[--json]", "", zone_list},
    {"zone", "update", "ZONE [--server IP[:PORT]] [--key-file KEYFILE] [--no-check]", "(move to another primary or rotate the key;\n probed like zone add before it is stored)", zone_update},
    {"zone", "check", "[ZONE] [--json]", "(probe BIND with each stored server and key)", zone_check},
    {"zone", "ttl", "ZONE N", "(default TTL, also of hosts without their own;\n rewritten in BIND at once)", zone_ttl},
    {"zone", "remove", "ZONE", "(refused while hosts or records exist)", zone_remove},
    {"zone", "heartbeat", "ZONE DURATION|off", "(timeout of hosts that set none)", zone_heartbeat},
    {"zone", "wildcard", "ZONE on|off", "(dyndns2 wildcard=ON may mirror a host at *.host)", zone_wildcard},
    {"zone", "offline-action", "ZONE delete|sentinel", "(what going offline does to A/AAAA)", zone_offline_action},
    {"zone", "public", "ZONE on|off", "(free accounts may pick names in it)", zone_public},
    {"account", "add", "USER [--email E] [--plan free|domain]", "(password read from stdin)", account_add},
    {"account", "passwd", "USER", "(new password read from stdin)", account_passwd},
    {"account", "expiry", "USER DATE|never", "(UTC; YYYY-MM-DD[THH:MM[:SS]][Z])", account_expiry},
    {"account", "enable-updates", "USER", "(allow /dynamic with its tokens)", account_enable_updates},
    {"account", "disable-updates", "USER", "", account_disable_updates},
    {"account", "block", "USER [--reason TEXT]", "(every dialect refuses its updates)", account_block},
    {"account", "unblock", "USER", "", account_unblock},
    {"account", "disable", "USER", "(refused everywhere: dialects, pages, API)", account_disable},
    {"account", "enable", "USER", "", account_enable},
    {"account", "plan", "USER free|domain", "(free: refused while it owns zones)", account_plan},
    {"account", "list", "[--json]", "", account_list},
    {"account", "remove", "USER", "(also clears its hosts in DNS; refused\n while the account owns zones)", account_remove},
    {"host", "add", "FQDN --account USER [--allow-existing]", "(refuses the zone apex, and names that hold\n records in BIND unless --allow-existing)", host_add},
    {"host", "list", "[--account USER] [--json]", "", host_list},
    {"host", "remove", "FQDN [--keep-dns|--force]", "(deletes its A/AAAA in DNS first; --force:\n also when BIND refuses; --keep-dns: leave\n DNS alone)", host_remove},
    {"host", "ttl", "FQDN N|zone", "(zone: follow the zone's default TTL;\n rewritten in BIND at once)", host_ttl},
    {"host", "heartbeat", "FQDN DURATION|off|zone", "(zone: follow the zone's timeout)", host_heartbeat},
    {"host", "offline-action", "FQDN delete|sentinel|zone", "(zone: follow the zone's action)", host_offline_action},
    {"host", "show", "FQDN [--json]", "(addresses, fault counters, last updates)", host_show},
    {"host", "block", "FQDN [--reason TEXT]", "(its updates are refused as abuse)", host_block},
    {"host", "unblock", "FQDN", "(also lifts a no-change rate limit)", host_unblock},
    {"host", "derive", "FQDN --from FQDN --interface-id IID [--prefix-length N] | FQDN --none", "(AAAA = the /N prefix of --from + IID,\n changed with it; N 16-64, default 64)", host_derive},
    {"host", "derived", "[--account USER]", "(the hosts derived from a prefix)", host_derived},
    {"host", "nochg-interval", "FQDN DURATION|off|default", "(default: abuse.nochg_interval)", host_nochg_interval},
    {"token", "add",
     "USER [--host FQDN] [--name NAME] [--purpose update|acme] [--from CIDR,...] "
     "[--max-age DURATION] [--max-unused DURATION]",
     "(prints the token once)", token_add},
    {"token", "list", "[--account USER] [--json]", "", token_list},
    {"token", "remove", "ID", "", token_remove},
    {"apitoken", "add", "USER [--name NAME]", "(JSON API token; prints it once)", apitoken_add},
    {"apitoken", "list", "[--account USER] [--json]", "", apitoken_list},
    {"apitoken", "remove", "ID", "", apitoken_remove},
    {"invite", "create", "[--days N]", "(one sign-up code, default 14 days; prints it once)", invite_create},
    {"record", "add", "FQDN TYPE DATA... [--ttl N]", "(TYPE: A AAAA CNAME MX NS TXT;\n MX data: PREFERENCE HOST; TXT: the text)", record_add},
    {"record", "remove", "FQDN TYPE [DATA...]", "(without DATA: the whole RRset;\n MX PREFERENCE alone: those MX records)", record_remove},
    {"record", "list", "ZONE [--json]", "", record_list},
    {"log", "", "[--host FQDN] [--account USER] [--since 1h|30m|2d|2024-05-01T12:00Z] [--limit N] [--json]", "(the update log, newest first)", log_show},
    {"mail", "test", "ADDRESS", "(queue a test mail to ADDRESS)", mail_test},
    {"mail", "queue", "[--all] [--limit N] [--json]", "(pending and failed mails, no bodies;\n --all: sent ones too)", mail_queue},
    {"notice", "add", "[--account USER] [--kinds K,K] [--email ADDRESS] [--webhook URL]", "(no --account: for every account; --account\n alone: mail to its address; a webhook's\n secret is printed once)", notice_add},
    {"notice", "list", "[--account USER]", "", notice_list},
    {"notice", "remove", "ID", "", notice_remove},
    {"notice", "queue", "[--all] [--limit N]", "(webhook deliveries, no bodies)", notice_queue},
    {"reconcile", "", "[--zone ZONE] [--dry-run]", "(compare every host's A/AAAA in BIND with\n the database, print and repair the\n differences; --dry-run: print only)", reconcile_run},
};
// clang-format on

constexpr std::string_view kUsageHead =
    "usage: ddns-gateway admin --config FILE OBJECT ACTION [ARGS]\n\n";
constexpr std::string_view kUsageTail =
    "\n  DURATION is seconds or a number with s, m, h or d (e.g. 20m).\n";
// Notes start in this column; a longer synopsis puts its note on the next line.
constexpr std::size_t kNoteColumn = 56;

const AdminCommand* find_command(std::string_view object, std::string_view action) {
    for (const auto& c : kCommands)
        if (c.object == object && c.action == action) return &c;
    return nullptr;
}

}  // namespace

std::span<const AdminCommand> admin_commands() {
    return kCommands;
}

std::string admin_usage() {
    std::string text(kUsageHead);
    for (const auto& c : kCommands) {
        std::string line = "  " + std::string(c.object);
        if (!c.action.empty()) line += " " + std::string(c.action);
        if (!c.synopsis.empty()) line += " " + std::string(c.synopsis);
        if (!c.note.empty()) {
            if (line.size() < kNoteColumn)
                line.resize(kNoteColumn, ' ');
            else
                line += "\n" + std::string(kNoteColumn, ' ');
            for (const char ch : c.note) {
                line += ch;
                if (ch == '\n') line += std::string(kNoteColumn, ' ');
            }
        }
        text += line + "\n";
    }
    text += kUsageTail;
    return text;
}

int dispatch_admin(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err,
                   const std::function<int(AdminHandler, const Args&)>& run) {
    if (raw.empty() || raw[0] == "--help" || raw[0] == "help") {
        out << admin_usage();
        return raw.empty() ? 2 : 0;
    }
    try {
        const Args a = Args::parse(raw, {"--no-check", "--dry-run", "--allow-existing", "--all",
                                         "--keep-dns", "--force", "--json", "--none"});
        // `log` and `reconcile` are the commands without an ACTION.
        const bool single = !a.words.empty() && (a.words[0] == "log" || a.words[0] == "reconcile");
        const std::size_t head = single ? 1 : 2;
        if (a.words.size() < head) throw UsageError("expected OBJECT ACTION");
        const std::string& object = a.words[0];
        const std::string action = single ? "" : a.words[1];
        const AdminCommand* command = find_command(object, action);
        if (command == nullptr) throw UsageError("unknown command: " + object + " " + action);
        Args rest = a;
        rest.words.erase(rest.words.begin(),
                         rest.words.begin() + static_cast<std::ptrdiff_t>(head));
        return run(command->handler, rest);
    } catch (const UsageError& e) {
        err << "ddns-gateway admin: " << e.what() << "\n" << admin_usage();
        return 2;
    }
}

int run_admin(const Config& config, const std::vector<std::string>& raw, std::istream& in,
              std::ostream& out, std::ostream& err) {
    return dispatch_admin(raw, out, err, [&](AdminHandler handler, const Args& args) {
        sql::Database db(config.database.url, 1);
        sql::AdminRepository repo(db);
        sql::AuditRepository audit(db);
        sql::PgStore store(db);
        UpdateClient dns(config.dns_client_options());
        const Logger log(config.log.level);
        sql::PgMailOutbox mail(db);
        AdminContext cx{config, repo, audit, store, dns,  log, [] { return auth::Clock::now(); },
                        in,     out,  err,   &mail, &mail};
        sql::PgNoticeStore notices(db);
        sql::PgWebhookOutbox webhooks(db);
        cx.notices = &notices;
        cx.webhooks = &webhooks;
        return handler(cx, args);
    });
}

}  // namespace ddns::gateway
