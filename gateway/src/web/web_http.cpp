#include "ddns/gateway/web/web_http.hpp"

#include "ddns/gateway/base/text.hpp"

namespace ddns::gateway::web {

QueryParams form_fields(const RequestView& request) {
    const auto type = request.header("Content-Type");
    if (!type || !text::iequals(text::trim(type->substr(0, type->find(';'))),
                                "application/x-www-form-urlencoded"))
        return QueryParams::parse("");
    std::string body = request.body;
    for (char& c : body)
        if (c == '+') c = ' ';
    // A literal '+' arrives as %2B, which QueryParams decodes after the replacement above.
    return QueryParams::parse(body);
}

std::optional<std::string> cookie(const RequestView& request, std::string_view name) {
    for (const auto& h : request.headers) {
        if (!text::iequals(h.name, "Cookie")) continue;
        std::string_view rest = h.value;
        while (!rest.empty()) {
            const auto semi = rest.find(';');
            const auto pair = text::trim(rest.substr(0, semi));
            const auto eq = pair.find('=');
            if (eq != std::string_view::npos && pair.substr(0, eq) == name)
                return std::string(text::trim(pair.substr(eq + 1), " \t\""));
            if (semi == std::string_view::npos) break;
            rest.remove_prefix(semi + 1);
        }
    }
    return std::nullopt;
}

std::string cookie_name(const RequestView& request, std::string_view name) {
    return (request.tls ? "__Host-" : "") + std::string(name);
}

std::string set_cookie(const RequestView& request, std::string_view name, std::string_view value,
                       std::optional<long long> max_age) {
    std::string out =
        std::string(name) + "=" + std::string(value) + "; Path=/; HttpOnly" + "; SameSite=Lax";
    if (request.tls) out += "; Secure";
    if (max_age) out += "; Max-Age=" + std::to_string(*max_age);
    return out;
}

void add_security_headers(Response& response) {
    response.headers.push_back(
        {"Content-Security-Policy",
         "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
         "frame-ancestors 'none'; base-uri 'none'"});
    response.headers.push_back({"X-Frame-Options", "DENY"});
    response.headers.push_back({"Referrer-Policy", "no-referrer"});
    response.headers.push_back({"X-Content-Type-Options", "nosniff"});
    response.headers.push_back({"Cache-Control", "no-store"});
}

Response html(int status, std::string reason, std::string body) {
    Response r;
    r.status = status;
    r.reason = std::move(reason);
    r.content_type = "text/html; charset=utf-8";
    r.body = std::move(body);
    return r;
}

Response redirect(std::string location) {
    Response r = Response::text(303, "See Other", "");
    r.headers.push_back({"Location", std::move(location)});
    return r;
}

}  // namespace ddns::gateway::web
