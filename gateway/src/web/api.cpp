// The JSON API's route table, its authentication (Bearer API tokens only) and the one place
// where a request's unexpected failure becomes a JSON 500/503.
#include "ddns/gateway/web/api.hpp"

#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <array>

#include "api_support.hpp"
#include "ddns/gateway/base/text.hpp"

namespace ddns::gateway {
namespace {

struct Endpoint {
    const char* method;
    const char* pattern;  // segments after the prefix; "{}" matches one segment
    api::Handler handler;
    bool needs_token;
};

// clang-format off
constexpr std::array kRoutes = {
    Endpoint{"POST",   "signup",                   api::sign_up,             false},
    Endpoint{"POST",   "verify",                   api::verify,              false},
    Endpoint{"POST",   "password/forgot",          api::forgot_password,     false},
    Endpoint{"POST",   "password/reset",           api::reset_password,      false},
    Endpoint{"POST",   "login",                    api::log_in,              false},
    Endpoint{"GET",    "account",                  api::get_account,         true},
    Endpoint{"DELETE", "account",                  api::delete_account,      true},
    Endpoint{"PUT",    "account/password",         api::change_password,     true},
    Endpoint{"PUT",    "account/email",            api::change_email,        true},
    Endpoint{"PUT",    "account/dynamic",          api::set_dynamic,         true},
    Endpoint{"GET",    "api-tokens",               api::list_api_tokens,     true},
    Endpoint{"POST",   "api-tokens",               api::create_api_token,    true},
    Endpoint{"DELETE", "api-tokens/{}",            api::revoke_api_token,    true},
    Endpoint{"GET",    "zones",                    api::list_zones,          true},
    Endpoint{"GET",    "names/{}",                 api::check_name,          true},
    Endpoint{"GET",    "hosts",                    api::list_hosts,          true},
    Endpoint{"POST",   "hosts",                    api::add_host,            true},
    Endpoint{"GET",    "hosts/{}",                 api::get_host,            true},
    Endpoint{"DELETE", "hosts/{}",                 api::remove_host,         true},
    Endpoint{"PATCH",  "hosts/{}",                 api::configure_host,      true},
    Endpoint{"PUT",    "hosts/{}/address",         api::set_address,         true},
    Endpoint{"GET",    "hosts/{}/history",         api::host_history,        true},
    Endpoint{"PUT",    "hosts/{}/derive",          api::derive_host,         true},
    Endpoint{"DELETE", "hosts/{}/derive",          api::underive_host,       true},
    Endpoint{"GET",    "tokens",                   api::list_update_tokens,  true},
    Endpoint{"POST",   "tokens",                   api::create_update_token, true},
    Endpoint{"DELETE", "tokens/{}",                api::revoke_update_token, true},
    Endpoint{"GET",    "zones/{}/records",         api::list_records,        true},
    Endpoint{"POST",   "zones/{}/records",         api::add_record,          true},
    Endpoint{"DELETE", "zones/{}/records",         api::remove_record,       true},
    Endpoint{"GET",    "notices",                  api::list_notices,        true},
    Endpoint{"POST",   "notices",                  api::add_notice,          true},
    Endpoint{"DELETE", "notices/{}",               api::remove_notice,       true},
};
// clang-format on

std::vector<std::string> split(std::string_view path) {
    std::vector<std::string> parts;
    while (!path.empty()) {
        const auto slash = path.find('/');
        parts.emplace_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return parts;
}

// Whether `parts` match `pattern`; the {} segments go to `params`.
bool matches(const std::vector<std::string>& parts, std::string_view pattern,
             std::vector<std::string>& params) {
    const auto want = split(pattern);
    if (want.size() != parts.size()) return false;
    std::vector<std::string> found;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (want[i] == "{}") {
            if (parts[i].empty()) return false;
            found.push_back(percent_decode(parts[i]));
        } else if (want[i] != parts[i]) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

// The body as a JSON object: {} when empty; nullopt when it is not a JSON object.
std::optional<Poco::JSON::Object::Ptr> parse_body(const std::string& body) {
    if (body.find_first_not_of(" \t\r\n") == std::string::npos)
        return Poco::JSON::Object::Ptr(new Poco::JSON::Object);
    try {
        Poco::JSON::Parser parser;
        const auto value = parser.parse(body);
        if (value.type() != typeid(Poco::JSON::Object::Ptr)) return std::nullopt;
        return value.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
        return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<std::string> bearer_token(const RequestView& request) {
    const auto header = request.header("Authorization");
    if (!header) return std::nullopt;
    constexpr std::string_view kScheme = "Bearer ";
    if (header->size() <= kScheme.size()) return std::nullopt;
    for (std::size_t i = 0; i < kScheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>((*header)[i])) !=
            std::tolower(static_cast<unsigned char>(kScheme[i])))
            return std::nullopt;
    return header->substr(kScheme.size());
}

}  // namespace

AccountApi::AccountApi(AccountService& accounts, const Logger& log, ApiOptions options)
    : accounts_(accounts), log_(log), options_(std::move(options)) {}

bool api_owns(const ApiOptions& options, const RequestView& request) {
    const auto& ports = options.listener_ports;
    if (!ports.empty() && std::find(ports.begin(), ports.end(), request.local_port) == ports.end())
        return false;
    const std::string& p = request.path;
    return p == options.prefix ||
           (p.starts_with(options.prefix) && p.size() > options.prefix.size() &&
            p[options.prefix.size()] == '/');
}

bool AccountApi::owns(const RequestView& request) const {
    return api_owns(options_, request);
}

Response AccountApi::handle(const RequestView& request) {
    try {
        const std::string rest =
            request.path.substr(std::min(request.path.size(), options_.prefix.size() + 1));
        const auto parts = split(rest);
        const Endpoint* route = nullptr;
        bool path_known = false;
        std::vector<std::string> params;
        for (const auto& r : kRoutes) {
            if (!matches(parts, r.pattern, params)) continue;
            path_known = true;
            // HEAD is served wherever GET is, as everywhere in the route table.
            if (request.method == r.method ||
                (request.method == "HEAD" && std::string_view(r.method) == "GET")) {
                route = &r;
                break;
            }
        }
        for (const auto& p : params)
            if (!text::valid_utf8(p))
                return api::error(400, "bad_request", "the path is not valid UTF-8");
        if (!route)
            return path_known
                       ? api::error(405, "method_not_allowed", "this method is not allowed here")
                       : api::error(404, "not_found", "no such API endpoint");
        auto body = parse_body(request.body);
        if (!body) return api::error(400, "bad_json", "the body is not a JSON object");
        api::Call call{accounts_, request, std::move(params), 0, *body};
        if (route->needs_token) {
            const auto token = bearer_token(request);
            if (!token) {
                Response r = api::error(401, "unauthorized",
                                        "this needs an API token (Authorization: Bearer ...)");
                r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"api\""});
                return r;
            }
            auto id = accounts_.authenticate_api_token(*token, request.client);
            if (!id) return api::failure(id.error());
            call.account_id = *id;
        }
        return route->handler(call);
    } catch (const auth::StoreError& e) {
        log_.error(std::string("api: database failure: ") + e.what());
        return api::error(503, "unavailable", "the database is not available; try again later");
    } catch (const std::exception& e) {
        log_.error(std::string("api: unexpected failure: ") + e.what());
        return api::error(500, "internal", "the request failed unexpectedly");
    }
}

void add_api_routes(RouteTable& routes, AccountApi& api) {
    Route route;
    route.name = "api";
    route.paths = {api.prefix(), api.prefix() + "/*"};
    route.methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    // The API answers unknown paths under its prefix and wrong methods itself, as JSON errors.
    route.handler = [&api](const RequestView& request) { return api.handle(request); };
    route.wrong_method = route.handler;
    route.when = [&api](const RequestView& request) { return api.owns(request); };
    routes.add(std::move(route));
}

}  // namespace ddns::gateway
