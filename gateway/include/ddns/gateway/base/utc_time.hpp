// UTC timestamps as operators type them on the admin command line (account expiry, log --since).
#pragma once

#include <optional>
#include <string_view>

#include "ddns/auth/model.hpp"

namespace ddns::gateway {

// Accepts "YYYY-MM-DD" (00:00:00 UTC that day), "YYYY-MM-DDTHH:MM" and "YYYY-MM-DDTHH:MM:SS",
// each with an optional trailing Z; a space may replace the T, and 't'/'z' may be lower case.
// Every time is UTC. Years 1970 to 2200: the clock's time points end in 2262. nullopt for
// anything else, including offsets (+01:00), impossible dates (2026-02-30) and times (24:00).
std::optional<auth::TimePoint> parse_utc_time(std::string_view text);

}  // namespace ddns::gateway
