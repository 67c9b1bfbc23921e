// Operator commands of abuse control: blocks of hosts and accounts, and the no-change interval
// of a host.
#include "codec.hpp"
#include "connection.hpp"
#include "ddns/sql/admin_repository.hpp"

namespace ddns::sql {
namespace {

// Blocking again replaces the reason and keeps the original time; unblocking clears both, and
// for a host also its no-change window (the operator lifts a rate limit this way, too).
constexpr std::string_view kBlockHost = R"sql(
UPDATE hosts SET
  blocked_at = CASE WHEN $2::boolean THEN coalesce(blocked_at, to_timestamp($3::bigint / 1000000.0)) END,
  block_reason = CASE WHEN $2::boolean THEN $4::text END,
  nochg_window_start = CASE WHEN $2::boolean THEN nochg_window_start END,
  nochg_count = CASE WHEN $2::boolean THEN nochg_count ELSE 0 END
WHERE name = $1 RETURNING id)sql";

constexpr std::string_view kBlockAccount = R"sql(
UPDATE accounts SET
  blocked_at = CASE WHEN $2::boolean THEN coalesce(blocked_at, to_timestamp($3::bigint / 1000000.0)) END,
  block_reason = CASE WHEN $2::boolean THEN $4::text END
WHERE lower(username) = lower($1) RETURNING id)sql";

Param reason_param(const std::optional<std::string>& reason) {
    if (!reason) return std::nullopt;
    return reason->substr(0, 256);
}

}  // namespace

std::optional<AdminError> AdminRepository::set_host_block(const DnsName& fqdn,
                                                          const std::optional<std::string>& reason,
                                                          bool blocked, auth::TimePoint now) {
    auto conn = db_.lease();
    auto r = conn->exec(std::string(kBlockHost),
                        {fqdn.str(), bool_param(blocked), micros_param(now), reason_param(reason)});
    if (r.rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

std::optional<AdminError> AdminRepository::set_account_block(
    std::string_view username, const std::optional<std::string>& reason, bool blocked,
    auth::TimePoint now) {
    auto conn = db_.lease();
    auto r = conn->exec(std::string(kBlockAccount), {std::string(username), bool_param(blocked),
                                                     micros_param(now), reason_param(reason)});
    if (r.rows() == 0) return AdminError::NoSuchAccount;
    return std::nullopt;
}

std::optional<AdminError> AdminRepository::set_host_nochg_interval(
    const DnsName& fqdn, std::optional<std::chrono::seconds> setting) {
    auto conn = db_.lease();
    Param seconds;
    if (setting) seconds = std::to_string(setting->count());
    auto r = conn->exec(
        "UPDATE hosts SET nochg_interval_seconds = $2::integer, nochg_window_start = NULL, "
        "nochg_count = 0 WHERE name = $1 RETURNING id",
        {fqdn.str(), seconds});
    if (r.rows() == 0) return AdminError::NotFound;
    return std::nullopt;
}

}  // namespace ddns::sql
