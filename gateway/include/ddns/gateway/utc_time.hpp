// UTC timestamps as operators type them on the admin command line (account expiry).
#pragma once

#include <optional>
#include <string_view>

#include "ddns/auth/model.hpp"

namespace ddns::gateway {

// Accepts "YYYY-MM-DD" (00:00:00 UTC that day), "YYYY-MM-DDTHH:MMZ" and "YYYY-MM-DDTHH:MM:SSZ"
// ('t'/'z' in lower case too). Years 1970 to 2200: the clock's time points end in 2262.
// nullopt for anything else, including impossible dates (2026-02-30) and times (24:00).
std::optional<auth::TimePoint> parse_utc_time(std::string_view text);

}  // namespace ddns::gateway
