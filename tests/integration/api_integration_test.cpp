// The JSON account API (/api/v1) against the real binary, PostgreSQL and named: sign-up with the
// verification link taken from the mail outbox, login, hosts and their addresses in named,
// update tokens used by a real dyndns2 update, the security rules (another user's objects are
// 404 and unchanged, the two token kinds never cross, reset links are single-use, expire and die
// with a password change, enumeration-safe answers, throttling with Retry-After, bad JSON
// changes nothing) and a domain account's records.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "api_client.hpp"
#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kPublicZone = "pub.test";
constexpr const char* kPrivateZone = "priv.test";
constexpr const char* kDomainZone = "dom.test";
constexpr const char* kPassword = "a long enough password";

class ApiEnvironment : public StackEnvironment {
public:
    ApiEnvironment()
        : StackEnvironment([] {
              GatewayStackOptions o;
              o.zones = {kPublicZone, kPrivateZone};
              o.unregistered_zones = {kDomainZone};
              o.extra_config =
                  "web.enabled = true\nweb.registration = open\n"
                  "web.base_url = http://gw.example.test\nweb.max_hosts_per_account = 2\n"
                  "web.reserved_labels = www, admin\n";
              return o;
          }()) {}
    void SetUp() override {
        StackEnvironment::SetUp();
        auto r = g_stack->admin({"zone", "public", kPublicZone, "on"});
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new ApiEnvironment);

class Api : public StackTest {
protected:
    void SetUp() override {
        // Each test calls from an address of its own, so the throttle's counts stay per test.
        static std::atomic<int> next{2};
        source_ = "127.0.0." + std::to_string(next++);
        label_ = unique_label();
    }

    ApiReply call(const std::string& method, const std::string& path, const std::string& body = {},
                  const std::string& bearer = {}) {
        return api_call(stack(), source_, method, path, body, bearer);
    }

    // The newest mail of `kind` to `to` in the outbox, and the link token in it.
    std::string mailed_token(const std::string& to, const std::string& kind) {
        const std::string body =
            stack().sql("select body from mail_outbox where recipient = '" + to + "' and kind = '" +
                        kind + "' order by id desc limit 1");
        const auto at = body.find("token=");
        if (at == std::string::npos) return {};
        return body.substr(at + 6, 32);
    }

    std::string user(const std::string& suffix = "") const {
        return "u" + std::to_string(std::hash<std::string>{}(label_ + suffix) % 100000000);
    }
    std::string email(const std::string& name) const { return name + "@mail.example.test"; }

    // Signs up, verifies through the mailed link and logs in: the API token.
    std::string new_user(const std::string& name) {
        auto r = call("POST", "signup",
                      R"({"username":")" + name + R"(","email":")" + email(name) +
                          R"(","password":")" + kPassword + R"("})");
        EXPECT_EQ(r.status, 201) << r.http.body;
        const std::string link = mailed_token(email(name), "verify");
        EXPECT_EQ(link.size(), 32u);
        EXPECT_EQ(call("POST", "verify", R"({"token":")" + link + R"("})").status, 200);
        return login(name, kPassword);
    }
    std::string login(const std::string& name, const std::string& password) {
        auto r = call("POST", "login",
                      R"({"username":")" + name + R"(","password":")" + password + R"("})");
        EXPECT_EQ(r.status, 201) << r.http.body;
        return r.text("token");
    }
    std::string host(const std::string& prefix = "h") const {
        return prefix + "-" + label_.substr(0, 40) + "." + kPublicZone;
    }

    std::string source_;
    std::string label_;
};

TEST_F(Api, SignUpNeedsTheMailedLinkOnceThenLogsIn) {
    const std::string name = user();
    auto r = call("POST", "signup",
                  R"({"username":")" + name + R"(","email":")" + email(name) + R"(","password":")" +
                      kPassword + R"("})");
    ASSERT_EQ(r.status, 201) << r.http.body;
    EXPECT_EQ(stack().sql("select verified from accounts where username = '" + name + "'"), "f");
    r = call("POST", "login",
             R"({"username":")" + name + R"(","password":")" + kPassword + R"("})");
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.error_code(), "not_verified");
    const std::string link = mailed_token(email(name), "verify");
    ASSERT_EQ(link.size(), 32u);
    EXPECT_EQ(call("POST", "verify", R"({"token":")" + link + R"("})").status, 200);
    r = call("POST", "verify", R"({"token":")" + link + R"("})");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.error_code(), "link_invalid");
    const std::string token = login(name, kPassword);
    ASSERT_FALSE(token.empty());
    r = call("GET", "account", {}, token);
    ASSERT_EQ(r.status, 200) << r.http.body;
    EXPECT_EQ(r.text("username"), name);
    EXPECT_EQ(r.http.body.find("argon2"), std::string::npos);  // never the hash
    // A taken username is refused and creates nothing.
    r = call("POST", "signup",
             R"({"username":")" + name + R"(","email":"x@mail.example.test","password":")" +
                 kPassword + R"("})");
    EXPECT_EQ(r.status, 409);
    EXPECT_EQ(r.error_code(), "name_taken");
}

TEST_F(Api, HostAddressAndUpdateTokenReachNamed) {
    const std::string token = new_user(user());
    const std::string fqdn = host();
    auto r = call("POST", "hosts", R"({"name":")" + fqdn + R"("})", token);
    ASSERT_EQ(r.status, 201) << r.http.body;
    r = call("PUT", "hosts/" + fqdn + "/address", R"({"ipv4":"192.0.2.41"})", token);
    ASSERT_EQ(r.status, 200) << r.http.body;
    EXPECT_EQ(a_records(fqdn), std::vector<std::string>{"192.0.2.41"});
    EXPECT_EQ(r.text("ipv4"), "192.0.2.41");

    r = call("POST", "tokens", R"({"name":"router","host":")" + fqdn + R"("})", token);
    ASSERT_EQ(r.status, 201) << r.http.body;
    const std::string update_token = r.text("token");
    const std::string name = call("GET", "account", {}, token).text("username");
    auto u = stack().get("/nic/update?hostname=" + fqdn + "&myip=198.51.100.42",
                         std::make_pair(name, update_token));
    EXPECT_EQ(u.body, "good 198.51.100.42");
    EXPECT_EQ(a_records(fqdn), std::vector<std::string>{"198.51.100.42"});
    r = call("GET", "tokens", {}, token);
    EXPECT_NE(r.http.body.find("\"router\""), std::string::npos);
    EXPECT_EQ(r.http.body.find(update_token), std::string::npos);  // never shown again

    // The history shows the update once the log writer has it.
    bool seen = false;
    for (int i = 0; i < 100 && !seen; ++i) {
        r = call("GET", "hosts/" + fqdn + "/history", {}, token);
        seen = r.http.body.find("198.51.100.42") != std::string::npos ||
               r.http.body.find("\"good\"") != std::string::npos;
        if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(seen) << r.http.body;

    // Revoked: the router's next update is refused.
    const auto id = call("GET", "tokens", {}, token)
                        .json->getArray("tokens")
                        ->getObject(0)
                        ->getValue<std::int64_t>("id");
    EXPECT_EQ(call("DELETE", "tokens/" + std::to_string(id), {}, token).status, 204);
    u = stack().get("/nic/update?hostname=" + fqdn + "&myip=198.51.100.43",
                    std::make_pair(name, update_token));
    EXPECT_EQ(u.status, 401);

    // Removing the host clears named first.
    EXPECT_EQ(call("DELETE", "hosts/" + fqdn, {}, token).status, 204);
    EXPECT_TRUE(a_records(fqdn).empty());
    EXPECT_EQ(stack().sql("select count(*) from hosts where name = '" + fqdn + "'"), "0");
}

TEST_F(Api, UpdateTokensCarryTheirLimitsAndTheRunningGatewayEnforcesThem) {
    const std::string token = new_user(user());
    const std::string fqdn = host();
    ASSERT_EQ(call("POST", "hosts", R"({"name":")" + fqdn + R"("})", token).status, 201);
    const std::string name = call("GET", "account", {}, token).text("username");

    auto r =
        call("POST", "tokens",
             R"({"name":"away","networks":"10.9.9.0/24, 2001:db8::/48","max_age":"30d"})", token);
    ASSERT_EQ(r.status, 201) << r.http.body;
    const std::string away = r.text("token");
    r = call("POST", "tokens", R"({"name":"acme","purpose":"acme","max_unused":"12h"})", token);
    ASSERT_EQ(r.status, 201) << r.http.body;
    EXPECT_EQ(r.text("purpose"), "acme");
    const std::string acme = r.text("token");
    r = call("POST", "tokens", R"({"name":"here","networks":"127.0.0.0/8"})", token);
    ASSERT_EQ(r.status, 201) << r.http.body;
    const std::string here = r.text("token");

    const auto update = [&](const std::string& secret, const char* ip) {
        return stack()
            .get("/nic/update?hostname=" + fqdn + "&myip=" + ip, std::make_pair(name, secret))
            .body;
    };
    EXPECT_EQ(update(away, "192.0.2.51"), "badauth");
    EXPECT_EQ(update(acme, "192.0.2.52"), "nohost");
    EXPECT_EQ(update(here, "192.0.2.53"), "good 192.0.2.53");
    EXPECT_EQ(a_records(fqdn), std::vector<std::string>{"192.0.2.53"});

    r = call("GET", "tokens", {}, token);
    ASSERT_EQ(r.status, 200);
    const auto list = r.json->getArray("tokens");
    ASSERT_EQ(list->size(), 3U);
    const auto first = list->getObject(0);
    EXPECT_EQ(first->getValue<std::string>("purpose"), "update");
    EXPECT_EQ(first->getArray("networks")->getElement<std::string>(0), "10.9.9.0/24");
    EXPECT_EQ(first->getArray("networks")->getElement<std::string>(1), "2001:db8::/48");
    EXPECT_EQ(first->getValue<std::int64_t>("max_age_seconds"), 30 * 86400);
    EXPECT_TRUE(first->isNull("last_used_address")) << "a refused attempt is no use";
    EXPECT_EQ(list->getObject(1)->getValue<std::int64_t>("max_unused_seconds"), 12 * 3600);
    EXPECT_EQ(list->getObject(2)->getValue<std::string>("last_used_address"), "127.0.0.1");

    // Limits that do not parse: 400 with the reason, and no token.
    for (const char* body : {R"({"purpose":"admin"})", R"({"networks":"10.0.0.0/33"})",
                             R"({"max_age":"soon"})", R"({"max_unused":"0"})"}) {
        r = call("POST", "tokens", body, token);
        EXPECT_EQ(r.status, 400) << body << " " << r.http.body;
    }
    EXPECT_EQ(call("GET", "tokens", {}, token).json->getArray("tokens")->size(), 3U);
}

// A free account's round robin (the legacy client's Add joins the A set): "ipv4_all" lists every
// address named serves; "ipv4" stays the first.
// A host whose addresses are mirrored at *.<host> (dyndns2 wildcard=ON): removing it through the
// API clears the mirror with the name.
TEST_F(Api, RemovingAHostClearsItsWildcardMirror) {
    ASSERT_EQ(stack().admin({"zone", "wildcard", kPublicZone, "on"}).exit_code, 0);
    const std::string name = user();
    const std::string token = new_user(name);
    const std::string fqdn = host();
    ASSERT_EQ(call("POST", "hosts", R"({"name":")" + fqdn + R"("})", token).status, 201);
    const auto u =
        stack().get("/nic/update?hostname=" + fqdn + "&myip=192.0.2.44,2001:db8::44&wildcard=ON",
                    std::make_pair(name, std::string(kPassword)));
    ASSERT_EQ(u.body, "good 192.0.2.44,2001:db8::44");
    ASSERT_EQ(a_records("*." + fqdn), std::vector<std::string>{"192.0.2.44"});
    EXPECT_EQ(call("DELETE", "hosts/" + fqdn, {}, token).status, 204);
    EXPECT_TRUE(a_records(fqdn).empty());
    EXPECT_TRUE(a_records("*." + fqdn).empty());
    EXPECT_TRUE(aaaa_records("*." + fqdn).empty());
}

TEST_F(Api, ARoundRobinListsEveryAddress) {
    const std::string name = user();
    const std::string token = new_user(name);
    const std::string fqdn = host();
    ASSERT_EQ(call("POST", "hosts", R"({"name":")" + fqdn + R"("})", token).status, 201);
    for (const char* ip : {"192.0.2.95", "192.0.2.96"}) {
        const auto r = stack().get(
            "/dnslogin3.asp?Usr=" + name + "&Pwd=a%20long%20enough%20password&FXN=Add&IP=" + ip,
            std::nullopt, {"User-Agent: Dynamic DNS App"});
        ASSERT_EQ(r.body, "DNS ADD:SUCCESS\r\n");
    }
    auto r = call("GET", "hosts/" + fqdn, {}, token);
    ASSERT_EQ(r.status, 200) << r.http.body;
    EXPECT_EQ(r.text("ipv4"), "192.0.2.95");
    auto all = r.json->getArray("ipv4_all");
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u) << r.http.body;
    EXPECT_EQ(all->getElement<std::string>(0), "192.0.2.95");
    EXPECT_EQ(all->getElement<std::string>(1), "192.0.2.96");
    EXPECT_EQ(a_records(fqdn).size(), 2u);
    r = call("GET", "hosts", {}, token);
    EXPECT_NE(r.http.body.find("192.0.2.96"), std::string::npos) << r.http.body;
}

TEST_F(Api, AnotherUsersHostAndTokenAreNotFoundAndUnchanged) {
    const std::string alice = new_user(user("a"));
    const std::string mallory = new_user(user("m"));
    const std::string fqdn = host();
    ASSERT_EQ(call("POST", "hosts", R"({"name":")" + fqdn + R"("})", alice).status, 201);
    ASSERT_EQ(call("PUT", "hosts/" + fqdn + "/address", R"({"ipv4":"192.0.2.50"})", alice).status,
              200);
    auto t = call("POST", "tokens", R"({"name":"nas"})", alice);
    const auto token_id = t.json->getValue<std::int64_t>("id");

    EXPECT_EQ(call("GET", "hosts/" + fqdn, {}, mallory).status, 404);
    EXPECT_EQ(call("DELETE", "hosts/" + fqdn, {}, mallory).status, 404);
    EXPECT_EQ(call("PUT", "hosts/" + fqdn + "/address", R"({"ipv4":"192.0.2.66"})", mallory).status,
              404);
    EXPECT_EQ(call("GET", "hosts/" + fqdn + "/history", {}, mallory).status, 404);
    EXPECT_EQ(call("DELETE", "tokens/" + std::to_string(token_id), {}, mallory).status, 404);
    EXPECT_EQ(call("POST", "tokens", R"({"host":")" + fqdn + R"("})", mallory).status, 404);
    EXPECT_EQ(call("POST", "hosts", R"({"name":")" + fqdn + R"("})", mallory).status, 409);

    EXPECT_EQ(a_records(fqdn), std::vector<std::string>{"192.0.2.50"});
    EXPECT_EQ(stored_ipv4(fqdn), "192.0.2.50");
    EXPECT_EQ(stack().sql("select count(*) from tokens where id = " + std::to_string(token_id)),
              "1");
}

TEST_F(Api, TokenKindsNeverCross) {
    const std::string name = user();
    const std::string api_token = new_user(name);
    const std::string fqdn = host();
    ASSERT_EQ(call("POST", "hosts", R"({"name":")" + fqdn + R"("})", api_token).status, 201);
    const std::string update_token = call("POST", "tokens", "{}", api_token).text("token");
    ASSERT_EQ(update_token.size(), 32u);
    // An update token never manages the account: not as Bearer, not at login.
    auto r = call("GET", "account", {}, update_token);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.error_code(), "bad_credentials");
    r = call("POST", "login",
             R"({"username":")" + name + R"(","password":")" + update_token + R"("})");
    EXPECT_EQ(r.status, 401);
    // An API token never updates an address.
    auto u = stack().get("/nic/update?hostname=" + fqdn + "&myip=192.0.2.77",
                         std::make_pair(name, api_token));
    EXPECT_EQ(u.status, 401);
    EXPECT_TRUE(a_records(fqdn).empty());
    // No token at all.
    r = call("GET", "hosts");
    EXPECT_EQ(r.status, 401);
    EXPECT_TRUE(r.http.header("WWW-Authenticate").has_value());
}

TEST_F(Api, ResetIsEnumerationSafeSingleUseAndDiesWithAPasswordChange) {
    const std::string name = user();
    const std::string token = new_user(name);
    auto unknown = call("POST", "password/forgot", R"({"login":"nobody-here"})");
    auto known = call("POST", "password/forgot", R"({"login":")" + email(name) + R"("})");
    EXPECT_EQ(unknown.status, 202);
    EXPECT_EQ(known.status, unknown.status);
    EXPECT_EQ(known.http.body, unknown.http.body);
    const std::string link = mailed_token(email(name), "reset");
    ASSERT_EQ(link.size(), 32u);

    const std::string fresh = "another long password";
    auto r = call("POST", "password/reset",
                  R"({"token":")" + link + R"(","password":")" + fresh + R"("})");
    ASSERT_EQ(r.status, 200) << r.http.body;
    r = call("POST", "password/reset",
             R"({"token":")" + link + R"(","password":"yet another password"})");
    EXPECT_EQ(r.error_code(), "link_invalid");
    EXPECT_EQ(
        call("POST", "login", R"({"username":")" + name + R"(","password":")" + kPassword + R"("})")
            .status,
        401);
    // The reset revoked the API tokens made with the old password.
    EXPECT_EQ(call("GET", "account", {}, token).status, 401);
    const std::string again = login(name, fresh);

    // An expired link is refused.
    call("POST", "password/forgot", R"({"login":")" + name + R"("})");
    const std::string expired = mailed_token(email(name), "reset");
    stack().sql(
        "update account_links set expires_at = now() - interval '1 second' where "
        "purpose = 'reset' and used_at is null");
    r = call("POST", "password/reset",
             R"({"token":")" + expired + R"(","password":"one more long password"})");
    EXPECT_EQ(r.error_code(), "link_invalid");

    // A link outstanding when the password changes is refused.
    call("POST", "password/forgot", R"({"login":")" + name + R"("})");
    const std::string outstanding = mailed_token(email(name), "reset");
    ASSERT_NE(outstanding, expired);
    r = call("PUT", "account/password",
             R"({"current":")" + fresh + R"(","new":"changed long password"})", again);
    EXPECT_EQ(r.status, 204) << r.http.body;
    r = call("POST", "password/reset",
             R"({"token":")" + outstanding + R"(","password":"one more long password"})");
    EXPECT_EQ(r.error_code(), "link_invalid");
    EXPECT_FALSE(login(name, "changed long password").empty());
}

TEST_F(Api, BadJsonAndBadFieldsChangeNothing) {
    const std::string token = new_user(user());
    auto r = call("POST", "hosts", R"({"name": )", token);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.error_code(), "bad_json");
    r = call("POST", "hosts", R"(["not", "an", "object"])", token);
    EXPECT_EQ(r.error_code(), "bad_json");
    r = call("POST", "hosts", R"({"name": 42})", token);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.error_code(), "bad_request");
    r = call("PUT", "account/dynamic", R"({"enabled": "yes"})", token);
    EXPECT_EQ(r.error_code(), "bad_request");
    const std::string name = call("GET", "account", {}, token).text("username");
    EXPECT_EQ(stack().sql("select count(*) from hosts h join accounts a on a.id = h.account_id "
                          "where a.username = '" +
                          name + "'"),
              "0");
    EXPECT_EQ(stack().sql("select dynamic_updates from accounts where username = '" + name + "'"),
              "f");
    r = call("PUT", "account/dynamic", R"({"enabled": true})", token);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(stack().sql("select dynamic_updates from accounts where username = '" + name + "'"),
              "t");
    EXPECT_EQ(call("GET", "no-such-endpoint", {}, token).error_code(), "not_found");
}

TEST_F(Api, NamesFollowTheOperatorsRules) {
    const std::string token = new_user(user());
    auto r = call("POST", "hosts", R"({"name":"www.)" + std::string(kPublicZone) + R"("})", token);
    EXPECT_EQ(r.error_code(), "reserved");
    r = call("POST", "hosts", R"({"name":"x-)" + label_ + "." + kPrivateZone + R"("})", token);
    EXPECT_EQ(r.error_code(), "not_allowed");
    r = call("POST", "hosts", R"({"name":"a.b-)" + label_ + "." + kPublicZone + R"("})", token);
    EXPECT_EQ(r.error_code(), "bad_input");
    EXPECT_EQ(call("POST", "hosts", R"({"name":")" + host("one") + R"("})", token).status, 201);
    EXPECT_EQ(call("POST", "hosts", R"({"name":")" + host("two") + R"("})", token).status, 201);
    r = call("GET", "names/" + host("three"), {}, token);
    EXPECT_EQ(r.http.body.find("\"available\":false"), r.http.body.find("\"available\""));
    r = call("POST", "hosts", R"({"name":")" + host("three") + R"("})", token);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.error_code(), "host_limit");
}

TEST_F(Api, FailedLoginsAreThrottledWithRetryAfter) {
    const std::string name = user();
    new_user(name);
    ApiReply r;
    for (int i = 0; i < 12 && r.status != 429; ++i)
        r = call("POST", "login",
                 R"({"username":")" + name + R"(","password":"wrong password here"})");
    ASSERT_EQ(r.status, 429) << r.http.body;
    EXPECT_EQ(r.error_code(), "throttled");
    const auto retry = r.http.header("Retry-After");
    ASSERT_TRUE(retry.has_value());
    EXPECT_GE(std::stoi(*retry), 1);
}

TEST_F(Api, DomainAccountsManageTheirRecords) {
    const std::string owner = user("owner");
    stack().add_account(owner, kPassword, "domain");
    const auto z =
        stack().admin({"zone", "add", kDomainZone, "--server",
                       "127.0.0.1:" + std::to_string(stack().named().port()), "--key-file",
                       stack().named().key_file().string(), "--owner", owner});
    ASSERT_EQ(z.exit_code, 0) << z.output;
    const auto t = stack().admin({"apitoken", "add", owner});
    ASSERT_EQ(t.exit_code, 0) << t.output;
    const std::string token = t.output.substr(0, t.output.find('\n'));
    const std::string www = "www." + std::string(kDomainZone);
    const auto zones = call("GET", "zones", {}, token);
    ASSERT_EQ(zones.status, 200) << zones.http.body;
    EXPECT_NE(zones.http.body.find(R"("owned_zones":[")" + std::string(kDomainZone) + "\"]"),
              std::string::npos)
        << zones.http.body;
    auto r = call("POST", std::string("zones/") + kDomainZone + "/records",
                  R"({"name":")" + www + R"(","type":"A","data":"192.0.2.80"})", token);
    ASSERT_EQ(r.status, 201) << r.http.body;
    EXPECT_EQ(a_records(www), std::vector<std::string>{"192.0.2.80"});
    r = call("GET", std::string("zones/") + kDomainZone + "/records", {}, token);
    EXPECT_NE(r.http.body.find("192.0.2.80"), std::string::npos);

    const std::string other = new_user(user("other"));
    EXPECT_NE(call("GET", "zones", {}, other).http.body.find(R"("owned_zones":[])"),
              std::string::npos);
    r = call("GET", std::string("zones/") + kDomainZone + "/records", {}, other);
    EXPECT_EQ(r.status, 404);
    r = call("DELETE", std::string("zones/") + kDomainZone + "/records",
             R"({"name":")" + www + R"(","type":"A"})", other);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(a_records(www), std::vector<std::string>{"192.0.2.80"});
    r = call("DELETE", std::string("zones/") + kDomainZone + "/records",
             R"({"name":")" + www + R"(","type":"A"})", token);
    EXPECT_EQ(r.status, 204) << r.http.body;
    EXPECT_TRUE(a_records(www).empty());
}

TEST_F(Api, SettingsApiTokensEmailChangeAndDeletion) {
    const std::string name = user();
    const std::string token = new_user(name);
    const std::string fqdn = host();
    ASSERT_EQ(call("POST", "hosts", R"({"name":")" + fqdn + R"("})", token).status, 201);
    // Addresses that are not public are refused and change nothing.
    auto r = call("PUT", "hosts/" + fqdn + "/address", R"({"ipv4":"10.0.0.1"})", token);
    EXPECT_EQ(r.error_code(), "bad_input");
    EXPECT_TRUE(a_records(fqdn).empty());
    // Heartbeat: at least a minute; a free account does not choose the offline action.
    EXPECT_EQ(call("PATCH", "hosts/" + fqdn, R"({"heartbeat":5})", token).error_code(),
              "bad_input");
    r = call("PATCH", "hosts/" + fqdn, R"({"heartbeat":900})", token);
    EXPECT_EQ(r.status, 200) << r.http.body;
    EXPECT_EQ(stack().sql("select heartbeat_seconds from hosts where name = '" + fqdn + "'"),
              "900");
    EXPECT_EQ(
        call("PATCH", "hosts/" + fqdn, R"({"offline_action":"sentinel"})", token).error_code(),
        "not_allowed");

    // A second API token; revoking it leaves the first working.
    r = call("POST", "api-tokens", R"({"name":"script"})", token);
    ASSERT_EQ(r.status, 201);
    const std::string second = r.text("token");
    const auto second_id = r.json->getValue<std::int64_t>("id");
    EXPECT_EQ(call("GET", "account", {}, second).status, 200);
    EXPECT_EQ(call("DELETE", "api-tokens/" + std::to_string(second_id), {}, token).status, 204);
    EXPECT_EQ(call("GET", "account", {}, second).status, 401);
    EXPECT_EQ(call("GET", "account", {}, token).status, 200);

    // The e-mail address changes only when the link mailed to the new address is followed.
    const std::string fresh = name + "-new@mail.example.test";
    EXPECT_EQ(call("PUT", "account/email", R"({"email":")" + fresh + R"("})", token).status, 202);
    EXPECT_EQ(call("GET", "account", {}, token).text("email"), email(name));
    const std::string link = mailed_token(fresh, "change-email");
    ASSERT_EQ(link.size(), 32u);
    EXPECT_EQ(call("POST", "verify", R"({"token":")" + link + R"("})").status, 200);
    EXPECT_EQ(call("GET", "account", {}, token).text("email"), fresh);

    // Deleting needs the password, and clears the names in DNS first.
    ASSERT_EQ(call("PUT", "hosts/" + fqdn + "/address", R"({"ipv4":"192.0.2.90"})", token).status,
              200);
    EXPECT_EQ(a_records(fqdn), std::vector<std::string>{"192.0.2.90"});
    EXPECT_EQ(call("DELETE", "account", R"({"password":"wrong password!"})", token).status, 401);
    EXPECT_EQ(
        call("DELETE", "account", R"({"password":")" + std::string(kPassword) + R"("})", token)
            .status,
        204);
    EXPECT_TRUE(a_records(fqdn).empty());
    EXPECT_EQ(stack().sql("select count(*) from accounts where username = '" + name + "'"), "0");
    EXPECT_EQ(call("GET", "account", {}, token).status, 401);
}

}  // namespace
}  // namespace ddns::test
