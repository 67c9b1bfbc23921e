// Operator commands for what routers need: declaring a host derived from another one's IPv6
// prefix (migration 021), listing the derived hosts, and the zone's wildcard switch (022).
#include "codec.hpp"
#include "connection.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "derive_sql.hpp"

namespace ddns::sql {
namespace {

constexpr std::string_view kListDerived = R"sql(
SELECT h.name, p.name, host(h.interface_id), h.prefix_length
FROM hosts h JOIN hosts p ON p.id = h.derive_from JOIN accounts a ON a.id = h.account_id
WHERE $1::text IS NULL OR lower(a.username) = lower($1)
ORDER BY h.name)sql";

Param username_param(std::optional<std::string_view> username) {
    if (!username) return std::nullopt;
    return std::string(*username);
}

}  // namespace

std::optional<AdminError> AdminRepository::set_host_derived(const DnsName& fqdn,
                                                            const std::optional<DeriveSpec>& spec) {
    auto conn = db_.lease();
    if (!spec) {
        if (conn->exec(std::string(kUnderiveSet) + "WHERE name = $1 RETURNING id", {fqdn.str()})
                .rows() == 0)
            return AdminError::NotFound;
        return std::nullopt;
    }
    const auto r = conn->exec(derive_statement("h.name = $1 AND p.name = $2"),
                              {fqdn.str(), spec->from.str(), spec->interface_id.to_string(),
                               std::to_string(spec->prefix_length)});
    if (r.rows() == 1) return std::nullopt;
    auto exists = [&](const DnsName& name) {
        return conn->exec("SELECT 1 FROM hosts WHERE name = $1", {name.str()}).rows() == 1;
    };
    if (!exists(fqdn)) return AdminError::NotFound;
    if (!exists(spec->from)) return AdminError::NoSuchHost;
    return AdminError::NotDerivable;
}

std::vector<DerivedHost> AdminRepository::list_derived(std::optional<std::string_view> username) {
    auto conn = db_.lease();
    const auto r = conn->exec(std::string(kListDerived), {username_param(username)});
    std::vector<DerivedHost> out;
    for (int row = 0; row < r.rows(); ++row)
        out.push_back(DerivedHost{stored_name(r.text(row, 0)), stored_name(r.text(row, 1)),
                                  *stored_address(r.text(row, 2)),
                                  static_cast<unsigned>(r.int64(row, 3))});
    return out;
}

std::optional<AdminError> AdminRepository::set_zone_wildcard(const DnsName& zone, bool allowed) {
    auto conn = db_.lease();
    const auto r =
        conn->exec("UPDATE zones SET wildcard_allowed = $2::boolean WHERE name = $1 RETURNING id",
                   {zone.str(), bool_param(allowed)});
    if (r.rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

}  // namespace ddns::sql
