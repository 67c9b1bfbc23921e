// Sessions and CSRF tokens of the HTML pages over an in-memory session store: login always makes
// a new id (fixation), logout, cookie attributes by transport, the anonymous form token.
#include "ddns/gateway/web/web_sessions.hpp"

#include <gtest/gtest.h>

#include <map>

#include "ddns/auth/token.hpp"
#include "ddns/gateway/web/web_http.hpp"

namespace ddns::gateway::web {
namespace {

class MemorySessions final : public auth::SessionStore {
public:
    void create(const std::string& digest, std::int64_t account_id, auth::TimePoint now) override {
        rows[digest] = {account_id, now, now};
    }
    std::optional<auth::SessionRecord> find(const std::string& digest, auth::TimePoint now,
                                            const auth::SessionLifetime& life,
                                            std::chrono::seconds) override {
        auto it = rows.find(digest);
        if (it == rows.end() || it->second.last_seen + life.idle <= now ||
            it->second.created_at + life.absolute <= now)
            return std::nullopt;
        it->second.last_seen = now;
        return it->second;
    }
    bool end(const std::string& digest) override { return rows.erase(digest) > 0; }
    std::size_t end_account(std::int64_t account_id,
                            const std::optional<std::string>& keep) override {
        std::size_t n = 0;
        for (auto it = rows.begin(); it != rows.end();) {
            if (it->second.account_id == account_id && it->first != keep) {
                it = rows.erase(it);
                ++n;
            } else {
                ++it;
            }
        }
        return n;
    }
    std::size_t prune(auth::TimePoint, const auth::SessionLifetime&) override { return 0; }
    std::map<std::string, auth::SessionRecord> rows;
};

// The cookie value a Set-Cookie line carries.
std::string value_of(const std::string& set_cookie) {
    const auto eq = set_cookie.find('=');
    return set_cookie.substr(eq + 1, set_cookie.find(';') - eq - 1);
}

RequestView with_cookie(const std::string& cookie, bool tls = false) {
    RequestView r;
    r.tls = tls;
    if (!cookie.empty()) r.headers.push_back({"Cookie", cookie});
    return r;
}

class WebSessionsTest : public ::testing::Test {
protected:
    MemorySessions store;
    auth::TimePoint now = auth::TimePoint(std::chrono::seconds(1'800'000'000));
    WebOptions options;
    WebSessions sessions{store, [this] { return now; }, options};
};

TEST_F(WebSessionsTest, LoginMakesANewIdAndEndsAPlantedOne) {
    const auto planted = auth::generate_session_id();
    store.create(planted.digest, 7, now);  // e.g. the attacker's own session
    const auto request = with_cookie("ddns_session=" + std::string(planted.id.expose_view()));
    const std::string set = sessions.start(request, 42);
    const std::string fresh = value_of(set);
    EXPECT_NE(fresh, planted.id.expose_view());
    EXPECT_FALSE(store.rows.contains(planted.digest)) << "the presented session ended";
    EXPECT_FALSE(sessions.current(request).has_value());
    const auto current = sessions.current(with_cookie("ddns_session=" + fresh));
    ASSERT_TRUE(current.has_value());
    EXPECT_EQ(current->account_id, 42);
    EXPECT_EQ(store.rows.begin()->first, auth::token_digest(fresh)) << "only the digest stored";
}

TEST_F(WebSessionsTest, LogoutEndsTheSessionAndDeletesTheCookie) {
    const std::string id = value_of(sessions.start(with_cookie(""), 42));
    const auto request = with_cookie("a=b; ddns_session=" + id);
    ASSERT_TRUE(sessions.current(request).has_value());
    const std::string set = sessions.end(request);
    EXPECT_NE(set.find("Max-Age=0"), std::string::npos);
    EXPECT_FALSE(sessions.current(request).has_value());
}

TEST_F(WebSessionsTest, IdleSessionsEnd) {
    const std::string id = value_of(sessions.start(with_cookie(""), 42));
    now += options.lifetime.idle;
    EXPECT_FALSE(sessions.current(with_cookie("ddns_session=" + id)).has_value());
}

TEST_F(WebSessionsTest, CookieAttributesFollowTheTransport) {
    const std::string plain = sessions.start(with_cookie(""), 1);
    EXPECT_EQ(plain.rfind("ddns_session=", 0), 0u);
    EXPECT_NE(plain.find("HttpOnly"), std::string::npos);
    EXPECT_NE(plain.find("SameSite=Lax"), std::string::npos);
    EXPECT_EQ(plain.find("Secure"), std::string::npos);
    const std::string tls = sessions.start(with_cookie("", true), 1);
    EXPECT_EQ(tls.rfind("__Host-ddns_session=", 0), 0u);
    EXPECT_NE(tls.find("; Secure"), std::string::npos);
    EXPECT_NE(tls.find("; Path=/"), std::string::npos);
    EXPECT_EQ(tls.find("Domain"), std::string::npos);
    // Over TLS the plain-named cookie is not taken (it could have been set over plain HTTP).
    EXPECT_FALSE(sessions.current(with_cookie("ddns_session=" + value_of(tls), true)).has_value());
    EXPECT_TRUE(
        sessions.current(with_cookie("__Host-ddns_session=" + value_of(tls), true)).has_value());
}

TEST_F(WebSessionsTest, TheSessionsFormTokenIsValidOnlyForItsSession) {
    const std::string a = value_of(sessions.start(with_cookie(""), 1));
    const std::string b = value_of(sessions.start(with_cookie(""), 2));
    const auto ra = with_cookie("ddns_session=" + a);
    const auto sa = sessions.current(ra);
    const auto sb = sessions.current(with_cookie("ddns_session=" + b));
    ASSERT_TRUE(sa && sb);
    EXPECT_TRUE(sessions.token_valid(ra, sa, sa->csrf));
    EXPECT_FALSE(sessions.token_valid(ra, sa, sb->csrf));
    EXPECT_FALSE(sessions.token_valid(ra, sa, ""));
    EXPECT_FALSE(sessions.token_valid(ra, sa, sa->csrf.substr(1)));
}

TEST_F(WebSessionsTest, AnonymousFormsGetACookieBoundToken) {
    std::vector<Header> set;
    const std::string token = sessions.anonymous_token(with_cookie(""), set);
    ASSERT_EQ(set.size(), 1u);
    const std::string form_cookie = value_of(set[0].value);
    const auto back = with_cookie("ddns_form=" + form_cookie);
    EXPECT_TRUE(sessions.token_valid(back, std::nullopt, token));
    std::vector<Header> none;
    EXPECT_EQ(sessions.anonymous_token(back, none), token) << "same cookie, same token";
    EXPECT_TRUE(none.empty());
    EXPECT_FALSE(sessions.token_valid(with_cookie(""), std::nullopt, token)) << "no cookie";
    std::vector<Header> other;
    const std::string other_token = sessions.anonymous_token(with_cookie(""), other);
    EXPECT_FALSE(sessions.token_valid(back, std::nullopt, other_token));
}

TEST_F(WebSessionsTest, EndingAnAccountsSessionsKeepsTheOneAsked) {
    const std::string a = value_of(sessions.start(with_cookie(""), 1));
    const std::string b = value_of(sessions.start(with_cookie(""), 1));
    const auto keep = sessions.current(with_cookie("ddns_session=" + a));
    EXPECT_EQ(sessions.end_account(1, keep->digest), 1u);
    EXPECT_TRUE(sessions.current(with_cookie("ddns_session=" + a)).has_value());
    EXPECT_FALSE(sessions.current(with_cookie("ddns_session=" + b)).has_value());
}

TEST(WebHttp, FormBodiesDecodePlusAsSpace) {
    RequestView r;
    r.headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"});
    r.body = "name=my+home&pw=a%2Bb%26c&empty=";
    const auto f = form_fields(r);
    EXPECT_EQ(f.get("name"), "my home");
    EXPECT_EQ(f.get("pw"), "a+b&c");
    EXPECT_EQ(f.get("empty"), "");
    r.headers[0].value = "text/plain";
    EXPECT_FALSE(form_fields(r).has("name"));
}

TEST(WebHttp, SecurityHeadersAreAllThere) {
    Response r = html(200, "OK", "x");
    add_security_headers(r);
    std::map<std::string, std::string> h;
    for (const auto& [name, value] : r.headers) h[name] = value;
    EXPECT_NE(h["Content-Security-Policy"].find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_NE(h["Content-Security-Policy"].find("default-src 'none'"), std::string::npos);
    EXPECT_EQ(h["X-Frame-Options"], "DENY");
    EXPECT_EQ(h["Referrer-Policy"], "no-referrer");
    EXPECT_EQ(h["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(h["Cache-Control"], "no-store");
}

}  // namespace
}  // namespace ddns::gateway::web
