// AdminRepository: the operator's side of self-service (public zones, invites, API tokens).
#include "codec.hpp"
#include "connection.hpp"
#include "ddns/sql/admin_repository.hpp"

namespace ddns::sql {

std::optional<AdminError> AdminRepository::set_zone_public(const DnsName& zone, bool open) {
    auto conn = db_.lease();
    auto r = conn->exec("UPDATE zones SET public = $2::boolean WHERE name = $1 RETURNING id",
                        {zone.str(), bool_param(open)});
    if (r.rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

void AdminRepository::add_invite(std::string_view digest, auth::TimePoint expires) {
    auto conn = db_.lease();
    conn->exec(
        "INSERT INTO invites (digest, expires_at) VALUES ($1, to_timestamp($2::bigint / "
        "1000000.0))",
        {std::string(digest), micros_param(expires)});
}

Expected<std::int64_t, AdminError> AdminRepository::add_api_token(std::string_view username,
                                                                  std::string_view name,
                                                                  std::string_view digest) {
    auto conn = db_.lease();
    auto r = conn->exec(
        "INSERT INTO api_tokens (account_id, name, digest) SELECT id, $2, $3 FROM accounts "
        "WHERE lower(username) = lower($1) RETURNING id",
        {std::string(username), std::string(name), std::string(digest)});
    if (r.rows() == 0) return Unexpected{AdminError::NoSuchAccount};
    return r.int64(0, 0);
}

std::vector<TokenSummary> AdminRepository::list_api_tokens(
    std::optional<std::string_view> username) {
    auto conn = db_.lease();
    Param user;
    if (username) user = std::string(*username);
    auto r = conn->exec(
        "SELECT t.id, a.username, (extract(epoch FROM t.created_at) * 1000000)::bigint, "
        "(extract(epoch FROM t.last_used) * 1000000)::bigint FROM api_tokens t "
        "JOIN accounts a ON a.id = t.account_id "
        "WHERE $1::text IS NULL OR lower(a.username) = lower($1) ORDER BY t.id",
        {user});
    std::vector<TokenSummary> tokens;
    for (int row = 0; row < r.rows(); ++row)
        tokens.push_back(TokenSummary{r.int64(row, 0), std::string(r.text(row, 1)), std::nullopt,
                                      time_from_micros(r.int64(row, 2)), opt_time(r, row, 3)});
    return tokens;
}

std::optional<AdminError> AdminRepository::remove_api_token(std::int64_t id) {
    auto conn = db_.lease();
    auto r =
        conn->exec("DELETE FROM api_tokens WHERE id = $1::bigint RETURNING id", {id_param(id)});
    if (r.rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

}  // namespace ddns::sql
