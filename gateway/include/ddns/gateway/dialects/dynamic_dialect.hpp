// Zerigo-style dynamic update: /dynamic?host=FQDN&ip=ADDR[&user=LOGIN&password=TOKEN].
// Wire contract: protocols.md §2. All wire words come from render_dynamic().
#pragma once

#include <chrono>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ddns/auth/authenticator.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/core/address_policy.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "ddns/gateway/dialects/audit_facts.hpp"
#include "ddns/gateway/http/request.hpp"

namespace ddns::gateway {

// Every answer /dynamic can give, one per row of protocols.md §2 (plus the HTTP rules of §0).
enum class DynamicOutcome {
    Ok,                  // updated, or already equal
    MissingCredentials,  // no user/password and no Basic header: 401 challenge
    MethodNotAllowed,    // anything but GET, POST, HEAD
    MissingHost,         // no `host` parameter
    InvalidHost,         // `host` is not a valid host name
    InvalidAddress,      // `ip` is not an IPv4/IPv6 address
    RefusedAddress,      // the address is not publicly routable (AddressPolicy)
    BadCredentials,      // unknown user, wrong token, or the account password instead of a token
    UpdatesDisabled,     // the account has not been switched on for /dynamic
    AccountDisabled,
    AccountExpired,
    Throttled,         // too many failed logins from this address: 429 with Retry-After
    TooManyUnchanged,  // the host is over its no-change budget: 429 with Retry-After
    Blocked,           // the operator blocked the account or the host: 403
    HostNotFound,      // unknown, another account's, or outside a host-scoped token
    DnsFailure,        // BIND refused, timed out, or TSIG failed
    BackendFailure,    // the database failed
};

// The only place /dynamic's wire words are spelled: status code and reason, the body (a short
// reason; `OK` on success), and the `Status: <code> <reason>` header every answer carries (old
// inadyn builds read it instead of the status line).
// `retry_after` is sent as `Retry-After` with Throttled and TooManyUnchanged.
Response render_dynamic(DynamicOutcome outcome, const std::string& realm,
                        std::chrono::seconds retry_after = {});

// Which address the request asks for: `ip` when present and non-empty, else the client address
// (protocols.md §6). nullopt when `ip` does not parse.
std::optional<IpAddress> parse_dynamic_address(const QueryParams& query, const IpAddress& client);

// Whose fault an answer is, for the host counters: DNS and backend failures are the server's,
// wrong credentials and a disabled or expired account are auth faults, the Basic challenge is
// none, everything else (bad parameters, refused address, unknown host, throttled) the client's.
auth::FaultClass dynamic_fault(DynamicOutcome outcome) noexcept;

// The update-log note of a request: one entry with the body as its word (audit_word), about the
// host in `facts` once the request got that far, else about the `host` parameter as sent (so wrong
// credentials reach the host they name; see auth::AuditHost).
auth::AuditNote dynamic_audit(DynamicOutcome outcome, std::string_view username,
                              std::string_view host, const AuditFacts& facts);

struct DynamicOptions {
    std::string realm = "ddns-gateway";
};

class DynamicDialect {
public:
    DynamicDialect(auth::Authenticator& authenticator, UpdateService& updates,
                   const AddressPolicy& policy, const Logger& log,
                   std::function<auth::TimePoint()> clock, DynamicOptions options);

    // A request with a method the route table lets through (GET, POST, HEAD).
    Response handle(const RequestView& request);
    // Any other method: 405 with Allow (MethodNotAllowed), the username still in the update log.
    Response refuse_method(const RequestView& request);

private:
    struct LogContext;  // what the log line says about a request (never the token)
    DynamicOutcome process(const RequestView& request, LogContext& context);
    Response answer(const RequestView& request, DynamicOutcome outcome,
                    const LogContext& context) const;

    auth::Authenticator& authenticator_;
    UpdateService& updates_;
    const AddressPolicy& policy_;
    const Logger& log_;
    std::function<auth::TimePoint()> clock_;
    DynamicOptions options_;
};

}  // namespace ddns::gateway
