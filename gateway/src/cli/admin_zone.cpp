// `ddns-gateway admin` commands on zones: add (with a probe UPDATE that BIND must accept), list,
// remove, heartbeat and offline-action defaults.
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

int zone_add(AdminContext& cx, const Args& a) {
    a.only({"--server", "--key-file", "--ttl", "--owner"});
    const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
    const auto server = parse_server_endpoint(a.need("--server"));
    if (!server) return cx.fail("--server must be IP:PORT (an address, not a host name)");
    const std::string key_path = a.need("--key-file");
    std::ifstream key_in(key_path);
    if (!key_in) return cx.fail("cannot read key file " + key_path);
    std::stringstream key_text;
    key_text << key_in.rdbuf();
    auto key = parse_tsig_key_file(key_text.str());
    if (!key) return cx.fail("key file " + key_path + ": " + key.error());
    std::uint32_t ttl = 60;
    if (auto t = a.opt("--ttl")) {
        try {
            const long v = std::stol(*t);
            if (v < 0 || v > 86400) throw std::out_of_range("ttl");
            ttl = static_cast<std::uint32_t>(v);
        } catch (const std::exception&) {
            return cx.fail("--ttl must be 0..86400");
        }
    }
    if (!a.flags.count("--no-check")) {
        // Deleting an RRset that does not exist changes nothing, but BIND still checks it
        // against the zone's update-policy (an UPDATE without operations would pass any
        // policy). NOERROR proves BIND is reachable, authoritative and grants the key.
        const auto probe_name = name.prepend("_ddns-gateway-probe");
        if (!probe_name) return cx.fail("zone name too long: " + name.str());
        UpdateRequest probe{name, {}, {DeleteRRset{*probe_name, RecordType::TXT}}};
        const auto result = cx.dns.send(probe, *key, *server);
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

int zone_list(AdminContext& cx, const Args&) {
    std::vector<std::vector<std::string>> rows = {{"ZONE", "SERVER", "KEY", "ALGORITHM", "TTL",
                                                   "HOSTS", "RECORDS", "HEARTBEAT", "OFFLINE",
                                                   "OWNER"}};
    for (const auto& z : cx.repo.list_zones())
        rows.push_back({z.name.str(), z.server.to_string(), z.key_name, z.key_algorithm,
                        std::to_string(z.default_ttl), std::to_string(z.host_count),
                        std::to_string(z.record_count), opt_duration(z.heartbeat_timeout),
                        std::string(to_string(z.offline_action)), z.owner.value_or("-")});
    print_table(cx.out, rows);
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
