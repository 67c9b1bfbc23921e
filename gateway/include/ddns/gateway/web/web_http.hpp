// The HTTP details of the HTML pages: form bodies, cookies, the security headers every page
// carries, redirects. Plain functions over RequestView and Response.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ddns/gateway/http/request.hpp"

namespace ddns::gateway::web {

// An application/x-www-form-urlencoded body: '+' is a space (as browsers send it), %XX decoded.
// A body of another content type reads as empty.
QueryParams form_fields(const RequestView& request);

// The value of cookie `name` from the Cookie header(s); the first one wins.
std::optional<std::string> cookie(const RequestView& request, std::string_view name);

// A cookie's name for this request: "__Host-" + name over TLS (the browser then insists on
// Secure, Path=/ and no Domain), the plain name otherwise.
std::string cookie_name(const RequestView& request, std::string_view name);

// Set-Cookie for `name` (already cookie_name()d): HttpOnly, SameSite=Lax, Path=/, Secure on
// TLS; `max_age` nullopt: a browser-session cookie; 0: delete it.
std::string set_cookie(const RequestView& request, std::string_view name, std::string_view value,
                       std::optional<long long> max_age = std::nullopt);

// Adds what every page carries: Content-Security-Policy (no scripts, styles and forms only from
// here, no framing), X-Frame-Options: DENY, Referrer-Policy: no-referrer (links in mails carry
// secrets in the URL), X-Content-Type-Options: nosniff, Cache-Control: no-store.
void add_security_headers(Response& response);

Response html(int status, std::string reason, std::string body);
// 303 See Other to `location` (a path on this server).
Response redirect(std::string location);

}  // namespace ddns::gateway::web
