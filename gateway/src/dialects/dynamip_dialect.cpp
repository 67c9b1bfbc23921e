#include "ddns/gateway/dialects/dynamip_dialect.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>

#include "ddns/auth/lifecycle.hpp"
#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/core/ipv6_prefix.hpp"
#include "ddns/gateway/dialects/audit_facts.hpp"
#include "ddns/gateway/dialects/update_steps.hpp"

namespace ddns::gateway {
namespace {

using text::iequals;
using text::trim;

// What an account without expiry shows: a real, ordinary date. The old clients may parse it
// and do date arithmetic with it; 12/31/9999, the last date VB6, Delphi and .NET can hold, is
// one step of arithmetic away from an overflow.
constexpr auto kNoExpiry = std::chrono::sys_days{std::chrono::year{2100} / 1 / 1};

std::string two_digits(long long value) {
    return (value < 10 ? "0" : "") + std::to_string(value);
}

// DynamIP's answers to the shared outcomes. A host removed meanwhile is Invalid Password, like
// an unknown SiteID.
constexpr OutcomeWords<DynamipCode> kWords{.bad_credentials = DynamipCode::InvalidPassword,
                                           .account_disabled = DynamipCode::AccountDisabled,
                                           .account_expired = DynamipCode::AccountExpired,
                                           .account_blocked = DynamipCode::Blocked,
                                           .throttled = DynamipCode::Throttled,
                                           .changed = DynamipCode::Updated,
                                           .unchanged = DynamipCode::Updated,
                                           .dns_failed = DynamipCode::DnsFailure,
                                           .backend_failed = DynamipCode::ServerError,
                                           .gone = DynamipCode::InvalidPassword,
                                           .host_blocked = DynamipCode::Blocked,
                                           .over_budget = DynamipCode::TooManyUpdates};

DynamipOutcome fail(DynamipCode code, std::chrono::seconds retry_after = {}) {
    DynamipOutcome outcome;
    outcome.code = code;
    outcome.retry_after = retry_after;
    return outcome;
}

}  // namespace

std::string format_dynamip_time(auth::TimePoint t) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(t);
    const auto date = floor<days>(secs);
    const year_month_day ymd{date};
    const hh_mm_ss clock{secs - date};
    const long long hour = clock.hours().count();
    const long long hour12 = hour % 12 == 0 ? 12 : hour % 12;
    return std::to_string(static_cast<unsigned>(ymd.month())) + "/" +
           std::to_string(static_cast<unsigned>(ymd.day())) + "/" +
           std::to_string(static_cast<int>(ymd.year())) + " " + std::to_string(hour12) + ":" +
           two_digits(clock.minutes().count()) + ":" + two_digits(clock.seconds().count()) +
           (hour < 12 ? " AM" : " PM");
}

Response render_dynamip(const DynamipOutcome& outcome) {
    constexpr std::string_view kEol = "\r\n";
    auto error = [&](std::string_view title, std::string_view description) {
        return Response::text(200, "OK",
                              "{{{" + std::string(title) + "|" + std::string(description) + "}}}" +
                                  std::string(kEol));
    };
    switch (outcome.code) {
        case DynamipCode::Updated: {
            const auth::TimePoint expiry = outcome.expires_at.value_or(auth::TimePoint(kNoExpiry));
            const auto remain = std::max<long long>(
                0, std::chrono::floor<std::chrono::hours>(expiry - outcome.now).count());
            const std::string address = outcome.address ? outcome.address->to_string() : "";
            return Response::text(
                200, "OK",
                "IP Address for " + outcome.site + " set to " + address + std::string(kEol) +
                    "Expiry[[[" + format_dynamip_time(expiry) + "]]]" + std::string(kEol) +
                    "Remain[[[" + std::to_string(remain) + "]]]" + std::string(kEol));
        }
        case DynamipCode::MissingParameters:
            return error("Missing Parameters", "SiteID and Password are required");
        case DynamipCode::BadMethod:
            return error("Invalid Request", "Send the update as a GET request");
        case DynamipCode::MalformedAddress:
            return error("Invalid IP Address", "IPAddr must be AUTO or an IPv4 or IPv6 address");
        case DynamipCode::AddressNotAllowed:
            return error("Invalid IP Address", "The address is not reachable from the Internet");
        case DynamipCode::InvalidPassword:
            return error("Invalid Password", "The SiteID or the password is not correct");
        case DynamipCode::AccountDisabled:
            return error("Account Disabled", "The account has been disabled by the operator");
        case DynamipCode::AccountExpired:
            return error("Account Expired", "The account has expired; renew it to resume updates");
        case DynamipCode::Throttled: {
            Response r = error("Too Many Attempts",
                               "Too many failed logins from this address; try again in " +
                                   std::to_string(outcome.retry_after.count()) + " seconds");
            r.headers.push_back({"Retry-After", std::to_string(outcome.retry_after.count())});
            return r;
        }
        case DynamipCode::TooManyUpdates: {
            Response r = error("Too Many Updates", "The address has not changed; wait " +
                                                       std::to_string(outcome.retry_after.count()) +
                                                       " seconds before the next update");
            r.headers.push_back({"Retry-After", std::to_string(outcome.retry_after.count())});
            return r;
        }
        case DynamipCode::Blocked:
            return error("Blocked", "Updates of this site have been blocked by the operator");
        case DynamipCode::DnsFailure:
            return error("Server Error",
                         "The DNS server did not accept the update; try again later");
        case DynamipCode::ServerError:
            return error("Server Error", "The service is temporarily unavailable; try again later");
    }
    return error("Server Error", "The service is temporarily unavailable; try again later");
}

auth::FaultClass dynamip_fault(DynamipCode code) noexcept {
    switch (code) {
        case DynamipCode::Updated:
            return auth::FaultClass::None;
        case DynamipCode::InvalidPassword:
        case DynamipCode::AccountDisabled:
        case DynamipCode::AccountExpired:
            return auth::FaultClass::Auth;
        case DynamipCode::DnsFailure:
        case DynamipCode::ServerError:
            return auth::FaultClass::Server;
        case DynamipCode::MissingParameters:
        case DynamipCode::BadMethod:
        case DynamipCode::MalformedAddress:
        case DynamipCode::AddressNotAllowed:
        case DynamipCode::Throttled:
        case DynamipCode::TooManyUpdates:
        case DynamipCode::Blocked:
            return auth::FaultClass::Client;
    }
    return auth::FaultClass::Client;
}

auth::AuditNote dynamip_audit(DynamipCode code, std::string_view site, const AuditFacts& facts) {
    auth::AuditNote note;
    note.dialect = "dynamip";
    note.account_id = facts.account_id;
    auth::AuditHost entry;
    if (facts.host)
        entry = *facts.host;
    else
        entry.name = audit_name(trim(site));
    entry.fault = dynamip_fault(code);
    const bool no_such_host = !DnsName::parse(trim(site)) || facts.applied == ApplyStatus::Gone;
    if (code == DynamipCode::InvalidPassword && no_such_host)
        entry.fault = auth::FaultClass::Client;
    if (code == DynamipCode::Updated) {
        entry.outcome = "updated";
    } else {
        // The title of "{{{Title|Description}}}": the words the client shows.
        DynamipOutcome outcome;
        outcome.code = code;
        const std::string body = render_dynamip(outcome).body;
        entry.outcome = audit_word(body.substr(3, body.find('|') - 3));
    }
    const std::string word = entry.outcome;
    note.hosts.push_back(std::move(entry));
    append_derived(note, facts.derived, word);  // DynamIP says "updated" for both
    return note;
}

DynamipDialect::DynamipDialect(auth::Authenticator& authenticator, UpdateService& updates,
                               const AddressPolicy& policy, const Logger& log,
                               std::function<auth::TimePoint()> clock)
    : authenticator_(authenticator),
      updates_(updates),
      policy_(policy),
      log_(log),
      clock_(std::move(clock)) {}

Response DynamipDialect::handle(const RequestView& request) {
    AuditFacts audit;
    const DynamipOutcome outcome = run_steps(
        log_, "dynamip", [&] { return process(request, clock_(), audit); },
        [] { return fail(DynamipCode::ServerError); });
    return answer(request, outcome, audit);
}

Response DynamipDialect::refuse_method(const RequestView& request) {
    return answer(request, fail(DynamipCode::BadMethod), AuditFacts{});
}

Response DynamipDialect::answer(const RequestView& request, const DynamipOutcome& outcome,
                                const AuditFacts& audit) const {
    Response response = render_dynamip(outcome);
    if (log_.enabled(LogLevel::Info)) {
        // The SiteID is logged only in its validated form: raw, it could carry anything.
        const auto site = DnsName::parse(trim(request.query.get_nocase("SiteID").value_or("")));
        log_.info(log_start("dynamip", request) +
                  " site=" + (site ? site->str() : std::string("-")) + " result=\"" +
                  response.body.substr(0, response.body.find('\r')) + "\"");
    }
    response.audit =
        dynamip_audit(outcome.code, request.query.get_nocase("SiteID").value_or(""), audit);
    return response;
}

Expected<DynamipRequest, DynamipCode> parse_dynamip_request(const QueryParams& query) {
    // Classic ASP: parameter names in any case.
    DynamipRequest out;
    // Not trimmed: outer whitespace makes it no name rather than another spelling of one.
    out.site_text = query.get_nocase("SiteID").value_or("");
    const auto password = query.get_nocase("Password");
    if (out.site_text.empty() || !password || password->empty())
        return Unexpected{DynamipCode::MissingParameters};
    out.site = DnsName::parse(out.site_text);
    out.password = Secret(*password);
    const std::string wanted(trim(query.get_nocase("IPAddr").value_or("")));
    out.auto_address = wanted.empty() || iequals(wanted, "AUTO");
    if (!out.auto_address) out.address = IpAddress::parse(wanted);
    return out;
}

DynamipOutcome DynamipDialect::process(const RequestView& request, auth::TimePoint now,
                                       AuditFacts& audit) {
    auto parsed = parse_dynamip_request(request.query);
    if (!parsed) return fail(parsed.error());
    const std::string& site_text = parsed->site_text;
    // Not a DNS name: no such host can exist, so the answer is the one for an unknown SiteID.
    const auto& site = parsed->site;
    if (!site) return fail(DynamipCode::InvalidPassword);

    auth::AuthOutcome auth =
        authenticator_.authenticate_host(*site, std::move(parsed->password),
                                         auth::CredentialPolicy::PasswordOrToken, request.client);
    if (const auto refused = refusal_of(auth, kWords, audit.account_id))
        return fail(*refused,
                    *refused == DynamipCode::Throttled ? auth.retry_after : std::chrono::seconds{});
    const auth::Principal& principal = *auth.principal;
    // authenticate_host already checked this (Principal::may_update); asked again, not assumed.
    const auth::Host* host = principal.updatable_host(*site);
    if (!host) return fail(DynamipCode::InvalidPassword);
    audit.about(*host);

    // IPAddr=AUTO (any case), empty or absent: the address the request came from (protocols.md §6).
    const std::optional<IpAddress> address =
        parsed->auto_address ? std::optional(request.client) : parsed->address;
    if (!address) return fail(DynamipCode::MalformedAddress);
    if (!policy_.allows(*address)) return fail(DynamipCode::AddressNotAllowed);

    // Only the family of the address changes; the other is left alone.
    HostIntent intent{host, FamilyIntent::keep(), FamilyIntent::keep()};
    (address->is_v4() ? intent.ipv4 : intent.ipv6) = FamilyIntent::set(*address);
    intent.derived = derived_from(principal.hosts, *host);
    // The protocol's own 20-minute timeout where neither host nor zone set one (§5).
    intent.protocol_heartbeat = auth::kDynamipHeartbeat;
    const HostApplyResult result = updates_.apply({intent}, now).front();
    audit.applied_to(*host, result);
    if (const DynamipCode code = answer_of(kWords, result.status); code != DynamipCode::Updated)
        return fail(code, result.status == ApplyStatus::Abuse ? result.retry_after
                                                              : std::chrono::seconds{});
    return DynamipOutcome{DynamipCode::Updated, site_text, address, principal.account.expires_at,
                          now};
}

}  // namespace ddns::gateway
