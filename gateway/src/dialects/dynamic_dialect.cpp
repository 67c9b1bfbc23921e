#include "ddns/gateway/dialects/dynamic_dialect.hpp"

#include <algorithm>
#include <utility>

#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/core/ipv6_prefix.hpp"
#include "ddns/gateway/dialects/audit_facts.hpp"
#include "ddns/gateway/dialects/update_steps.hpp"

namespace ddns::gateway {
namespace {

// Error bodies never contain "ok" in any case: clients that search the body for their success
// string (inadyn's defaults include "OK", matched case-insensitively) must not find it there.
struct Wire {
    int status;
    const char* reason;  // HTTP reason phrase, also in the Status header
    const char* body;
};

Wire wire_of(DynamicOutcome outcome) {
    switch (outcome) {
        case DynamicOutcome::Ok:
            return {200, "OK", "OK"};
        case DynamicOutcome::MissingCredentials:
            // protocols.md §0: the same body for every dialect's challenge.
            return {401, "Unauthorized", "badauth"};
        case DynamicOutcome::MethodNotAllowed:
            return {405, "Method Not Allowed", "method not allowed"};
        case DynamicOutcome::MissingHost:
            return {400, "Bad Request", "missing host"};
        case DynamicOutcome::InvalidHost:
            return {400, "Bad Request", "invalid host"};
        case DynamicOutcome::InvalidAddress:
            return {400, "Bad Request", "invalid address"};
        case DynamicOutcome::RefusedAddress:
            return {400, "Bad Request", "address not allowed"};
        case DynamicOutcome::BadCredentials:
            return {403, "Forbidden", "bad credentials"};
        case DynamicOutcome::UpdatesDisabled:
            return {403, "Forbidden", "dynamic updates disabled"};
        case DynamicOutcome::AccountDisabled:
            return {403, "Forbidden", "account disabled"};
        case DynamicOutcome::AccountExpired:
            return {403, "Forbidden", "account expired"};
        case DynamicOutcome::Throttled:
            return {429, "Too Many Requests", "too many failed logins"};
        case DynamicOutcome::TooManyUnchanged:
            return {429, "Too Many Requests", "too many unchanged updates"};
        case DynamicOutcome::Blocked:
            return {403, "Forbidden", "blocked"};
        case DynamicOutcome::HostNotFound:
            return {404, "Not Found", "host not found"};
        case DynamicOutcome::DnsFailure:
            return {502, "Bad Gateway", "dns update failed"};
        case DynamicOutcome::BackendFailure:
            return {503, "Service Unavailable", "backend unavailable"};
    }
    return {503, "Service Unavailable", "backend unavailable"};
}

// `user` + `password` in the query, else Basic credentials. A query naming either parameter is
// taken as the caller's choice even when the other is missing (that is a bad credential, not a
// missing one). nullopt only when the request carries no credentials at all.
std::optional<BasicCredentials> credentials_of(const RequestView& request) {
    const auto user = request.query.get("user");
    const auto password = request.query.get("password");
    if (user || password) return BasicCredentials{user.value_or(""), Secret(password.value_or(""))};
    const auto authorization = request.header("Authorization");
    return authorization ? parse_basic_authorization(*authorization) : std::nullopt;
}

// /dynamic's answers to the shared outcomes: each its own status and words.
constexpr OutcomeWords<DynamicOutcome> kWords{.bad_credentials = DynamicOutcome::BadCredentials,
                                              .account_disabled = DynamicOutcome::AccountDisabled,
                                              .account_expired = DynamicOutcome::AccountExpired,
                                              .account_blocked = DynamicOutcome::Blocked,
                                              .throttled = DynamicOutcome::Throttled,
                                              .changed = DynamicOutcome::Ok,
                                              .unchanged = DynamicOutcome::Ok,
                                              .dns_failed = DynamicOutcome::DnsFailure,
                                              .backend_failed = DynamicOutcome::BackendFailure,
                                              .gone = DynamicOutcome::HostNotFound,
                                              .host_blocked = DynamicOutcome::Blocked,
                                              .over_budget = DynamicOutcome::TooManyUnchanged};

}  // namespace

struct DynamicDialect::LogContext {
    std::string user = "-";
    std::string username;  // as presented, for the update log
    std::string host = "-";
    std::string address = "-";
    std::chrono::seconds retry_after{0};
    AuditFacts audit;
};

Response render_dynamic(DynamicOutcome outcome, const std::string& realm,
                        std::chrono::seconds retry_after) {
    const Wire w = wire_of(outcome);
    Response r = Response::text(w.status, w.reason, w.body);
    r.headers.push_back({"Status", std::to_string(w.status) + " " + w.reason});
    if (outcome == DynamicOutcome::MissingCredentials)
        r.headers.push_back({"WWW-Authenticate", "Basic realm=\"" + realm + "\""});
    if (outcome == DynamicOutcome::MethodNotAllowed)
        r.headers.push_back({"Allow", "GET, POST, HEAD"});
    if (outcome == DynamicOutcome::Throttled || outcome == DynamicOutcome::TooManyUnchanged)
        r.headers.push_back(
            {"Retry-After", std::to_string(std::max<long long>(1, retry_after.count()))});
    return r;
}

auth::FaultClass dynamic_fault(DynamicOutcome outcome) noexcept {
    switch (outcome) {
        case DynamicOutcome::Ok:
        case DynamicOutcome::MissingCredentials:
            return auth::FaultClass::None;
        case DynamicOutcome::BadCredentials:
        case DynamicOutcome::AccountDisabled:
        case DynamicOutcome::AccountExpired:
            return auth::FaultClass::Auth;
        case DynamicOutcome::DnsFailure:
        case DynamicOutcome::BackendFailure:
            return auth::FaultClass::Server;
        case DynamicOutcome::MethodNotAllowed:
        case DynamicOutcome::MissingHost:
        case DynamicOutcome::InvalidHost:
        case DynamicOutcome::InvalidAddress:
        case DynamicOutcome::RefusedAddress:
        case DynamicOutcome::UpdatesDisabled:
        case DynamicOutcome::Throttled:
        case DynamicOutcome::TooManyUnchanged:
        case DynamicOutcome::Blocked:
        case DynamicOutcome::HostNotFound:
            return auth::FaultClass::Client;
    }
    return auth::FaultClass::Client;
}

auth::AuditNote dynamic_audit(DynamicOutcome outcome, std::string_view username,
                              std::string_view host, const AuditFacts& facts) {
    auth::AuditNote note;
    note.dialect = "dynamic";
    note.account_id = facts.account_id;
    note.username = std::string(username);
    auth::AuditHost entry;
    if (facts.host)
        entry = *facts.host;
    else
        entry.name = audit_name(text::trim(host));
    entry.outcome = audit_word(wire_of(outcome).body);
    entry.fault = dynamic_fault(outcome);
    const std::string word = entry.outcome;
    note.hosts.push_back(std::move(entry));
    append_derived(note, facts.derived, word);  // the router's word: /dynamic has one for both
    return note;
}

std::optional<IpAddress> parse_dynamic_address(const QueryParams& query, const IpAddress& client) {
    const std::string ip = query.get("ip").value_or("");
    if (text::trim(ip).empty()) return client;
    return IpAddress::parse(text::trim(ip));
}

DynamicDialect::DynamicDialect(auth::Authenticator& authenticator, UpdateService& updates,
                               const AddressPolicy& policy, const Logger& log,
                               std::function<auth::TimePoint()> clock, DynamicOptions options)
    : authenticator_(authenticator),
      updates_(updates),
      policy_(policy),
      log_(log),
      clock_(std::move(clock)),
      options_(std::move(options)) {}

Response DynamicDialect::handle(const RequestView& request) {
    LogContext context;
    const DynamicOutcome outcome = run_steps(
        log_, "dynamic", [&] { return process(request, context); },
        [] { return DynamicOutcome::BackendFailure; });
    return answer(request, outcome, context);
}

Response DynamicDialect::refuse_method(const RequestView& request) {
    LogContext context;
    // The update log records the username even for a refused method.
    if (const auto credentials = credentials_of(request)) context.username = credentials->username;
    return answer(request, DynamicOutcome::MethodNotAllowed, context);
}

Response DynamicDialect::answer(const RequestView& request, DynamicOutcome outcome,
                                const LogContext& context) const {
    Response response = render_dynamic(outcome, options_.realm, context.retry_after);
    if (log_.enabled(LogLevel::Info))
        log_.info(log_start("dynamic", request) + " user=" + context.user +
                  " host=" + context.host + " ip=" + context.address +
                  " result=" + std::to_string(response.status) + " " + response.body);
    response.audit = dynamic_audit(outcome, context.username,
                                   request.query.get("host").value_or(""), context.audit);
    return response;
}

DynamicOutcome DynamicDialect::process(const RequestView& request, LogContext& context) {
    auto credentials = credentials_of(request);
    if (!credentials) return DynamicOutcome::MissingCredentials;
    context.username = credentials->username;
    context.user = text::printable(credentials->username, 255);

    // The secret must be an update token: a leaked router configuration then never exposes the
    // account password, and the token can be revoked on its own.
    const auth::AuthOutcome auth =
        authenticator_.authenticate(credentials->username, credentials->password,
                                    auth::CredentialPolicy::TokenOnly, request.client);
    if (const auto refused = refusal_of(auth, kWords, context.audit.account_id)) {
        if (*refused == DynamicOutcome::Throttled) context.retry_after = auth.retry_after;
        return *refused;
    }
    const auth::Principal& principal = *auth.principal;
    if (!principal.account.dynamic_updates) return DynamicOutcome::UpdatesDisabled;

    const std::string host_text = request.query.get("host").value_or("");
    if (text::trim(host_text).empty()) return DynamicOutcome::MissingHost;
    context.host = text::printable(host_text, 255);
    // Not trimmed: outer whitespace makes it no host name rather than another spelling of one.
    const auto name = DnsName::parse(host_text);
    if (!name || !name->is_hostname()) return DynamicOutcome::InvalidHost;
    context.host = name->str();

    const auto address = parse_dynamic_address(request.query, request.client);
    if (!address) return DynamicOutcome::InvalidAddress;
    context.address = address->to_string();
    if (!policy_.allows(*address)) return DynamicOutcome::RefusedAddress;

    // Unknown, another account's, or outside a host-scoped token: one answer, so the reply does
    // not tell which names exist elsewhere.
    const auth::Host* host = principal.updatable_host(*name);
    if (!host) return DynamicOutcome::HostNotFound;
    context.audit.about(*host);

    // The family of the address picks the record; the other family stays as it is.
    HostIntent intent{host, FamilyIntent::keep(), FamilyIntent::keep()};
    (address->is_v4() ? intent.ipv4 : intent.ipv6) = FamilyIntent::set(*address);
    intent.derived = derived_from(principal.hosts, *host);
    const auto results = updates_.apply({intent}, clock_());
    context.retry_after = results.front().retry_after;
    context.audit.applied_to(*host, results.front());
    return answer_of(kWords, results.front().status);
}

}  // namespace ddns::gateway
