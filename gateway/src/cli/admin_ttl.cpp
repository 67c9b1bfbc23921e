// `ddns-gateway admin host ttl` and `zone ttl`: store the TTL, then rewrite the hosts' records in
// BIND with it, so the new TTL is served at once rather than with each host's next change.
#include <map>
#include <ostream>

#include "admin_support.hpp"
#include "ddns/auth/store.hpp"
#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/pg_store.hpp"

namespace ddns::gateway {
namespace {

// One family of `host` rewritten with the host's TTL, on the prerequisite that BIND holds
// exactly the stored set (RFC 2136 §3.2.5: the value-dependent prerequisites of one name and
// type together are the whole RRset), so a change made meanwhile is never overwritten.
void retime_family(UpdateRequest& request, const auth::Host& host,
                   const std::vector<IpAddress>& held) {
    if (held.empty()) return;
    const RecordType type = address_record_type(held.front().family());
    for (const IpAddress& a : held)
        request.prerequisites.emplace_back(
            RRsetExistsValue{ResourceRecord::address(host.name, host.ttl, a)});
    request.operations.emplace_back(DeleteRRset{host.name, type});
    for (const IpAddress& a : held)
        request.operations.emplace_back(AddRecord{ResourceRecord::address(host.name, host.ttl, a)});
}

// How many hosts BIND did not take the new TTL for (they keep the old one until their next
// change); once BIND did not answer at all, the rest are not tried (each would wait as long).
struct Retimed {
    std::size_t failed = 0;
    bool unreachable = false;
};

// Rewrites the records of the hosts called `names` (all of `user`) with their stored TTL, one
// UPDATE per host; hosts without records need none.
void retime_hosts(AdminContext& cx, const std::string& user, const std::vector<DnsName>& names,
                  Retimed& r) {
    const auto principal = r.unreachable ? std::nullopt : cx.store.load_principal(user, "");
    if (!principal) {
        r.failed += names.size();
        return;
    }
    for (const DnsName& name : names) {
        if (r.unreachable) {
            ++r.failed;
            continue;
        }
        const auth::Host* host = nullptr;
        for (const auto& h : principal->hosts)
            if (h.name == name) host = &h;
        if (host == nullptr) {
            ++r.failed;
            continue;
        }
        UpdateRequest request{host->zone->name, {}, {}};
        retime_family(request, *host, a_set(*host));
        retime_family(request, *host,
                      host->ipv6 ? std::vector<IpAddress>{*host->ipv6} : std::vector<IpAddress>{});
        if (request.operations.empty()) continue;
        const auto result = cx.dns.send(request, host->zone->key, host->zone->server);
        if (!result.ok()) {
            ++r.failed;
            r.unreachable = result.status == UpdateStatus::Timeout ||
                            result.status == UpdateStatus::NetworkError;
            cx.err << "ddns-gateway admin: " << name.str() << ": BIND at "
                   << host->zone->server.to_string() << " answered " << to_string(result.status)
                   << "; it keeps the old TTL until the host's next change\n";
        }
    }
}

}  // namespace

int host_ttl(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
    const std::string& value = arg(a, 1, "TTL|zone");
    std::optional<std::uint32_t> ttl;  // nullopt: follow the zone
    if (value != "zone") {
        ttl = parse_number(value, kMaxTtl);
        if (!ttl) return cx.fail("the TTL must be a number of seconds from 0 to 86400, or zone");
    }
    auto stored = cx.repo.set_host_ttl(name, ttl);
    if (!stored)
        return cx.fail("host " + name.str() + ": " + std::string(to_string(stored.error())));
    cx.out << "host " << name.str() << ": TTL " << *stored << (ttl ? "" : " (its zone's)") << "\n";
    Retimed r;
    if (const auto host = cx.repo.find_host(name)) retime_hosts(cx, host->username, {name}, r);
    if (r.failed > 0) return cx.fail("the TTL is stored, but BIND still serves the old one");
    return 0;
}

int zone_ttl(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
    const auto ttl = parse_number(arg(a, 1, "TTL"), kMaxTtl);
    if (!ttl) return cx.fail("the TTL must be a number of seconds from 0 to 86400");
    auto count = cx.repo.set_zone_ttl(name, *ttl);
    if (!count) return cx.fail("zone " + name.str() + ": " + std::string(to_string(count.error())));
    cx.out << "zone " << name.str() << ": default TTL " << *ttl << ", also for " << *count
           << " host(s) without their own\n";
    std::map<std::string, std::vector<DnsName>> following;  // by account
    for (const auto& h : cx.repo.list_hosts())
        if (h.zone == name && !h.ttl_own) following[h.username].push_back(h.name);
    Retimed r;
    for (const auto& [user, names] : following) retime_hosts(cx, user, names, r);
    if (r.failed > 0)
        return cx.fail("the TTL is stored, but BIND still serves the old one for " +
                       std::to_string(r.failed) + " host(s) until their next change");
    return 0;
}

}  // namespace ddns::gateway
