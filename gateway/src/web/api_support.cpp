// The JSON API's shared pieces: field reading, JSON answers, the error mapping.
#include "api_support.hpp"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>

#include <ctime>
#include <sstream>

#include "ddns/gateway/base/text.hpp"

namespace ddns::gateway::api {
namespace {

// The status of each account error; its reason phrase comes from reason_of, like every answer's.
int status_of(AccountError e) {
    switch (e) {
        case AccountError::BadInput:
        case AccountError::LinkInvalid:
            return 400;
        case AccountError::BadCredentials:
            return 401;
        case AccountError::RegistrationClosed:
        case AccountError::BadInvite:
        case AccountError::NotVerified:
        case AccountError::AccountLocked:
        case AccountError::NotAllowed:
        case AccountError::HostLimit:
        case AccountError::Reserved:
            return 403;
        case AccountError::NotFound:
            return 404;
        case AccountError::NameTaken:
        case AccountError::InUse:
        case AccountError::Conflict:
            return 409;
        case AccountError::NotDerivable:
            return 422;
        case AccountError::Throttled:
            return 429;
        case AccountError::DnsFailed:
            return 502;
        case AccountError::Unavailable:
        case AccountError::Busy:
            return 503;
    }
    return 400;
}

const char* reason_of(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Content";
        case 429:
            return "Too Many Requests";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        default:
            return "Internal Server Error";
    }
}

template <typename T>
Response stringify(int status, const T& body) {
    std::ostringstream out;
    body->stringify(out);
    Response r;
    r.status = status;
    r.reason = reason_of(status);
    r.content_type = "application/json";
    r.body = out.str();
    r.headers.push_back({"Cache-Control", "no-store"});
    r.headers.push_back({"X-Content-Type-Options", "nosniff"});
    return r;
}

}  // namespace

std::string Fields::text(const std::string& name) {
    auto value = optional_text(name);
    if (!value && !problem_) fail(name, "is required");
    return value.value_or("");
}

std::optional<std::string> Fields::optional_text(const std::string& name) {
    if (!body_->has(name) || body_->isNull(name)) return std::nullopt;
    const auto v = body_->get(name);
    if (!v.isString()) {
        fail(name, "must be a string");
        return std::nullopt;
    }
    auto text = v.extract<std::string>();
    // JSON text is UTF-8 (RFC 8259); a value that is not would come back in answers that no
    // client can parse.
    if (!text::valid_utf8(text)) {
        fail(name, "is not valid UTF-8");
        return std::nullopt;
    }
    return text;
}

bool Fields::flag(const std::string& name) {
    if (!body_->has(name)) {
        fail(name, "is required");
        return false;
    }
    const auto v = body_->get(name);
    if (!v.isBoolean()) {
        fail(name, "must be true or false");
        return false;
    }
    return v.extract<bool>();
}

std::optional<std::optional<std::string>> Fields::nullable_text(const std::string& name) {
    if (!body_->has(name)) return std::nullopt;
    if (body_->isNull(name)) return std::optional<std::string>();
    auto value = optional_text(name);
    if (!value) return std::nullopt;
    return value;
}

std::optional<std::int64_t> Fields::optional_integer(const std::string& name) {
    if (!body_->has(name) || body_->isNull(name)) return std::nullopt;
    const auto v = body_->get(name);
    if (!v.isInteger()) {
        fail(name, "must be a whole number");
        return std::nullopt;
    }
    try {
        return v.convert<std::int64_t>();
    } catch (const Poco::Exception&) {  // beyond 64 bits (the fuzzer found the 500 it was)
        fail(name, "is out of range");
        return std::nullopt;
    }
}

std::optional<std::optional<std::int64_t>> Fields::nullable_integer(const std::string& name) {
    if (!body_->has(name)) return std::nullopt;
    if (body_->isNull(name)) return std::optional<std::int64_t>();
    auto value = optional_integer(name);
    if (!value) return std::nullopt;
    return value;
}

void Fields::fail(const std::string& name, const std::string& what) {
    if (!problem_) problem_ = "field '" + name + "' " + what;
}

std::optional<Response> Fields::problem() const {
    if (!problem_) return std::nullopt;
    return error(400, "bad_request", *problem_);
}

Poco::JSON::Object::Ptr object() {
    return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

Response json(int status, const Poco::JSON::Object::Ptr& body) {
    return stringify(status, body);
}
Response json(int status, const Poco::JSON::Array::Ptr& body) {
    return stringify(status, body);
}

Response error(int status, const std::string& code, const std::string& message) {
    auto inner = object();
    inner->set("code", code);
    inner->set("message", message);
    auto outer = object();
    outer->set("error", inner);
    return json(status, outer);
}

Response failure(const AccountFailure& f) {
    Response r = error(status_of(f.error), std::string(to_string(f.error)), f.message);
    if (f.error == AccountError::Throttled || f.error == AccountError::Busy)
        r.headers.push_back(
            {"Retry-After", std::to_string(std::max<long>(1, f.retry_after.count()))});
    if (f.error == AccountError::BadCredentials)
        r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"api\""});
    return r;
}

Response no_content() {
    Response r;
    r.status = 204;
    r.reason = "No Content";
    r.content_type.clear();
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
}

Poco::Dynamic::Var time_value(const std::optional<auth::TimePoint>& t) {
    if (!t) return Poco::Dynamic::Var();
    const std::time_t secs = auth::Clock::to_time_t(*t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buffer);
}

Poco::Dynamic::Var text_or_null(const std::optional<std::string>& text) {
    if (!text) return Poco::Dynamic::Var();
    return *text;
}

}  // namespace ddns::gateway::api
