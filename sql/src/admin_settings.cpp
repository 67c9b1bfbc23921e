// Operator settings of accounts, zones and hosts that are plain column changes: an account's
// disabled flag and plan, TTLs, and a zone's primary server and TSIG key.
#include "codec.hpp"
#include "connection.hpp"
#include "ddns/sql/admin_repository.hpp"

namespace ddns::sql {
std::optional<AdminError> AdminRepository::set_account_disabled(std::string_view username,
                                                                bool disabled) {
    auto conn = db_.lease();
    auto r = conn->exec(
        "UPDATE accounts SET disabled = $2::boolean WHERE lower(username) = lower($1) "
        "RETURNING id",
        {std::string(username), bool_param(disabled)});
    if (r.rows() == 0) return AdminError::NoSuchAccount;
    return std::nullopt;
}

std::optional<AdminError> AdminRepository::set_account_plan(std::string_view username,
                                                            auth::Plan plan) {
    auto conn = db_.lease();
    Transaction tx(*conn);
    // FOR UPDATE: add_zone takes the owner FOR SHARE, so no zone can be given to the account
    // between the check below and the change.
    auto account =
        conn->exec("SELECT id FROM accounts WHERE lower(username) = lower($1) FOR UPDATE",
                   {std::string(username)});
    if (account.rows() == 0) return AdminError::NoSuchAccount;
    const std::string id = id_param(account.int64(0, 0));
    if (plan != auth::Plan::Domain &&
        conn->exec("SELECT EXISTS (SELECT 1 FROM zones WHERE owner_account_id = $1::bigint)", {id})
            .boolean(0, 0))
        return AdminError::StillInUse;
    conn->exec("UPDATE accounts SET plan = $2 WHERE id = $1::bigint",
               {id, std::string(auth::to_string(plan))});
    tx.commit();
    return std::nullopt;
}

Expected<std::int64_t, AdminError> AdminRepository::set_zone_ttl(const DnsName& zone,
                                                                 std::uint32_t ttl) {
    auto conn = db_.lease();
    Transaction tx(*conn);
    auto r = conn->exec("UPDATE zones SET default_ttl = $2::integer WHERE name = $1 RETURNING id",
                        {zone.str(), std::to_string(ttl)});
    if (r.rows() == 0) return Unexpected{AdminError::NotFound};
    auto hosts = conn->exec(
        "UPDATE hosts SET ttl = $2::integer WHERE zone_id = $1::bigint AND NOT ttl_own "
        "RETURNING id",
        {std::string(r.text(0, 0)), std::to_string(ttl)});
    tx.commit();
    return static_cast<std::int64_t>(hosts.rows());
}

Expected<std::uint32_t, AdminError> AdminRepository::set_host_ttl(
    const DnsName& fqdn, std::optional<std::uint32_t> ttl) {
    auto conn = db_.lease();
    Param own;
    if (ttl) own = std::to_string(*ttl);
    auto r = conn->exec(R"sql(
UPDATE hosts h SET ttl = coalesce($2::integer, z.default_ttl), ttl_own = $2::integer IS NOT NULL
FROM zones z WHERE z.id = h.zone_id AND h.name = $1
RETURNING h.ttl)sql",
                        {fqdn.str(), own});
    if (r.rows() == 0) return Unexpected{AdminError::NotFound};
    return stored_ttl(r.int64(0, 0));
}

std::optional<AdminError> AdminRepository::set_zone_server(const DnsName& zone,
                                                           const ServerEndpoint& server,
                                                           const TsigKey& key) {
    auto conn = db_.lease();
    auto r = conn->exec(
        R"sql(
UPDATE zones SET server_address = $2, server_port = $3::integer, tsig_key_name = $4,
                 tsig_algorithm = $5, tsig_secret = $6
WHERE name = $1 RETURNING id)sql",
        {zone.str(), server.address.to_string(), std::to_string(server.port), key.name.str(),
         std::string(to_string(key.algorithm)), encode_base64(key.secret)});
    if (r.rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

}  // namespace ddns::sql
