#include "ddns/gateway/dialects/audit_facts.hpp"

#include <cctype>
#include <string>
#include <utility>

namespace ddns::gateway {
namespace {

std::string failure_detail(const HostApplyResult& result) {
    switch (result.status) {
        case ApplyStatus::DnsFailed:
            return "DNS update failed: " + std::string(to_string(result.dns_status));
        case ApplyStatus::StoreFailed:
            return "database failure";
        case ApplyStatus::InDoubt:
            return "database commit outcome unknown; host marked in doubt";
        case ApplyStatus::Gone:
            return "host removed meanwhile";
        case ApplyStatus::Blocked:
            return "host blocked";
        case ApplyStatus::Abuse:
            return "too many unchanged updates (retry in " +
                   std::to_string(result.retry_after.count()) + " s)";
        case ApplyStatus::Changed:
        case ApplyStatus::Unchanged:
            break;
    }
    return {};
}

}  // namespace

auth::AuditHost audit_applied(const auth::Host& host, const HostApplyResult& result) {
    auth::AuditHost out;
    out.host_id = host.id;
    out.name = host.name.str();
    out.detail = failure_detail(result);
    const bool changed = result.status == ApplyStatus::Changed;
    out.ipv4_changed =
        changed && (result.ipv4 != host.ipv4 || result.extra_ipv4 != host.extra_ipv4);
    out.ipv6_changed = changed && result.ipv6 != host.ipv6;
    return out;
}

std::vector<auth::AuditHost> audit_derived(const auth::Host& router,
                                           const HostApplyResult& result) {
    std::vector<auth::AuditHost> out;
    for (const DerivedApplied& d : result.derived) {
        auth::AuditHost entry;
        entry.host_id = d.host->id;
        entry.name = d.host->name.str();
        entry.detail = "derived from " + router.name.str();
        entry.ipv6_changed = d.ipv6 != d.host->ipv6 || (d.offline && !d.host->offline);
        entry.ipv4_changed = d.offline && !d.host->offline && d.host->ipv4.has_value();
        out.push_back(std::move(entry));
    }
    return out;
}

void append_derived(auth::AuditNote& note, std::vector<auth::AuditHost> derived,
                    std::string_view word) {
    for (auth::AuditHost& entry : derived) {
        entry.outcome = std::string(word);
        note.hosts.push_back(std::move(entry));
    }
}

void AuditFacts::about(const auth::Host& h) {
    auth::AuditHost entry;
    entry.host_id = h.id;
    entry.name = h.name.str();
    host = std::move(entry);
}

void AuditFacts::applied_to(const auth::Host& h, const HostApplyResult& result) {
    host = audit_applied(h, result);
    applied = result.status;
    derived = audit_derived(h, result);
}

std::string audit_name(std::string_view raw) {
    const auto name = DnsName::parse(raw);
    return name ? name->str() : std::string(raw);
}

std::string audit_word(std::string_view wire) {
    std::string out;
    bool gap = false;
    for (char c : wire) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) == 0) {
            gap = true;
            continue;
        }
        if (gap && !out.empty()) out += '-';
        gap = false;
        out += static_cast<char>(std::tolower(byte));
    }
    return out;
}

}  // namespace ddns::gateway
