// The rules of a derived host in SQL (migration 021; gateway core/ipv6_prefix.hpp says the same
// for the messages), shared by `admin host derive` (by names) and the self-service store (by the
// account's host): checked in the statement that records the derivation, so a change meanwhile
// cannot slip through. Private to sql/.
#pragma once

#include <string>
#include <string_view>

namespace ddns::sql {

// `h` is the host made derived, `p` the router host: one account, one zone (one UPDATE message
// carries both), no chains (the router host not derived itself, no host derived from `h`).
inline constexpr std::string_view kDeriveRules = R"sql(
  p.id <> h.id AND p.account_id = h.account_id AND p.zone_id = h.zone_id
  AND p.derive_from IS NULL
  AND NOT EXISTS (SELECT 1 FROM hosts c WHERE c.derive_from = h.id))sql";

// $3 interface ID, $4 prefix length; `where` selects h and p ($1, $2, and any further).
inline std::string derive_statement(std::string_view where) {
    return "UPDATE hosts h SET derive_from = p.id, interface_id = $3::inet, "
           "prefix_length = $4::smallint FROM hosts p WHERE " +
           std::string(where) + " AND " + std::string(kDeriveRules) + " RETURNING h.id";
}

inline constexpr std::string_view kUnderiveSet =
    "UPDATE hosts SET derive_from = NULL, interface_id = NULL, prefix_length = NULL ";

}  // namespace ddns::sql
