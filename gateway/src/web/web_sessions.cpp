#include "ddns/gateway/web/web_sessions.hpp"

#include <algorithm>

#include "ddns/auth/token.hpp"
#include "ddns/gateway/web/web_http.hpp"

namespace ddns::gateway::web {
namespace {

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

std::optional<std::string> presented_id(const RequestView& request, std::string_view name) {
    auto value = cookie(request, cookie_name(request, name));
    if (!value || !auth::looks_like_session_id(*value)) return std::nullopt;
    return value;
}

}  // namespace

std::string csrf_token_for(std::string_view secret) {
    std::string material = "ddns-gateway csrf v1:" + std::string(secret);
    std::string token = auth::token_digest(material);
    std::fill(material.begin(), material.end(), '\0');
    return token;
}

std::optional<CurrentSession> WebSessions::current(const RequestView& request) {
    const auto id = presented_id(request, kSessionCookie);
    if (!id) return std::nullopt;
    const std::string digest = auth::token_digest(*id);
    const auto found = store_.find(digest, clock_(), options_.lifetime, options_.refresh_after);
    if (!found) return std::nullopt;
    return CurrentSession{found->account_id, digest, csrf_token_for(*id)};
}

std::string WebSessions::start(const RequestView& request, std::int64_t account_id) {
    const auto now = clock_();
    if (const auto old = presented_id(request, kSessionCookie))
        store_.end(auth::token_digest(*old));
    store_.prune(now, options_.lifetime);
    const auto fresh = auth::generate_session_id();
    store_.create(fresh.digest, account_id, now);
    // A browser-session cookie: the server's lifetimes decide when the session ends.
    return set_cookie(request, cookie_name(request, kSessionCookie), fresh.id.expose_view());
}

std::string WebSessions::end(const RequestView& request) {
    if (const auto id = presented_id(request, kSessionCookie)) store_.end(auth::token_digest(*id));
    return set_cookie(request, cookie_name(request, kSessionCookie), "", 0);
}

std::size_t WebSessions::end_account(std::int64_t account_id,
                                     const std::optional<std::string>& keep) {
    return store_.end_account(account_id, keep);
}

std::optional<std::string> WebSessions::anonymous_secret(const RequestView& request) const {
    return presented_id(request, kFormCookie);
}

std::string WebSessions::anonymous_token(const RequestView& request,
                                         std::vector<Header>& set_cookies) {
    if (const auto secret = anonymous_secret(request)) return csrf_token_for(*secret);
    const auto fresh = auth::generate_session_id();
    set_cookies.push_back({"Set-Cookie", set_cookie(request, cookie_name(request, kFormCookie),
                                                    fresh.id.expose_view())});
    return csrf_token_for(fresh.id.expose_view());
}

bool WebSessions::token_valid(const RequestView& request,
                              const std::optional<CurrentSession>& session,
                              std::string_view presented) const {
    if (session) return constant_time_equal(session->csrf, presented);
    const auto secret = anonymous_secret(request);
    return secret && constant_time_equal(csrf_token_for(*secret), presented);
}

}  // namespace ddns::gateway::web
