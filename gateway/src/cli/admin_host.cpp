// `ddns-gateway admin` commands on hosts: add, list, show, remove (clearing BIND first, or
// knowingly not), heartbeat, offline action, TTL, block and the no-change interval.
#include "admin_output.hpp"
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
    Listing list({{"HOST", "host"},
                  {"ACCOUNT", "account"},
                  {"IPV4", "ipv4"},
                  {"IPV6", "ipv6"},
                  {"LAST SEEN", "last_seen"},
                  {"HEARTBEAT", "heartbeat"},
                  {"OFFLINE", "offline_action"},
                  {"STATE", "state"}});
    const auto ip = [](const std::optional<IpAddress>& v) {
        return opt_text_cell(v ? std::optional(v->to_string()) : std::nullopt);
    };
    for (const auto& h :
         cx.repo.list_hosts(user ? std::optional<std::string_view>(*user) : std::nullopt))
        list.add({text_cell(h.name.str()), text_cell(h.username), ip(h.ipv4), ip(h.ipv6),
                  time_cell(h.last_seen), text_cell(host_heartbeat_text(h)),
                  text_cell(host_offline_action_text(h)), text_cell(host_state_text(h))});
    list.print(cx.out, wants_json(a));
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

// Clears the host in BIND, then forgets it. When BIND refuses, the host stays, unless the
// operator says otherwise: --keep-dns forgets it without asking BIND (its records stay there),
// --force asks BIND and forgets it even when BIND refuses, naming what may be left behind.
int host_remove(AdminContext& cx, const Args& a) {
    a.only({});
    const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
    const bool keep_dns = a.flags.contains("--keep-dns");
    const bool force = a.flags.contains("--force");
    if (keep_dns && force) throw UsageError("host remove takes --keep-dns or --force, not both");
    auto host = cx.repo.find_host(name);
    if (!host) return cx.fail("host " + name.str() + ": not found");
    const std::string error = keep_dns ? std::string() : clear_host_in_dns(cx.repo, *host, cx.dns);
    if (!error.empty() && !force)
        return cx.fail("cannot delete " + name.str() + " in DNS (" + error +
                       "); host kept. --force removes it anyway, --keep-dns without asking "
                       "BIND (docs/troubleshooting.md)");
    if (auto e = cx.repo.remove_host(name))
        return cx.fail("host " + name.str() + ": " + std::string(to_string(*e)));
    if (keep_dns) {
        cx.out << "host " << name.str() << " removed; its records in DNS were left as they are\n";
    } else if (!error.empty()) {
        cx.out << "host " << name.str() << " removed, but not in DNS (" << error
               << "): delete its A/AAAA" << (host->wildcard ? " and those of *." + name.str() : "")
               << " there yourself if they exist\n";
    } else {
        cx.out << "host " << name.str() << " removed (A/AAAA"
               << (host->wildcard ? " and its wildcard mirror's" : "") << " deleted in DNS)\n";
    }
    return 0;
}

int host_show(AdminContext& cx, const Args& a) {
    a.only({});
    const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
    const auto d = cx.audit.host_details(name);
    if (!d) return cx.fail("host " + name.str() + ": not found");
    const auto ip = [](const std::optional<IpAddress>& v) {
        return opt_text_cell(v ? std::optional(v->to_string()) : std::nullopt);
    };
    Fields fields = {
        {"host", text_cell(d->host.name.str())},
        {"zone", text_cell(d->host.zone.str())},
        {"account", text_cell(d->host.username)},
        {"ttl", number_cell(d->host.ttl)},
        {"ipv4", ip(d->host.ipv4)},
        {"ipv6", ip(d->host.ipv6)},
        {"last_seen", time_cell(d->host.last_seen)},
        {"updated_at", time_cell(d->updated_at)},
        {"last_update_ipv4", time_cell(d->last_update_ipv4)},
        {"last_update_ipv6", time_cell(d->last_update_ipv6)},
        {"last_update_tls",
         d->last_update_tls ? bool_cell(*d->last_update_tls) : Cell{"-", "null"}},
        {"client_faults", number_cell(d->client_faults)},
        {"server_faults", number_cell(d->server_faults)},
        {"auth_faults", number_cell(d->auth_faults)},
        {"last_fault", opt_text_cell(d->last_fault)},
        {"last_fault_at", time_cell(d->last_fault_at)},
    };
    // Read with the admin repository, which knows blocks, intervals and the offline action.
    if (const auto h = cx.repo.find_host(name)) {
        fields.emplace_back("ttl_source", text_cell(h->ttl_own ? "host" : "zone"));
        fields.emplace_back("blocked",
                            Cell{h->blocked_at ? "since " + format_time(h->blocked_at) : "no",
                                 h->blocked_at ? "true" : "false"});
        fields.emplace_back("blocked_at", time_cell(h->blocked_at));
        fields.emplace_back("block_reason", h->block_reason.empty() ? opt_text_cell(std::nullopt)
                                                                    : text_cell(h->block_reason));
        fields.emplace_back("nochg_interval", text_cell(nochg_text(cx, h->nochg_setting)));
        fields.emplace_back("offline_action", text_cell(host_offline_action_text(*h)));
    }
    print_fields(cx.out, fields, wants_json(a));
    return 0;
}

int host_block(AdminContext& cx, const Args& a) {
    return set_host_block(cx, a, true);
}

int host_unblock(AdminContext& cx, const Args& a) {
    return set_host_block(cx, a, false);
}

}  // namespace ddns::gateway
