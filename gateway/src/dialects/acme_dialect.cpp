#include "ddns/gateway/dialects/acme_dialect.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>
#include <utility>

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
    if (code == AcmeCode::Throttled)
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
    if (!body) return acme_answer(ask.api, AcmeCode::BadRequest, realm_);
    ask.name = std::move(body->first);
    ask.value = std::move(body->second);
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
    if (!body) return acme_answer(ask.api, AcmeCode::BadRequest, realm_);
    ask.name = std::move(body->first);
    ask.value = std::move(body->second);
    return answer(request, std::move(ask));
}

Response AcmeDialect::answer(const RequestView& request, Ask ask) {
    std::string why;
    Response r = run_steps(
        log_, "acme", [&] { return run(request, ask, why); },
        [&] { return acme_answer(ask.api, AcmeCode::ServerError, realm_); });
    log_.info(log_start("acme", request) + (ask.remove ? " cleanup" : " present") +
              " name=" + ask.name + " status=" + std::to_string(r.status) +
              (why.empty() ? "" : " (" + why + ")"));
    return r;
}

Response AcmeDialect::run(const RequestView& request, const Ask& ask, std::string& why) {
    // The request's own faults first: they cost no credential check.
    if (!valid_challenge_value(ask.value)) return acme_answer(ask.api, AcmeCode::BadValue, realm_);
    const auto host_name = host_named(ask.api, ask.name);
    if (!host_name) return acme_answer(ask.api, AcmeCode::BadName, realm_);

    const auth::AuthOutcome outcome = authenticator_.authenticate(
        ask.user, ask.secret, auth::CredentialPolicy::PasswordOrToken, request.client);
    std::optional<std::int64_t> account_id;
    if (auto refusal = refusal_of(outcome, kAuthWords, account_id))
        return acme_answer(ask.api, *refusal, realm_, {}, {}, outcome.retry_after);

    const auth::Principal& principal = *outcome.principal;
    const auto it = std::find_if(principal.hosts.begin(), principal.hosts.end(),
                                 [&](const auth::Host& h) { return h.name == *host_name; });
    if (it == principal.hosts.end() || !principal.may_answer_challenge(*it) || it->blocked) {
        why = "not this credential's host";
        return acme_answer(ask.api, AcmeCode::NotAllowed, realm_);
    }
    const ChallengeOutcome done =
        ask.remove ? challenges_.cleanup(*it, ask.value) : challenges_.present(*it, ask.value);
    const std::string fqdn = challenge_name(it->name)->fqdn();
    return acme_answer(ask.api, code_of(done), realm_, fqdn, ask.value);
}

}  // namespace ddns::gateway
