// Durations and points in time as operators type them, for configuration values
// (audit.retention = 30d) and for `admin log --since`.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "ddns/auth/model.hpp"
#include "ddns/gateway/base/utc_time.hpp"

namespace ddns::gateway {

// "45s", "30m", "12h", "30d"; a bare number is seconds. At most 100 years; nullopt otherwise.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);
// The largest whole unit: 1200 s -> "20m", 90 s -> "90s", 7200 s -> "2h".
std::string format_duration(std::chrono::seconds duration);

// `--since`: a duration back from `now` ("1h" = the last hour) or a UTC time (parse_utc_time).
std::optional<auth::TimePoint> parse_since(std::string_view text, auth::TimePoint now);

}  // namespace ddns::gateway
