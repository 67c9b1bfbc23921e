#include "ddns/gateway/dialects/acme_dialect.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "ddns/gateway/dialects/audit_facts.hpp"
#include "ddns/gateway/dialects/update_steps.hpp"

namespace ddns::gateway {
namespace {

struct Words {
    int status;
    const char* reason;
    const char* error;  // nullptr for Ok
};

Words words_of(AcmeCode code) {
    switch (code) {
        case AcmeCode::Ok:
            return {200, "OK", nullptr};
        case AcmeCode::BadRequest:
            return {400, "Bad Request", "bad_request"};
        case AcmeCode::BadValue:
            return {400, "Bad Request", "bad_txt"};
        case AcmeCode::BadName:
            return {400, "Bad Request", "bad_subdomain"};
        case AcmeCode::BadCredentials:
            return {401, "Unauthorized", "forbidden"};
        case AcmeCode::NotAllowed:
            return {403, "Forbidden", "forbidden"};
        case AcmeCode::AccountRefused:
            return {403, "Forbidden", "account_disabled"};
        case AcmeCode::Throttled:
            return {429, "Too Many Requests", "throttled"};
        case AcmeCode::NameConflict:
            return {409, "Conflict", "name_conflict"};
        case AcmeCode::DnsFailed:
            return {502, "Bad Gateway", "dns_failed"};
        case AcmeCode::Busy:
            return {503, "Service Unavailable", "busy"};
        case AcmeCode::ServerError:
            break;
    }
    return {500, "Internal Server Error", "server_error"};
}

const OutcomeWords<AcmeCode> kAuthWords{AcmeCode::BadCredentials,
                                        AcmeCode::AccountRefused,
                                        AcmeCode::AccountRefused,
                                        AcmeCode::AccountRefused,
                                        AcmeCode::Throttled,
                                        AcmeCode::Ok,
                                        AcmeCode::Ok,
                                        AcmeCode::DnsFailed,
                                        AcmeCode::ServerError,
                                        AcmeCode::NotAllowed,
                                        AcmeCode::NotAllowed,
                                        AcmeCode::Throttled};

// Whose fault an answer was, for the update log's fault counters (auth::FaultClass).
auth::FaultClass fault_of(AcmeCode code) {
    switch (code) {
        case AcmeCode::Ok:
            return auth::FaultClass::None;
        case AcmeCode::BadCredentials:
        case AcmeCode::AccountRefused:
            return auth::FaultClass::Auth;
        case AcmeCode::DnsFailed:
        case AcmeCode::Busy:
        case AcmeCode::ServerError:
            return auth::FaultClass::Server;
        case AcmeCode::BadRequest:
        case AcmeCode::BadValue:
        case AcmeCode::BadName:
        case AcmeCode::NotAllowed:
        case AcmeCode::Throttled:
        case AcmeCode::NameConflict:
            break;
    }
    return auth::FaultClass::Client;
}

AcmeCode code_of(ChallengeOutcome outcome) {
    switch (outcome) {
        case ChallengeOutcome::Done:
            return AcmeCode::Ok;
        case ChallengeOutcome::DnsFailed:
            return AcmeCode::DnsFailed;
        case ChallengeOutcome::Refused:
            return AcmeCode::NameConflict;
        case ChallengeOutcome::StoreFailed:
            break;
    }
    return AcmeCode::ServerError;
}

std::string challenge_detail(ChallengeOutcome outcome) {
    switch (outcome) {
        case ChallengeOutcome::DnsFailed:
            return "DNS update failed";
        case ChallengeOutcome::Refused:
            return "the challenge name holds other records";
        case ChallengeOutcome::StoreFailed:
            return "database failure";
        case ChallengeOutcome::Done:
            break;
    }
    return {};
}

bool same_nocase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// The two string fields of a JSON object body. Keys compare case-insensitively, as the Go
// servers these APIs come from decode them (goacmedns sends "SubDomain" and "Txt").
std::optional<std::pair<std::string, std::string>> read_body(const std::string& body,
                                                             std::string_view name_key,
                                                             std::string_view value_key) {
    Poco::JSON::Object::Ptr object;
    try {
        Poco::JSON::Parser parser;
        object = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (!object) return std::nullopt;
    std::optional<std::string> name;
    std::optional<std::string> value;
    for (const auto& [key, field] : *object) {
        if (!field.isString()) continue;
        if (same_nocase(key, name_key)) name = field.extract<std::string>();
        if (same_nocase(key, value_key)) value = field.extract<std::string>();
    }
    if (!name || !value) return std::nullopt;
    return std::pair{std::move(*name), std::move(*value)};
}

// The host whose challenge `sent` names: acme-dns's subdomain is the host itself (or its
// challenge name), httpreq's fqdn is always the challenge name.
std::optional<DnsName> host_named(AcmeApi api, const std::string& sent) {
    auto name = DnsName::parse(sent);
    if (!name) return std::nullopt;
    if (auto host = challenge_host(*name)) return host;
    if (api == AcmeApi::AcmeDns && name->is_hostname()) return name;
    return std::nullopt;
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;  // never in a valid name or value
        out += c;
    }
    return out + "\"";
}

}  // namespace

Response acme_answer(AcmeApi api, AcmeCode code, const std::string& realm, const std::string& name,
                     const std::string& value, std::chrono::seconds retry_after) {
    const Words w = words_of(code);
    Response r;
    r.status = w.status;
    r.reason = w.reason;
    r.content_type = "application/json";
    if (w.error == nullptr) {
        r.body = api == AcmeApi::AcmeDns ? "{\"txt\":" + json_string(value) + "}\n"
                                         : "{\"fqdn\":" + json_string(name) +
                                               ",\"value\":" + json_string(value) + "}\n";
    } else {
        r.body = std::string("{\"error\":\"") + w.error + "\"}\n";
    }
    if (code == AcmeCode::BadCredentials && api == AcmeApi::HttpReq)
        r.headers.push_back({"WWW-Authenticate", "Basic realm=\"" + realm + "\""});
    if (code == AcmeCode::Throttled || code == AcmeCode::Busy)
        r.headers.push_back(
            {"Retry-After", std::to_string(std::max<long long>(1, retry_after.count()))});
    return r;
}

bool is_acme_dns_request(const RequestView& request) {
    return request.method == "POST" && request.header("X-Api-User").has_value();
}

Response AcmeDialect::acme_dns_update(const RequestView& request) {
    Ask ask{AcmeApi::AcmeDns,
            false,
            request.header("X-Api-User").value_or(""),
            Secret(request.header("X-Api-Key").value_or("")),
            {},
            {}};
    auto body = read_body(request.body, "subdomain", "txt");
    if (body) {
        ask.name = std::move(body->first);
        ask.value = std::move(body->second);
    }
    ask.malformed = !body;
    return answer(request, std::move(ask));
}

Response AcmeDialect::present(const RequestView& request) {
    return httpreq(request, false);
}

Response AcmeDialect::cleanup(const RequestView& request) {
    return httpreq(request, true);
}

Response AcmeDialect::httpreq(const RequestView& request, bool remove) {
    Ask ask{AcmeApi::HttpReq, remove, {}, Secret(""), {}, {}};
    if (auto basic = parse_basic_authorization(request.header("Authorization").value_or(""))) {
        ask.user = std::move(basic->username);
        ask.secret = std::move(basic->password);
    }
    auto body = read_body(request.body, "fqdn", "value");
    if (body) {
        ask.name = std::move(body->first);
        ask.value = std::move(body->second);
    }
    ask.malformed = !body;
    return answer(request, std::move(ask));
}

Response AcmeDialect::answer(const RequestView& request, Ask ask) {
    Trail trail;
    trail.code = run_steps(
        log_, "acme", [&] { return run(request, ask, trail); },
        [] { return AcmeCode::ServerError; });
    Response r = acme_answer(ask.api, trail.code, realm_, trail.fqdn, ask.value, trail.retry_after);
    const std::string action = ask.remove ? "cleanup" : "present";
    log_.info(log_start("acme", request) + " " + action + " name=" + ask.name + " status=" +
              std::to_string(r.status) + (trail.why.empty() ? "" : " (" + trail.why + ")"));
    // The row's word: what was done, or the error word of the answer.
    auth::AuditHost& entry = trail.host;
    if (entry.name.empty()) entry.name = audit_name(ask.name);
    const Words w = words_of(trail.code);
    entry.outcome = w.error == nullptr ? action : w.error;
    entry.fault = fault_of(trail.code);
    if (entry.fault != auth::FaultClass::None)
        entry.detail = action + (trail.why.empty() ? "" : ": " + trail.why);
    r.audit = auth::AuditNote{ask.api == AcmeApi::AcmeDns ? "acme-dns" : "httpreq",
                              trail.account_id,
                              ask.user,
                              {},
                              {std::move(entry)}};
    return r;
}

AcmeCode AcmeDialect::run(const RequestView& request, const Ask& ask, Trail& trail) {
    // The request's own faults first: they cost no credential check.
    if (ask.malformed) return AcmeCode::BadRequest;
    if (!valid_challenge_value(ask.value)) return AcmeCode::BadValue;
    const auto host_name = host_named(ask.api, ask.name);
    if (!host_name) return AcmeCode::BadName;
    trail.host.name = host_name->str();

    const auth::AuthOutcome outcome = authenticator_.authenticate(
        ask.user, ask.secret, auth::CredentialPolicy::PasswordOrToken, request.client);
    if (outcome.status == auth::AuthStatus::Busy) {
        // No argon2 slot in time: the server's own, passing problem (as the API answers it).
        trail.retry_after = outcome.retry_after;
        trail.why = "no password-hashing slot in time";
        return AcmeCode::Busy;
    }
    if (auto refusal = refusal_of(outcome, kAuthWords, trail.account_id)) {
        trail.retry_after = outcome.retry_after;
        return *refusal;
    }

    const auth::Principal& principal = *outcome.principal;
    const auto it = std::find_if(principal.hosts.begin(), principal.hosts.end(),
                                 [&](const auth::Host& h) { return h.name == *host_name; });
    if (it == principal.hosts.end() || !principal.may_answer_challenge(*it) || it->blocked) {
        trail.why = "not this credential's host";
        return AcmeCode::NotAllowed;
    }
    trail.host.host_id = it->id;
    const ChallengeOutcome done =
        ask.remove ? challenges_.cleanup(*it, ask.value) : challenges_.present(*it, ask.value);
    trail.fqdn = challenge_name(it->name)->fqdn();
    if (done != ChallengeOutcome::Done) trail.why = challenge_detail(done);
    return code_of(done);
}

}  // namespace ddns::gateway
