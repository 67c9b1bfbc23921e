// The host-lifecycle rules, and the names of its enums as the database and the admin command
// line spell them.
#include "ddns/auth/lifecycle.hpp"

namespace ddns::auth {

std::string_view to_string(OfflineAction action) noexcept {
    switch (action) {
        case OfflineAction::Delete:
            return "delete";
        case OfflineAction::Sentinel:
            return "sentinel";
    }
    return "delete";
}

std::optional<OfflineAction> parse_offline_action(std::string_view text) noexcept {
    if (text == "delete") return OfflineAction::Delete;
    if (text == "sentinel") return OfflineAction::Sentinel;
    return std::nullopt;
}

std::string_view to_string(OfflineReason reason) noexcept {
    switch (reason) {
        case OfflineReason::Heartbeat:
            return "heartbeat";
        case OfflineReason::Expired:
            return "expired";
        case OfflineReason::Request:
            return "request";
    }
    return "request";
}

std::optional<OfflineReason> parse_offline_reason(std::string_view text) noexcept {
    if (text == "heartbeat") return OfflineReason::Heartbeat;
    if (text == "expired") return OfflineReason::Expired;
    if (text == "request") return OfflineReason::Request;
    return std::nullopt;
}

std::optional<std::chrono::seconds> effective_heartbeat(
    const std::optional<std::chrono::seconds>& host_setting,
    const std::optional<std::chrono::seconds>& zone_default,
    const std::optional<std::chrono::seconds>& protocol_default) noexcept {
    if (!host_setting) return zone_default ? zone_default : protocol_default;
    if (host_setting->count() <= 0) return std::nullopt;
    return host_setting;
}

OfflineAction effective_offline_action(const std::optional<OfflineAction>& host_setting,
                                       OfflineAction zone_action) noexcept {
    return host_setting.value_or(zone_action);
}

std::optional<OfflineReason> offline_due(const Host& host,
                                         const std::optional<TimePoint>& account_expires_at,
                                         TimePoint now) noexcept {
    if (host.offline) return std::nullopt;
    // Expiry first: an expired account cannot come back by sending heartbeats.
    if (account_expires_at && *account_expires_at <= now) return OfflineReason::Expired;
    if (host.heartbeat_timeout && host.last_seen && *host.last_seen + *host.heartbeat_timeout < now)
        return OfflineReason::Heartbeat;
    return std::nullopt;
}

}  // namespace ddns::auth
