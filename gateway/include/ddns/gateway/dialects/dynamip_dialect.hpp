// DynamIP-style heartbeat: /Login/updateip.asp?SiteID=HOST&Password=PW&IPAddr=IP|AUTO&ProgVer=1.0.
// Wire contract: protocols.md §5. The caller names a host (SiteID), not an account; parameter
// names are case-insensitive (classic ASP). All wire words come from render_dynamip().
#pragma once

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
#include "ddns/nsupdate/dns_name.hpp"
#include "ddns/nsupdate/expected.hpp"

namespace ddns::gateway {

enum class DynamipCode {
    Updated,            // DNS holds the address (changed now or already equal)
    MissingParameters,  // no SiteID or no Password
    BadMethod,          // neither GET, POST nor HEAD
    MalformedAddress,   // IPAddr is neither AUTO nor an IPv4/IPv6 address
    AddressNotAllowed,  // the address is not publicly routable (protocols.md §6)
    InvalidPassword,    // wrong password/token, unknown or invalid SiteID (indistinguishable)
    AccountDisabled,    // reported only after the credential was accepted
    AccountExpired,     // reported only after the credential was accepted
    Throttled,          // too many failed logins from this address for this SiteID
    TooManyUpdates,     // the site is over its no-change budget ({{{Too Many Updates|...}}})
    Blocked,            // the operator blocked the account or the site ({{{Blocked|...}}})
    DnsFailure,         // BIND refused, timed out, or TSIG failed: nothing changed
    ServerError,        // the gateway's own backend (database) failed: nothing changed
};

struct DynamipOutcome {
    DynamipCode code = DynamipCode::ServerError;
    // Only for Updated:
    std::string site;                           // the SiteID as the client sent it
    std::optional<IpAddress> address;           // the address DNS now holds
    std::optional<auth::TimePoint> expires_at;  // the account's expiry; nullopt: never
    auth::TimePoint now{};                      // when the request was served (for Remain)
    std::chrono::seconds retry_after{0};        // only for Throttled and TooManyUpdates
};

// The only place DynamIP wire words are spelled. Always HTTP 200, text/plain, lines ending in
// "\r\n". Success is three lines:
//   IP Address for <SiteID> set to <ip>
//   Expiry[[[<M/D/YYYY h:mm:ss AM>]]]
//   Remain[[[<whole hours until the account expires>]]]
// An account without expiry shows 1/1/2100 12:00:00 AM and the hours until then. Errors are one
// line: {{{<Title>|<Description>}}}.
Response render_dynamip(const DynamipOutcome& outcome);

// "M/D/YYYY h:mm:ss AM" in UTC: no zero padding on month, day and hour, 12-hour clock
// (midnight is 12:00:00 AM, noon 12:00:00 PM), as in DynamIP's "4/2/2008 5:24:41 PM".
std::string format_dynamip_time(auth::TimePoint t);

// The parameters of a request (names case-insensitive, classic ASP), before any decision that
// needs the database: what the caller sent, read once.
struct DynamipRequest {
    std::string site_text;        // SiteID, trimmed (non-empty)
    std::optional<DnsName> site;  // nullopt: SiteID is not a DNS name
    Secret password;              // as sent (non-empty)
    bool auto_address = false;    // IPAddr absent, empty or AUTO (any case): the client's address
    std::optional<IpAddress> address;  // IPAddr otherwise; nullopt: malformed
};
// MissingParameters without a SiteID or a Password.
Expected<DynamipRequest, DynamipCode> parse_dynamip_request(const QueryParams& query);

// Whose fault an answer is, for the host counters: DNS and backend failures are the server's,
// a wrong password and a disabled or expired account are auth faults, the rest (missing or bad
// parameters, refused address, throttled) the client's.
auth::FaultClass dynamip_fault(DynamipCode code) noexcept;

// The update-log note of a request: one entry about the host in `facts` once the request got
// that far, else about the SiteID as sent (which names the host, so a wrong password is charged
// to it). The word is the error title as one word ("invalid-password"), or "updated". Invalid
// Password without an auth fault: a SiteID that is no host name, or a host removed meanwhile
// (client).
auth::AuditNote dynamip_audit(DynamipCode code, std::string_view site, const AuditFacts& facts);

class DynamipDialect {
public:
    DynamipDialect(auth::Authenticator& authenticator, UpdateService& updates,
                   const AddressPolicy& policy, const Logger& log,
                   std::function<auth::TimePoint()> clock);

    // A request with a method the route table lets through (GET, POST, HEAD).
    Response handle(const RequestView& request);
    // Any other method: {{{Invalid Request|...}}} (protocols.md §0).
    Response refuse_method(const RequestView& request);

private:
    DynamipOutcome process(const RequestView& request, auth::TimePoint now, AuditFacts& audit);
    Response answer(const RequestView& request, const DynamipOutcome& outcome,
                    const AuditFacts& audit) const;

    auth::Authenticator& authenticator_;
    UpdateService& updates_;
    const AddressPolicy& policy_;
    const Logger& log_;
    std::function<auth::TimePoint()> clock_;
};

}  // namespace ddns::gateway
