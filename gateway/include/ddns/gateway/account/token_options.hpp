// A token's limits as people type them, the same in `admin token add`, the web pages and the JSON
// API: purpose "update" or "acme", networks as "192.0.2.0/24, 2001:db8::/48", durations as
// "30d" / "12h" (see parse_duration). Empty text means "no such limit".
#pragma once

#include <string>
#include <string_view>

#include "ddns/auth/model.hpp"
#include "ddns/nsupdate/expected.hpp"

namespace ddns::gateway {

struct TokenOptionText {
    std::string_view purpose;     // "" = update
    std::string_view networks;    // comma- or space-separated prefixes or addresses
    std::string_view max_age;     // "" = none
    std::string_view max_unused;  // "" = none
};

// The limits, or one sentence saying what is wrong (for the caller's protocol to carry).
Expected<auth::TokenLimits, std::string> parse_token_limits(const TokenOptionText& text);

// "192.0.2.0/24,2001:db8::/48"; "" when there are none.
std::string format_networks(const auth::TokenLimits& limits);

}  // namespace ddns::gateway
