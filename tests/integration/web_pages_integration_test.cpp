// The HTML pages end to end against the real gateway, PostgreSQL and named: the security rules
// (headers on every page, CSRF missing or wrong refused with nothing changed, session fixation
// impossible, another account's host or token 404 with nothing changed, logout, sessions ended by
// a password change, login throttling with Retry-After) and the flows a user goes through
// (add a host, a token shown once that then updates DNS, history, address by hand, removal,
// the dynamic switch). The mail-driven flows run in the browser test and web_mail tests below.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "stack_environment.hpp"
#include "web_client.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";
constexpr const char* kPasswordParam = "correct%20horse%20battery";  // as a query value

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {kZone};
    o.extra_config =
        "web.enabled = true\nweb.registration = open\nweb.base_url = http://127.0.0.1\n"
        "auth.lockout_failures = 3\nauth.lockout_initial = 30\n";
    return o;
}()));

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

class WebPages : public StackTest {
protected:
    void SetUp() override {
        stack().sql("update zones set public = true where name = '" + std::string(kZone) + "'");
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
    }
    // A logged-in client of `user` (fails the test when the login does not work).
    WebClient logged_in(const std::string& name) {
        WebClient c(stack());
        const auto r = c.log_in(name, kPassword);
        EXPECT_EQ(r.status, 303) << r.raw;
        EXPECT_EQ(r.header("Location"), "/");
        return c;
    }
    std::string count(const std::string& sql) { return stack().sql(sql); }
    std::string user;
    std::string host;
};

TEST_F(WebPages, EveryPageCarriesTheSecurityHeaders) {
    WebClient anonymous(stack());
    WebClient alice = logged_in(user);
    stack().add_host(host, user);
    std::vector<HttpReply> replies = {anonymous.get("/login"),
                                      anonymous.get("/signup"),
                                      anonymous.get("/forgot"),
                                      anonymous.get("/"),
                                      alice.get("/"),
                                      alice.get("/tokens"),
                                      alice.get("/settings"),
                                      alice.get("/host?name=" + host),
                                      alice.get("/host/help?name=" + host),
                                      anonymous.post("/login", {}, "bad")};
    for (const auto& r : replies) {
        SCOPED_TRACE(r.status_line);
        ASSERT_NE(r.status, 0) << r.error;
        EXPECT_EQ(r.header("X-Frame-Options"), "DENY");
        EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
        EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer");
        EXPECT_TRUE(
            contains(r.header("Content-Security-Policy").value_or(""), "frame-ancestors 'none'"));
        EXPECT_EQ(r.header("Cache-Control"), "no-store");
    }
    const auto css = anonymous.get("/static/style.css");
    EXPECT_EQ(css.status, 200);
    EXPECT_TRUE(contains(css.header("Content-Type").value_or(""), "text/css"));
}

TEST_F(WebPages, LoggedOutVisitorsAreSentToTheLogin) {
    WebClient c(stack());
    for (const char* path : {"/", "/tokens", "/settings", "/host?name=x.example.test"}) {
        const auto r = c.get(path);
        EXPECT_EQ(r.status, 303) << path;
        EXPECT_EQ(r.header("Location"), "/login") << path;
    }
}

TEST_F(WebPages, ALoginAlwaysStartsANewSessionSoAPlantedIdIsWorthless) {
    // An id the attacker chose, planted in the victim's browser before the login.
    const std::string chosen = std::string(43, 'A');
    WebClient victim(stack());
    victim.cookies()["ddns_session"] = chosen;
    auto r = victim.log_in(user, kPassword);
    ASSERT_EQ(r.status, 303) << r.raw;
    EXPECT_NE(victim.cookies().at("ddns_session"), chosen);
    WebClient attacker(stack());
    attacker.cookies()["ddns_session"] = chosen;
    EXPECT_EQ(attacker.get("/").status, 303) << "the chosen id logs nobody in";
    EXPECT_EQ(victim.get("/").status, 200);
    std::string set_cookie;
    for (const auto& [name, value] : r.headers)
        if (name == "Set-Cookie" && value.rfind("ddns_session=", 0) == 0) set_cookie = value;
    EXPECT_TRUE(contains(set_cookie, "HttpOnly"));
    EXPECT_TRUE(contains(set_cookie, "SameSite=Lax"));
    EXPECT_FALSE(contains(set_cookie, "Secure")) << "plain HTTP";
    // Only the SHA-256 of the id is stored.
    EXPECT_EQ(count("select count(*) from web_sessions where digest = '" +
                    victim.cookies().at("ddns_session") + "'"),
              "0");

    // The attacker's own logged-in id, planted: logging in over it ends it and makes a new one.
    WebClient own = logged_in(user);
    const std::string planted = own.cookies().at("ddns_session");
    WebClient second(stack());
    second.cookies()["ddns_session"] = planted;
    ASSERT_EQ(second.get("/").status, 200);  // the form token of the planted session
    r = second.post("/login", {{"username", user}, {"password", kPassword}});
    ASSERT_EQ(r.status, 303) << r.raw;
    EXPECT_NE(second.cookies().at("ddns_session"), planted);
    EXPECT_EQ(own.get("/").status, 303) << "the planted session ended";
}

TEST_F(WebPages, AFormWithoutOrWithAWrongTokenIsRefusedAndChangesNothing) {
    WebClient c = logged_in(user);
    c.get("/");
    const std::string name = "csrf-" + host;
    auto r = c.post_without_token("/hosts/add", {{"name", name}});
    EXPECT_EQ(r.status, 403);
    r = c.post("/hosts/add", {{"name", name}}, std::string(64, 'a'));
    EXPECT_EQ(r.status, 403);
    // Another session's valid token is wrong here too.
    WebClient other = logged_in(user);
    other.get("/");
    r = c.post("/hosts/add", {{"name", name}}, other.csrf());
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(count("select count(*) from hosts where name = '" + name + "'"), "0");
    // The login form is protected as well: no form cookie, no login.
    WebClient fresh(stack());
    r = fresh.post("/login", {{"username", user}, {"password", kPassword}}, std::string(64, 'b'));
    EXPECT_EQ(r.status, 403);
    EXPECT_FALSE(fresh.cookies().contains("ddns_session"));
    // With the right token the same form works.
    r = c.post("/hosts/add", {{"name", name}});
    EXPECT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(count("select count(*) from hosts where name = '" + name + "'"), "1");
}

TEST_F(WebPages, AnotherAccountsHostOrTokenIsNotFoundAndUntouched) {
    const std::string bob = user + "-bob";
    const std::string bobs_host = bob + "." + kZone;
    stack().add_account(bob, kPassword);
    stack().add_host(bobs_host, bob);
    stack().add_token(bob, bobs_host);
    stack().get("/nic/update?hostname=" + bobs_host + "&myip=192.0.2.44",
                std::pair{bob, kPassword});
    const std::string token_id = count(
        "select t.id from tokens t join accounts a on a.id = t.account_id where "
        "a.username = '" +
        bob + "'");
    WebClient alice = logged_in(user);
    alice.get("/");
    EXPECT_EQ(alice.get("/host?name=" + bobs_host).status, 404);
    EXPECT_EQ(alice.get("/host/help?name=" + bobs_host).status, 404);
    EXPECT_EQ(alice.post("/host/remove", {{"name", bobs_host}, {"confirm", "1"}}).status, 404);
    EXPECT_EQ(alice.post("/host/address", {{"name", bobs_host}, {"ipv4", "192.0.2.99"}}).status,
              404);
    EXPECT_EQ(alice.post("/tokens/revoke", {{"kind", "update"}, {"id", token_id}}).status, 404);
    EXPECT_EQ(stored_ipv4(bobs_host), "192.0.2.44");
    EXPECT_EQ(a_records(bobs_host), std::vector<std::string>{"192.0.2.44"});
    EXPECT_EQ(count("select count(*) from tokens where id = " + token_id), "1");
}

TEST_F(WebPages, ATokenIsShownOnceAndUpdatesDnsAndTheOverviewAndHistoryShowIt) {
    stack().add_host(host, user);
    WebClient c = logged_in(user);
    c.get("/tokens");
    const auto created =
        c.post("/tokens/create", {{"kind", "update"}, {"name", "router"}, {"host", host}});
    ASSERT_EQ(created.status, 200) << created.body;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(created.body, m, std::regex("id=\"new-secret\">([a-z2-7]{32})<")))
        << created.body;
    const std::string token = m[1];
    const auto list = c.get("/tokens");
    EXPECT_FALSE(contains(list.body, token)) << "never shown again";
    EXPECT_TRUE(contains(list.body, "router"));
    EXPECT_EQ(count("select count(*) from tokens where digest like '%" + token + "%'"), "0");

    const auto update =
        stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.61", std::pair{user, token});
    EXPECT_EQ(update.body, "good 192.0.2.61");
    EXPECT_EQ(a_records(host), std::vector<std::string>{"192.0.2.61"});
    EXPECT_TRUE(contains(c.get("/").body, "192.0.2.61"));
    // The update log is written off the request path: wait for the history row.
    std::string page;
    for (int i = 0; i < 100 && !contains(page, "ddns-test/1.0"); ++i) {
        page = c.get("/host?name=" + host).body;
        if (!contains(page, "ddns-test/1.0"))
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(contains(page, "ddns-test/1.0")) << page;
    EXPECT_TRUE(contains(page, "good"));
}

TEST_F(WebPages, ATokensLimitsAreSetListedAndEnforced) {
    stack().add_host(host, user);
    WebClient c = logged_in(user);
    c.get("/tokens");
    const auto created = c.post("/tokens/create", {{"kind", "update"},
                                                   {"name", "abroad"},
                                                   {"host", host},
                                                   {"purpose", "update"},
                                                   {"networks", "10.9.9.0/24"},
                                                   {"max_age", "90d"},
                                                   {"max_unused", "30d"}});
    ASSERT_EQ(created.status, 200) << created.body;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(created.body, m, std::regex("id=\"new-secret\">([a-z2-7]{32})<")))
        << created.body;
    const std::string token = m[1];
    const auto list = c.get("/tokens").body;
    EXPECT_TRUE(contains(list, "10.9.9.0/24")) << list;
    EXPECT_TRUE(contains(list, "90d")) << list;
    EXPECT_TRUE(contains(list, "30d")) << list;
    // From 127.0.0.1, outside 10.9.9.0/24: a wrong password.
    const auto update =
        stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.64", std::pair{user, token});
    EXPECT_EQ(update.body, "badauth");
    EXPECT_TRUE(a_records(host).empty());
    // A limit that does not parse is refused with the reason and makes nothing.
    const auto refused = c.post("/tokens/create",
                                {{"kind", "update"}, {"name", "bad"}, {"networks", "10.0.0.0/33"}});
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_TRUE(contains(refused.body, "not a network")) << refused.body;
    EXPECT_EQ(count("select count(*) from tokens where name = 'bad'"), "0");
}

TEST_F(WebPages, AddressByHandHeartbeatAndRemovalChangeDnsAndTheRow) {
    stack().add_host(host, user);
    WebClient c = logged_in(user);
    c.get("/host?name=" + host);
    auto r = c.post("/host/address", {{"name", host}, {"ipv4", "192.0.2.71"}});
    EXPECT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(a_records(host), std::vector<std::string>{"192.0.2.71"});
    r = c.post("/host/address", {{"name", host}, {"ipv4", "not-an-address"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(a_records(host), std::vector<std::string>{"192.0.2.71"});
    r = c.post("/host/settings", {{"name", host}, {"heartbeat_mode", "own"}, {"heartbeat", "600"}});
    EXPECT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(count("select heartbeat_seconds from hosts where name = '" + host + "'"), "600");
    r = c.post("/host/remove", {{"name", host}});
    EXPECT_EQ(r.status, 400) << "not confirmed";
    EXPECT_EQ(count("select count(*) from hosts where name = '" + host + "'"), "1");
    r = c.post("/host/remove", {{"name", host}, {"confirm", "1"}});
    EXPECT_EQ(r.status, 303) << r.body;
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_EQ(count("select count(*) from hosts where name = '" + host + "'"), "0");
}

// The legacy client's round robin (a free account's MyServer Add joins the A set): the overview
// and the host page show every address named serves, not only the first.
TEST_F(WebPages, ARoundRobinShowsEveryAddress) {
    stack().add_host(host, user);
    const std::string credentials = "Usr=" + user + "&Pwd=" + std::string(kPasswordParam);
    for (const char* ip : {"192.0.2.91", "192.0.2.92"}) {
        const auto r = stack().get("/dnslogin3.asp?" + credentials + "&FXN=Add&IP=" + ip,
                                   std::nullopt, {"User-Agent: Dynamic DNS App"});
        ASSERT_EQ(r.body, "DNS ADD:SUCCESS\r\n");
    }
    ASSERT_EQ(a_records(host).size(), 2u);
    WebClient c = logged_in(user);
    const std::string shown = "192.0.2.91, 192.0.2.92 (round robin)";
    EXPECT_TRUE(contains(c.get("/").body, shown));
    EXPECT_TRUE(contains(c.get("/host?name=" + host).body, shown));
    // An address set by hand replaces the whole set, in named and on the page.
    auto r = c.post("/host/address", {{"name", host}, {"ipv4", "192.0.2.93"}});
    EXPECT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(a_records(host), std::vector<std::string>{"192.0.2.93"});
    const std::string page = c.get("/host?name=" + host).body;
    EXPECT_FALSE(contains(page, "round robin")) << page;
    EXPECT_FALSE(contains(page, "192.0.2.91"));
}

TEST_F(WebPages, LogoutEndsTheSession) {
    WebClient c = logged_in(user);
    const std::string id = c.cookies().at("ddns_session");
    c.get("/");
    const auto r = c.post("/logout", {});
    EXPECT_EQ(r.status, 303);
    EXPECT_EQ(r.header("Location"), "/login?done=logged_out");
    WebClient replay(stack());
    replay.cookies()["ddns_session"] = id;
    EXPECT_EQ(replay.get("/").status, 303) << "the old id no longer works";
}

TEST_F(WebPages, APasswordChangeEndsTheOtherSessionsButNotThisOne) {
    WebClient a = logged_in(user);
    WebClient b = logged_in(user);
    a.get("/settings");
    const auto r = a.post("/settings/password", {{"current", kPassword},
                                                 {"password", "a new long password"},
                                                 {"password2", "a new long password"}});
    EXPECT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(a.get("/").status, 200);
    EXPECT_EQ(b.get("/").status, 303);
    EXPECT_EQ(WebClient(stack()).log_in(user, "a new long password").status, 303);
}

TEST_F(WebPages, TheDynamicSwitch) {
    WebClient c = logged_in(user);
    c.get("/settings");
    EXPECT_EQ(c.post("/settings/dynamic", {{"enabled", "on"}}).status, 303);
    EXPECT_EQ(count("select dynamic_updates from accounts where username = '" + user + "'"), "t");
    EXPECT_EQ(c.post("/settings/dynamic", {{"enabled", "off"}}).status, 303);
    EXPECT_EQ(count("select dynamic_updates from accounts where username = '" + user + "'"), "f");
}

TEST_F(WebPages, WrongPasswordsAreThrottledWithRetryAfter) {
    WebClient c(stack());
    int last = 0;
    HttpReply r;
    for (int i = 0; i < 5; ++i) {
        r = c.log_in(user, "wrong password " + std::to_string(i));
        last = r.status;
    }
    EXPECT_EQ(last, 429) << r.body;
    EXPECT_TRUE(r.header("Retry-After").has_value());
    // Even the right password waits now, and no session is made.
    r = c.log_in(user, kPassword);
    EXPECT_EQ(r.status, 429);
    EXPECT_FALSE(c.cookies().contains("ddns_session"));
}

// The secret of the newest mailed link of `kind` ("reset", "verify") to `email`, read from the
// outbox (the SMTP path itself is the browser test's and the mail tests' business).
std::string mailed_token(GatewayStack& stack, const std::string& email, const std::string& kind) {
    const std::string body = stack.sql("select body from mail_outbox where recipient = '" + email +
                                       "' and kind = '" + kind + "' order by id desc limit 1");
    std::smatch m;
    if (!std::regex_search(body, m, std::regex("token=([a-z2-7]{32})"))) return {};
    return m[1];
}

TEST_F(WebPages, ForgotAnswersTheSameForEveryNameAndTheResetLinkWorksOnce) {
    const std::string email = user + "@example.test";
    stack().sql("update accounts set email = '" + email + "' where username = '" + user + "'");
    WebClient c(stack());
    c.get("/forgot");
    const auto known = c.post("/forgot", {{"login", user}});
    c.get("/forgot");
    const auto unknown = c.post("/forgot", {{"login", user + "-nobody"}});
    EXPECT_EQ(known.status, 200);
    EXPECT_EQ(known.status, unknown.status);
    const auto message = [](const std::string& body) {
        return body.substr(body.find("<main>"), body.find("</main>") - body.find("<main>"));
    };
    EXPECT_EQ(message(known.body), message(unknown.body)) << "no account enumeration";
    const std::string token = mailed_token(stack(), email, "reset");
    ASSERT_FALSE(token.empty());

    // Opening the link changes nothing; its form's POST does, once.
    auto r = c.get("/reset?token=" + token);
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(contains(r.body, token)) << "the form carries it";
    r = c.post("/reset", {{"token", token}, {"password", "short"}, {"password2", "short"}});
    EXPECT_EQ(r.status, 400) << "a bad password does not use the link up";
    const std::string fresh = mailed_token(stack(), email, "reset");
    r = c.post("/reset", {{"token", fresh},
                          {"password", "the new long password"},
                          {"password2", "the new long password"}});
    EXPECT_EQ(r.status, 200) << r.body;
    r = c.post("/reset", {{"token", fresh},
                          {"password", "another long password"},
                          {"password2", "another long password"}});
    EXPECT_EQ(r.status, 410) << "used";
    EXPECT_EQ(WebClient(stack()).log_in(user, "the new long password").status, 303);
    EXPECT_EQ(WebClient(stack()).log_in(user, "another long password").status, 401);
}

TEST_F(WebPages, SignUpThenTheMailedLinkThenLogin) {
    const std::string name = "signup-" + std::to_string(iteration_of("signup-name"));
    const std::string email = name + "@example.test";
    WebClient c(stack());
    c.get("/signup");
    auto r = c.post("/signup", {{"username", name},
                                {"email", email},
                                {"password", "a sign-up password"},
                                {"password2", "a sign-up password"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(c.log_in(name, "a sign-up password").status, 403) << "not verified yet";
    const std::string token = mailed_token(stack(), email, "verify");
    ASSERT_FALSE(token.empty());
    r = c.get("/verify?token=" + token);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(count("select verified from accounts where username = '" + name + "'"), "f")
        << "opening the link changes nothing";
    r = c.post("/verify", {{"token", token}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(count("select verified from accounts where username = '" + name + "'"), "t");
    EXPECT_EQ(c.log_in(name, "a sign-up password").status, 303);
}

TEST_F(WebPages, UnknownPathsAndOtherMethodsAreNotThePages) {
    WebClient c(stack());
    const auto update = c.get("/nic/update");
    EXPECT_FALSE(update.header("Content-Security-Policy").has_value())
        << "the dialects keep their paths";
    EXPECT_EQ(c.get("/nosuchpage").status, 404);
    const auto r = stack().raw("DELETE /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(r.status, 405);
    EXPECT_TRUE(r.header("Allow").has_value());
}

}  // namespace
}  // namespace ddns::test
