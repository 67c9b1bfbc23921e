// Browser sessions of the HTML pages and their CSRF tokens.
//
// - The session cookie holds a random 256-bit id (auth::generate_session_id); the store keeps
//   its SHA-256. Logging in always makes a new id and ends the one the browser presented, so an
//   id planted before login (session fixation) never becomes a logged-in session.
// - Cookies are HttpOnly, SameSite=Lax, Path=/; over TLS Secure with the __Host- prefix.
// - A form's CSRF token is a hash of a secret only the browser's cookie holds: the session id
//   once logged in, else a random anonymous "form" cookie (login, sign-up and reset forms are
//   protected too). A page on another site can neither read the cookie nor compute the token.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/session.hpp"
#include "ddns/gateway/http/request.hpp"
#include "ddns/gateway/web/web_options.hpp"

namespace ddns::gateway::web {

struct CurrentSession {
    std::int64_t account_id = 0;
    std::string digest;  // names the session in the store (never logged)
    std::string csrf;    // the token this session's forms carry
};

class WebSessions {
public:
    WebSessions(auth::SessionStore& store, std::function<auth::TimePoint()> clock,
                const WebOptions& options)
        : store_(store), clock_(std::move(clock)), options_(options) {}

    // The live session the request's cookie names, if any. May throw auth::StoreError.
    std::optional<CurrentSession> current(const RequestView& request);

    // A new session of `account_id` (always a new id); the session the request presented, if
    // any, ends. Returns the Set-Cookie value to send. Expired sessions are pruned here.
    std::string start(const RequestView& request, std::int64_t account_id);

    // Ends the request's session (logout); returns the Set-Cookie value that deletes it.
    std::string end(const RequestView& request);

    // Ends every session of the account but `keep` (a digest); how many ended.
    std::size_t end_account(std::int64_t account_id, const std::optional<std::string>& keep);

    // The CSRF token of forms shown to an anonymous visitor. Makes the anonymous form cookie
    // when the request has none; its Set-Cookie is then appended to `set_cookies`.
    std::string anonymous_token(const RequestView& request, std::vector<Header>& set_cookies);

    // Whether `presented` is the CSRF token of this request: the session's when there is one,
    // else the anonymous form cookie's. Constant-time comparison.
    bool token_valid(const RequestView& request, const std::optional<CurrentSession>& session,
                     std::string_view presented) const;

    static constexpr std::string_view kSessionCookie = "ddns_session";
    static constexpr std::string_view kFormCookie = "ddns_form";

private:
    std::optional<std::string> anonymous_secret(const RequestView& request) const;

    auth::SessionStore& store_;
    std::function<auth::TimePoint()> clock_;
    const WebOptions& options_;
};

// The CSRF token derived from a cookie secret (hex of SHA-256 over a fixed label and it).
std::string csrf_token_for(std::string_view secret);

}  // namespace ddns::gateway::web
