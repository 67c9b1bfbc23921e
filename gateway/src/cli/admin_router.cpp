// `ddns-gateway admin` commands for what routers need: `host derive` (a host whose AAAA is
// another host's IPv6 prefix followed by its own interface ID; protocols.md §9, docs/design.md
// "IPv6 prefixes and derived hosts"), `host derived`, and `zone wildcard` (dyndns2 wildcard=ON).
#include "admin_support.hpp"

#include <ostream>

#include "ddns/gateway/core/ipv6_prefix.hpp"
#include "ddns/sql/admin_repository.hpp"

namespace ddns::gateway {

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
    if (auto e = cx.repo.set_host_derived(name, sql::DeriveSpec{from, *iid, *length}))
        return cx.fail("host " + name.str() + ": " + std::string(sql::to_string(*e)));
    cx.out << "host " << name.str() << ": AAAA = the /" << *length << " prefix of " << from.str()
           << " + " << iid->to_string() << " (set with the next update of " << from.str() << ")\n";
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
