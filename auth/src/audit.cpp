#include "ddns/auth/audit.hpp"

namespace ddns::auth {

// These words are stored in update_log.fault (see its CHECK constraint) and printed by admin.
std::string_view to_string(FaultClass fault) noexcept {
    switch (fault) {
        case FaultClass::None:
            return "none";
        case FaultClass::Client:
            return "client";
        case FaultClass::Server:
            return "server";
        case FaultClass::Auth:
            return "auth";
    }
    return "none";
}

std::string repeat_key(const AuditRecord& record) {
    const AuditNote& note = record.note;
    if (note.hosts.size() != 1) return {};
    const AuditHost& host = note.hosts.front();
    if (host.fault != FaultClass::None || host.ipv4_changed || host.ipv6_changed) return {};
    std::string key;
    const auto add = [&key](std::string_view part) {
        key.append(part);
        key.push_back('\0');
    };
    add(note.dialect);
    add(note.account_id ? std::to_string(*note.account_id) : "-");
    add(note.username);
    add(note.detail);
    add(host.host_id ? std::to_string(*host.host_id) : "-");
    add(host.name);
    add(host.outcome);
    add(host.detail);
    add(record.client.to_string());
    add(record.user_agent);
    add(record.tls ? "tls" : "plain");
    return key;
}

}  // namespace ddns::auth
