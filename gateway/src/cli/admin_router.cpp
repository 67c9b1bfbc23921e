// `ddns-gateway admin` commands for what routers need: `host derive` (a host whose AAAA is
// another host's IPv6 prefix followed by its own interface ID; protocols.md §9, docs/design.md
// "IPv6 prefixes and derived hosts"), `host derived`, and `zone wildcard` (dyndns2 wildcard=ON).
#include "admin_support.hpp"

#include <ostream>

#include "ddns/gateway/core/derived_host.hpp"
#include "ddns/gateway/core/ipv6_prefix.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/pg_store.hpp"

namespace ddns::gateway {

namespace {

const auth::Host* find_host(const std::vector<auth::Host>& hosts, const DnsName& name) {
    for (const auth::Host& h : hosts)
        if (h.name == name) return &h;
    return nullptr;
}

// Why a derived AAAA could not be written (nothing recorded then); nullopt when it was, or
// when there was nothing to write yet.
std::optional<std::string> write_problem(ApplyStatus status) {
    switch (status) {
        case ApplyStatus::Changed:
        case ApplyStatus::Unchanged:
            return std::nullopt;
        case ApplyStatus::Blocked:
            return "the host is blocked (admin host unblock first)";
        case ApplyStatus::DnsFailed:
            return "BIND did not take the AAAA";
        case ApplyStatus::Gone:
            return "the host was removed meanwhile";
        case ApplyStatus::Abuse:
        case ApplyStatus::StoreFailed:
        case ApplyStatus::InDoubt:
            break;
    }
    return "the AAAA could not be recorded";
}

// The AAAA the derivation gives now, written as the API and the pages write it (BIND first,
// then the database: core/derived_host.hpp); the address written, nullopt when the router has
// none to give yet. Returns the exit code 1 (after saying why) when it failed.
int write_aaaa_first(AdminContext& cx, const DnsName& name, const auth::Derivation& d,
                     std::optional<IpAddress>& written) {
    const auto owner = cx.store.find_host_owner(name);
    const auto principal = owner ? cx.store.load_principal(*owner, "") : std::nullopt;
    if (!principal) return 0;  // the repository names what is missing
    const auth::Host* self = find_host(principal->hosts, name);
    const auth::Host* router = find_host(principal->hosts, d.from);
    if (self == nullptr || router == nullptr) return 0;  // another account's: the same
    if (auto refusal = derive_refusal(principal->hosts, *self, *router))
        return cx.fail("host " + name.str() + ": " + to_sentence(*refusal, router->name));
    UpdateService updates(cx.dns, cx.store, cx.log);
    if (auto problem = write_problem(write_derived_aaaa(updates, *self, *router, d, cx.now())))
        return cx.fail("host " + name.str() + ": " + *problem + "; nothing recorded");
    written = derived_aaaa_now(*router, d);
    return 0;
}

}  // namespace

int host_derive(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "FQDN"), "host name");
    a.only({"--from", "--interface-id", "--prefix-length", "--none"});
    if (a.flags.count("--none") > 0) {
        if (auto e = cx.repo.set_host_derived(name, std::nullopt))
            return cx.fail("host " + name.str() + ": " + std::string(sql::to_string(*e)));
        cx.out << "host " << name.str() << ": no longer derived (its AAAA stays until its next "
               << "update)\n";
        return 0;
    }
    const DnsName from = need_name(a.need("--from"), "host name");
    const auto iid = IpAddress::parse(a.need("--interface-id"));
    if (!iid || !iid->is_v6())
        return cx.fail("--interface-id must be an IPv6 interface ID such as ::1:2:3:4");
    const auto length = parse_number(a.opt("--prefix-length").value_or("64"), 128);
    if (!length) return cx.fail("--prefix-length must be a number");
    // The rule the pages and the API follow too.
    if (const auto problem = derive_input_problem(*iid, static_cast<unsigned>(*length)))
        return cx.fail("host " + name.str() + ": " + *problem);
    std::optional<IpAddress> written;
    if (write_aaaa_first(cx, name, auth::Derivation{from, *iid, static_cast<unsigned>(*length)},
                         written) != 0)
        return 1;
    if (auto e = cx.repo.set_host_derived(name, sql::DeriveSpec{from, *iid, *length}))
        return cx.fail("host " + name.str() + ": " + std::string(sql::to_string(*e)));
    cx.out << "host " << name.str() << ": AAAA = the /" << *length << " prefix of " << from.str()
           << " + " << iid->to_string();
    if (written)
        cx.out << ", now " << written->to_string() << "\n";
    else
        cx.out << " (set with the next update of " << from.str() << ")\n";
    return 0;
}

int host_derived(AdminContext& cx, const Args& a) {
    const auto user = a.opt("--account");
    std::vector<std::vector<std::string>> rows{{"HOST", "FROM", "INTERFACE-ID", "LENGTH"}};
    for (const auto& d :
         cx.repo.list_derived(user ? std::optional<std::string_view>(*user) : std::nullopt))
        rows.push_back({d.name.str(), d.from.str(), d.interface_id.to_string(),
                        std::to_string(d.prefix_length)});
    print_table(cx.out, rows);
    return 0;
}

int zone_wildcard(AdminContext& cx, const Args& a) {
    const DnsName zone = need_name(arg(a, 0, "ZONE"), "zone name");
    const std::string& value = arg(a, 1, "on|off");
    if (value != "on" && value != "off") return cx.fail("say on or off");
    if (auto e = cx.repo.set_zone_wildcard(zone, value == "on"))
        return cx.fail("zone " + zone.str() + ": " + std::string(sql::to_string(*e)));
    cx.out << "zone " << zone.str() << ": dyndns2 wildcard=ON "
           << (value == "on" ? "mirrors a host's addresses at *.<host>"
                             : "is ignored (mirrors already made stay until wildcard=OFF)")
           << "\n";
    return 0;
}

}  // namespace ddns::gateway
