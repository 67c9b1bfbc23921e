// `ddns-gateway admin` commands on hosts: add, list, show, remove (clearing BIND first), heartbeat,
// offline action, block and the no-change interval.
#include "admin_support.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "ddns/auth/password.hpp"
#include "ddns/auth/token.hpp"
#include "ddns/gateway/base/duration.hpp"
#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/base/utc_time.hpp"
#include "ddns/gateway/cli/commands.hpp"
#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/core/host_name_rule.hpp"
#include "ddns/gateway/core/record_service.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/audit_repository.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_store.hpp"

namespace ddns::gateway {
namespace {

int set_host_block(AdminContext& cx, const Args& a, bool blocked) {
    a.only(blocked ? std::vector<std::string>{"--reason"} : std::vector<std::string>{});
    const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
    if (auto e = cx.repo.set_host_block(name, a.opt("--reason"), blocked, cx.now()))
        return cx.fail("host " + name.str() + ": " + std::string(to_string(*e)));
    cx.out << "host " << name.str()
           << (blocked ? " blocked (its updates are refused)\n"
                       : " unblocked (its no-change count starts afresh)\n");
    return 0;
}

// A host's no-change interval as it applies: its own, or the configured default.
std::string nochg_text(AdminContext& cx, const std::optional<std::chrono::seconds>& setting) {
    if (setting) return setting->count() == 0 ? "off" : format_duration(*setting);
    return cx.config.abuse.nochg_interval.count() == 0
               ? "off (default)"
               : format_duration(cx.config.abuse.nochg_interval) + " (default, budget " +
                     std::to_string(cx.config.abuse.nochg_budget) + ")";
}

// Why `name` may not become a host of `zone` (empty: it may), asking BIND whether the name
// already holds records unless the operator's override makes that moot.
std::string host_name_refusal(AdminContext& cx, const auth::Zone& zone, const DnsName& name,
                              bool allow_existing) {
    std::optional<UpdateResult> probe;
    if (host_name_needs_probe(zone.name, name, allow_existing))
        probe = cx.dns.send(name_unused_probe(zone.name, name), zone.key, zone.server);
    switch (host_name_verdict(zone.name, name, probe, allow_existing)) {
        case HostNameVerdict::Allowed:
            return {};
        case HostNameVerdict::ZoneApex:
            return "the apex of zone " + zone.name.str() +
                   " holds the zone's own records; a host needs a name below it";
        case HostNameVerdict::InUse:
            return "the name already holds records in BIND (" + zone.server.to_string() +
                   "); a host's account would replace its addresses. Add it with "
                   "--allow-existing only if that account may take the name over";
        case HostNameVerdict::Unverified:
            break;
    }
    return "could not ask BIND (" + zone.server.to_string() +
           ") whether the name is in use: " + std::string(to_string(probe->status)) + " " +
           probe->detail + "; host not added (--allow-existing skips this check)";
}

}  // namespace

int host_add(AdminContext& cx, const Args& a) {
    a.only({"--account"});
    const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
    if (!name.is_hostname()) return cx.fail(name.str() + " is not a valid host name");
    const std::string user = a.need("--account");
    if (const auto zone = cx.repo.find_zone_containing(name)) {
        const std::string refusal =
            host_name_refusal(cx, *zone, name, a.flags.count("--allow-existing") > 0);
        if (!refusal.empty()) return cx.fail("host " + name.str() + ": " + refusal);
    }
    auto id = cx.repo.add_host(name, user);
    if (!id && id.error() == sql::AdminError::HoldsRecords)
        return cx.fail("host " + name.str() +
                       ": the name holds records of the zone's owner (record list); a host "
                       "needs a name of its own");
    if (!id) return cx.fail("host " + name.str() + ": " + std::string(to_string(id.error())));
    cx.out << "host " << name.str() << " added for " << user << "\n";
    return 0;
}

int host_list(AdminContext& cx, const Args& a) {
    a.only({"--account"});
    const auto user = a.opt("--account");
    std::vector<std::vector<std::string>> rows = {
        {"HOST", "ACCOUNT", "IPV4", "IPV6", "LAST SEEN", "HEARTBEAT", "OFFLINE", "STATE"}};
    for (const auto& h :
         cx.repo.list_hosts(user ? std::optional<std::string_view>(*user) : std::nullopt))
        rows.push_back({h.name.str(), h.username, opt_ip(h.ipv4), opt_ip(h.ipv6),
                        format_time(h.last_seen), host_heartbeat_text(h),
                        host_offline_action_text(h), host_state_text(h)});
    print_table(cx.out, rows);
    return 0;
}

int host_heartbeat(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
    const std::string& value = arg(a, 1, "DURATION|off|zone");
    std::optional<std::chrono::seconds> setting;  // nullopt: follow the zone
    if (value == "off") {
        setting = std::chrono::seconds(0);
    } else if (value != "zone") {
        setting = parse_heartbeat(value);
        if (!setting)
            return cx.fail("DURATION must be like 900, 90s, 20m, 2h or 1d, or off, or zone");
    }
    if (auto e = cx.repo.set_host_heartbeat(name, setting))
        return cx.fail("host " + name.str() + ": " + std::string(to_string(*e)));
    cx.out << "host " << name.str() << ": heartbeat timeout "
           << (setting ? opt_duration(setting->count() == 0 ? std::nullopt : setting)
                       : std::string("of its zone"))
           << "\n";
    return 0;
}

int host_offline_action(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
    const std::string& value = arg(a, 1, "delete|sentinel|zone");
    std::optional<auth::OfflineAction> action;  // nullopt: follow the zone
    if (value != "zone") {
        action = auth::parse_offline_action(value);
        if (!action) return cx.fail("the offline action must be delete, sentinel or zone");
    }
    if (auto e = cx.repo.set_host_offline_action(name, action))
        return cx.fail("host " + name.str() + ": " + std::string(to_string(*e)));
    cx.out << "host " << name.str() << ": going offline "
           << (!action                                  ? "does what its zone does"
               : *action == auth::OfflineAction::Delete ? "deletes its A/AAAA"
                                                        : "points it at 0.0.0.0 / ::")
           << "\n";
    return 0;
}

int host_nochg_interval(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
    const std::string& value = arg(a, 1, "DURATION|off|default");
    std::optional<std::chrono::seconds> setting;  // nullopt: the configured default
    if (value == "off") {
        setting = std::chrono::seconds(0);
    } else if (value != "default") {
        setting = parse_duration(value);
        if (!setting || setting->count() == 0 || *setting > std::chrono::hours(24 * 7))
            return cx.fail(
                "DURATION must be like 300, 90s, 20m or 1h (at most 7d), or off, or "
                "default");
    }
    if (auto e = cx.repo.set_host_nochg_interval(name, setting))
        return cx.fail("host " + name.str() + ": " + std::string(to_string(*e)));
    cx.out << "host " << name.str() << ": no-change interval " << nochg_text(cx, setting) << "\n";
    return 0;
}

int host_remove(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
    auto host = cx.repo.find_host(name);
    if (!host) return cx.fail("host " + name.str() + ": not found");
    const std::string error = clear_host_in_dns(cx.repo, *host, cx.dns);
    if (!error.empty())
        return cx.fail("cannot delete " + name.str() + " in DNS (" + error + "); host kept");
    if (auto e = cx.repo.remove_host(name))
        return cx.fail("host " + name.str() + ": " + std::string(to_string(*e)));
    cx.out << "host " << name.str() << " removed (A/AAAA deleted in DNS)\n";
    return 0;
}

int host_show(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
    const auto d = cx.audit.host_details(name);
    if (!d) return cx.fail("host " + name.str() + ": not found");
    const auto tls = d->last_update_tls ? (*d->last_update_tls ? "yes" : "no") : "-";
    const std::vector<std::pair<const char*, std::string>> fields = {
        {"host", d->host.name.str()},
        {"zone", d->host.zone.str()},
        {"account", d->host.username},
        {"ttl", std::to_string(d->host.ttl)},
        {"ipv4", opt_ip(d->host.ipv4)},
        {"ipv6", opt_ip(d->host.ipv6)},
        {"last_seen", format_time(d->host.last_seen)},
        {"updated_at", format_time(d->updated_at)},
        {"last_update_ipv4", format_time(d->last_update_ipv4)},
        {"last_update_ipv6", format_time(d->last_update_ipv6)},
        {"last_update_tls", tls},
        {"client_faults", std::to_string(d->client_faults)},
        {"server_faults", std::to_string(d->server_faults)},
        {"auth_faults", std::to_string(d->auth_faults)},
        {"last_fault", d->last_fault.value_or("-")},
        {"last_fault_at", format_time(d->last_fault_at)},
    };
    // Read with the admin repository, which knows blocks, intervals and the offline action.
    std::vector<std::pair<const char*, std::string>> abuse;
    if (const auto h = cx.repo.find_host(name)) {
        abuse = {{"blocked", h->blocked_at ? "since " + format_time(h->blocked_at) : "no"},
                 {"block_reason", h->block_reason.empty() ? "-" : h->block_reason},
                 {"nochg_interval", nochg_text(cx, h->nochg_setting)},
                 {"offline_action", host_offline_action_text(*h)}};
    }
    for (const auto& [key, value] : fields)
        cx.out << std::left << std::setw(18) << (std::string(key) + ":") << value << "\n";
    for (const auto& [key, value] : abuse)
        cx.out << std::left << std::setw(18) << (std::string(key) + ":") << value << "\n";
    return 0;
}

int host_block(AdminContext& cx, const Args& a) {
    return set_host_block(cx, a, true);
}

int host_unblock(AdminContext& cx, const Args& a) {
    return set_host_block(cx, a, false);
}

}  // namespace ddns::gateway
