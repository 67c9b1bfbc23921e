// What a dialect gathers for its update-log note while serving a request (see audit_log.hpp for
// the path from the note to the update_log table). Kept apart from audit_log.hpp, which needs
// the router, so dialect headers can include it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/audit.hpp"
#include "ddns/gateway/core/update_service.hpp"

namespace ddns::gateway {

// What a dialect learned about a request while serving it, for its audit note. Filled in as the
// request gets further, so an early answer (a refused address, say) still names the account and
// the host it was about; the dialect's outcome then gives the word and the fault class.
struct AuditFacts {
    std::optional<std::int64_t> account_id;  // the credential was accepted (even if disabled)
    std::optional<auth::AuditHost> host;     // the account's host the request is about
    std::optional<ApplyStatus> applied;      // what UpdateService answered for it
    // The hosts derived from it that the update changed (audit_derived), without their word.
    std::vector<auth::AuditHost> derived;

    void about(const auth::Host& h);  // the request is about h (of the authenticated account)
    void applied_to(const auth::Host& h, const HostApplyResult& result);
};

// The audit entry of a host an update was applied to: its id and name, which families BIND
// changed (compared with the state loaded with the credentials) and, for a failure, why. The
// dialect adds its outcome word and fault class.
auth::AuditHost audit_applied(const auth::Host& host, const HostApplyResult& result);

// The update-log entries of the hosts derived from `router` that the update changed along with it
// (HostApplyResult::derived, protocols.md §9): one line each, about that host, naming the router
// in the detail, with which families BIND changed; no outcome word yet.
std::vector<auth::AuditHost> audit_derived(const auth::Host& router, const HostApplyResult& result);
// Appends `derived` to the note with the dialect's `word` (no fault: the change went through).
void append_derived(auth::AuditNote& note, std::vector<auth::AuditHost> derived,
                    std::string_view word);

// A name as the client sent it, normalised when it parses (so the writer matches stored names).
std::string audit_name(std::string_view raw);

// A wire phrase as one log word: lower case, each run of other characters than letters and
// digits one '-' ("Error:Invalid Password" -> "error-invalid-password"), so `admin log` keeps
// one word per column.
std::string audit_word(std::string_view wire);

}  // namespace ddns::gateway
