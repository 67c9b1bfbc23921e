// `ddns-gateway admin` commands on zones: add (with a probe UPDATE that BIND must accept), list,
// remove, heartbeat and offline-action defaults, TTL, moving to another primary or key (probed
// the same way) and checking every zone's server and key.
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
#include "ddns/gateway/core/record_service.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/audit_repository.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_store.hpp"

namespace ddns::gateway {

namespace {

std::string probe_failure(const UpdateResult& result) {
    return std::string(to_string(result.status)) +
           (result.detail.empty() ? "" : " (" + result.detail + ")");
}

}  // namespace

int zone_add(AdminContext& cx, const Args& a) {
    a.only({"--server", "--key-file", "--ttl", "--owner"});
    const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
    const auto server = parse_server_endpoint(a.need("--server"));
    if (!server) return cx.fail("--server must be IP:PORT (an address, not a host name)");
    const auto key = read_key_file(a.need("--key-file"));
    if (!key) return cx.fail(key.error());
    std::uint32_t ttl = 60;
    if (auto t = a.opt("--ttl")) {
        const auto v = parse_number(*t, kMaxTtl);
        if (!v) return cx.fail("--ttl must be 0..86400");
        ttl = *v;
    }
    if (!a.flags.count("--no-check")) {
        const auto result = probe_zone(cx.dns, name, *key, *server);
        if (!result.ok())
            return cx.fail("BIND at " + server->to_string() + " did not accept an update for " +
                           name.str() + " with key " + key->name.str() + ": " +
                           std::string(to_string(result.status)) + " " + result.detail +
                           " (use --no-check to add the zone anyway)");
    }
    const auto owner = a.opt("--owner");
    auto id = cx.repo.add_zone(sql::ZoneSpec{name, *server, &*key, ttl, owner});
    if (!id && id.error() == sql::AdminError::NotDomainAccount)
        return cx.fail("zone " + name.str() + ": account " + *owner +
                       " is not on the domain plan; only domain accounts own zones");
    if (!id && id.error() == sql::AdminError::NoSuchAccount)
        return cx.fail("zone " + name.str() + ": no such account " + *owner);
    if (!id) return cx.fail("zone " + name.str() + ": " + std::string(to_string(id.error())));
    cx.out << "zone " << name.str() << " added (server " << server->to_string() << ", key "
           << key->name.str() << ", ttl " << ttl << (owner ? ", owner " + *owner : "") << ")\n";
    return 0;
}

// Moves a zone to another primary and/or rotates its key. The new pair must pass the probe
// before anything is stored, so a typo never cuts the zone off; the next request uses it.
int zone_update(AdminContext& cx, const Args& a) {
    a.only({"--server", "--key-file"});
    const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
    if (!a.opt("--server") && !a.opt("--key-file"))
        throw UsageError("zone update needs --server, --key-file or both");
    auto zone = cx.repo.find_zone(name);
    if (!zone) return cx.fail("zone " + name.str() + ": not found (see `zone list`)");
    ServerEndpoint server = zone->server;
    if (const auto text = a.opt("--server")) {
        const auto parsed = parse_server_endpoint(*text);
        if (!parsed) return cx.fail("--server must be IP or IP:PORT (an address, not a host name)");
        server = *parsed;
    }
    const TsigKey* key = &zone->key;
    Expected<TsigKey, std::string> new_key = Unexpected{std::string()};
    if (const auto path = a.opt("--key-file")) {
        new_key = read_key_file(*path);
        if (!new_key) return cx.fail(new_key.error());
        key = &*new_key;
    }
    if (!a.flags.count("--no-check")) {
        const auto result = probe_zone(cx.dns, name, *key, server);
        if (!result.ok())
            return cx.fail("BIND at " + server.to_string() + " did not accept an update for " +
                           name.str() + " with key " + key->name.str() + ": " +
                           probe_failure(result) +
                           "; zone unchanged (--no-check stores it anyway)");
    }
    if (auto e = cx.repo.set_zone_server(name, server, *key))
        return cx.fail("zone " + name.str() + ": " + std::string(to_string(*e)));
    cx.out << "zone " << name.str() << ": server " << server.to_string() << ", key "
           << key->name.str() << " (" << to_string(key->algorithm) << ")\n";
    if (server != zone->server)
        cx.out << "the new server must hold the zone's current records; compare them with "
                  "`reconcile --zone "
               << name.str() << " --dry-run`\n";
    return 0;
}

// Probes every zone (or one) with its stored server and key; exit 1 when any fails.
int zone_check(AdminContext& cx, const Args& a) {
    a.only({});
    if (a.words.size() > 1) throw UsageError("zone check takes at most one ZONE");
    std::vector<auth::Zone> zones;
    if (!a.words.empty()) {
        const DnsName name = need_name(a.words[0], "zone name");
        auto zone = cx.repo.find_zone(name);
        if (!zone) return cx.fail("zone " + name.str() + ": not found (see `zone list`)");
        zones.push_back(*std::move(zone));
    } else {
        for (const auto& z : cx.repo.list_zones())
            if (auto zone = cx.repo.find_zone(z.name)) zones.push_back(*std::move(zone));
    }
    Listing list({{"ZONE", "zone"},
                  {"SERVER", "server"},
                  {"KEY", "key"},
                  {"OK", "ok"},
                  {"RESULT", "result"},
                  {"DETAIL", "detail"}});
    int failed = 0;
    for (const auto& z : zones) {
        const auto result = probe_zone(cx.dns, z.name, z.key, z.server);
        failed += result.ok() ? 0 : 1;
        list.add({text_cell(z.name.str()), text_cell(z.server.to_string()),
                  text_cell(z.key.name.str()), bool_cell(result.ok()),
                  text_cell(to_string(result.status)),
                  result.ok() ? opt_text_cell(std::nullopt) : text_cell(result.detail)});
    }
    list.print(cx.out, wants_json(a));
    if (failed > 0)
        return cx.fail(std::to_string(failed) + " of " + std::to_string(zones.size()) +
                       " zone(s) did not accept the probe UPDATE (docs/troubleshooting.md)");
    return 0;
}

int zone_list(AdminContext& cx, const Args& a) {
    a.only({});
    Listing list({{"ZONE", "zone"},
                  {"SERVER", "server"},
                  {"KEY", "key"},
                  {"ALGORITHM", "algorithm"},
                  {"TTL", "ttl"},
                  {"HOSTS", "hosts"},
                  {"RECORDS", "records"},
                  {"HEARTBEAT", "heartbeat"},
                  {"OFFLINE", "offline_action"},
                  {"OWNER", "owner"}});
    for (const auto& z : cx.repo.list_zones()) {
        const Cell heartbeat = z.heartbeat_timeout
                                   ? Cell{opt_duration(z.heartbeat_timeout),
                                          std::to_string(z.heartbeat_timeout->count())}
                                   : Cell{"off", "null"};
        list.add({text_cell(z.name.str()), text_cell(z.server.to_string()), text_cell(z.key_name),
                  text_cell(z.key_algorithm), number_cell(z.default_ttl), number_cell(z.host_count),
                  number_cell(z.record_count), heartbeat, text_cell(to_string(z.offline_action)),
                  opt_text_cell(z.owner)});
    }
    list.print(cx.out, wants_json(a));
    return 0;
}

int zone_heartbeat(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
    const std::string& value = arg(a, 1, "DURATION|off");
    std::optional<std::chrono::seconds> timeout;
    if (value != "off") {
        timeout = parse_heartbeat(value);
        if (!timeout) return cx.fail("DURATION must be like 900, 90s, 20m, 2h or 1d, or off");
    }
    if (auto e = cx.repo.set_zone_heartbeat(name, timeout))
        return cx.fail("zone " + name.str() + ": " + std::string(to_string(*e)));
    cx.out << "zone " << name.str() << ": heartbeat timeout " << opt_duration(timeout)
           << " for hosts without their own\n";
    return 0;
}

int zone_offline_action(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
    const auto action = auth::parse_offline_action(arg(a, 1, "delete|sentinel"));
    if (!action) return cx.fail("the offline action must be delete or sentinel");
    if (auto e = cx.repo.set_zone_offline_action(name, *action))
        return cx.fail("zone " + name.str() + ": " + std::string(to_string(*e)));
    cx.out << "zone " << name.str() << ": hosts going offline "
           << (*action == auth::OfflineAction::Delete ? "lose their A/AAAA"
                                                      : "point at 0.0.0.0 / ::")
           << "\n";
    return 0;
}

int zone_remove(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
    if (auto e = cx.repo.remove_zone(name)) {
        if (*e == sql::AdminError::StillInUse)
            return cx.fail("zone " + name.str() +
                           " still has hosts or records; remove them first (host remove, "
                           "record remove)");
        return cx.fail("zone " + name.str() + ": " + std::string(to_string(*e)));
    }
    cx.out << "zone " << name.str() << " removed\n";
    return 0;
}

}  // namespace ddns::gateway
