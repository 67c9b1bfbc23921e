// ACME DNS-01 end to end: Debian's pebble (a real ACME server, resolving through the test's
// named) issues certificates to Debian's lego (a real ACME client) that answers the challenges
// through the gateway, once with `--dns acme-dns` and once with `--dns httpreq`. Also the
// refusals around it: an ACME token for an address update or for another host, an update token
// for a challenge, a malformed value.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "acme_requests.hpp"
#include "stack_environment.hpp"

namespace ddns::test {
namespace {

const auto* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new StackEnvironment(GatewayStackOptions{}));

const std::string kZone = "example.test";
// A valid DNS-01 value: 43 base64url characters.
const std::string kValue = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";
const std::string kOtherValue = "uN4uF0rUUf2AxpX7_Pdn6IW0Xf0pRnoItzr9Ky8bCLw";

class Pebble {
public:
    Pebble(const std::filesystem::path& dir, std::uint16_t dns_port) : dir_(dir) {
        files_ = make_self_signed_certificate(dir_, "pebble");
        port_ = free_port();
        const std::uint16_t management = free_port();
        const std::uint16_t http01 = free_port();
        const std::uint16_t tls01 = free_port();
        const auto config = dir_ / "pebble.json";
        write_file(
            config,
            "{\"pebble\": {\"listenAddress\": \"127.0.0.1:" + std::to_string(port_) +
                "\", \"managementListenAddress\": \"127.0.0.1:" + std::to_string(management) +
                "\", \"certificate\": \"" + files_.certificate.string() + "\", \"privateKey\": \"" +
                files_.private_key.string() + "\", \"httpPort\": " + std::to_string(http01) +
                ", \"tlsPort\": " + std::to_string(tls01) +
                ", \"ocspResponderURL\": \"\", "
                "\"externalAccountBindingRequired\": false}}\n");
        process_ = std::make_unique<ChildProcess>(
            std::vector<std::string>{"pebble", "-config", config.string(), "-dnsserver",
                                     "127.0.0.1:" + std::to_string(dns_port)},
            dir_ / "pebble.log",
            std::map<std::string, std::string>{{"PEBBLE_VA_NOSLEEP", "1"},
                                               {"PEBBLE_WFE_NONCEREJECT", "0"}});
        const bool up = wait_until([&] {
            return https_exchange(port_, files_.certificate, "/dir", std::nullopt, {}).status ==
                   200;
        });
        if (!up) throw std::runtime_error("pebble did not start:\n" + process_->log());
    }

    std::string directory() const { return "https://127.0.0.1:" + std::to_string(port_) + "/dir"; }
    const std::filesystem::path& ca() const { return files_.certificate; }
    std::string log() const { return process_->log(); }

private:
    std::filesystem::path dir_;
    TlsFiles files_;
    std::uint16_t port_ = 0;
    std::unique_ptr<ChildProcess> process_;
};

class AcmeTest : public StackTest {
protected:
    void SetUp() override {
        if (!pebble_) pebble_ = std::make_unique<Pebble>(dir_.path(), stack().named().port());
    }
    static void TearDownTestSuite() { pebble_.reset(); }

    std::string gateway() const {
        return "http://127.0.0.1:" + std::to_string(g_stack->http_port());
    }

    // lego against pebble for `domain`, answering through the gateway with `provider`.
    CommandResult lego(const std::string& provider, const std::string& domain,
                       std::map<std::string, std::string> env) {
        const auto path = dir_.path() / ("lego-" + provider);
        env["LEGO_CA_CERTIFICATES"] = pebble_->ca().string();
        return run_command(
            {"lego", "--server", pebble_->directory(), "--accept-tos", "--email", "ops@" + kZone,
             "--path", path.string(), "--dns", provider, "--dns.resolvers",
             "127.0.0.1:" + std::to_string(stack().named().port()), "--dns.disable-cp", "--domains",
             domain, "run"},
            std::chrono::seconds(120), {}, env);
    }

    bool issued(const std::string& provider, const std::string& domain) {
        const auto crt = dir_.path() / ("lego-" + provider) / "certificates" / (domain + ".crt");
        if (!std::filesystem::exists(crt)) return false;
        const auto r = run_command(
            {"openssl", "x509", "-in", crt.string(), "-noout", "-ext", "subjectAltName"});
        return r.exit_code == 0 && r.output.find("DNS:" + domain) != std::string::npos;
    }

    std::vector<std::string> txt(const std::string& host) {
        return stack().named().query("_acme-challenge." + host, "TXT");
    }

    HttpReply post(const std::string& path, const std::vector<std::string>& headers,
                   const std::string& body) {
        return acme_post(stack(), path, headers, body);
    }
    HttpReply acme_dns(const std::string& user, const std::string& key,
                       const std::string& subdomain, const std::string& value) {
        return acme_dns_request(stack(), user, key, subdomain, value);
    }
    HttpReply httpreq(const std::string& path, const std::string& user, const std::string& key,
                      const std::string& host, const std::string& value) {
        return httpreq_request(stack(), path, user, key, host, value);
    }

    void TearDown() override {
        if (HasFailure()) std::cerr << stack().logs() << "\npebble:\n" << pebble_->log();
    }

    static inline TempDir dir_{"ddns-acme"};
    static inline std::unique_ptr<Pebble> pebble_;
};

// Debian's lego is built without its acme-dns provider (the goacmedns library is not packaged),
// so lego's `exec` provider stands in for it: the hook sends exactly the request goacmedns sends
// (POST /update, X-Api-User and X-Api-Key, {"SubDomain","Txt"}) and, like it, no cleanup.
TEST_F(AcmeTest, LegoGetsACertificateThroughTheAcmeDnsApi) {
    stack().add_account("acmedns", "acme-dns-password");
    const std::string host = "web." + kZone;
    stack().add_host(host, "acmedns");
    const auto r = stack().admin(
        {"token", "add", "acmedns", "--host", host, "--purpose", "acme", "--name", "lego"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string token = r.output.substr(0, r.output.find('\n'));

    const auto hook = dir_.path() / "acme-dns-hook.sh";
    write_file(hook, R"(#!/bin/sh
# lego exec: $1 = present | cleanup, $2 = _acme-challenge.<host>., $3 = the value.
[ "$1" = present ] || exit 0
subdomain=${2#_acme-challenge.}
subdomain=${subdomain%.}
code=$(curl -sS -o /dev/stderr -w '%{http_code}' -X POST "$ACME_DNS_API_BASE/update" \
  -H 'Content-Type: application/json' -H 'User-Agent: goacmedns (linux; amd64)' \
  -H "X-Api-User: $ACME_DNS_USER" -H "X-Api-Key: $ACME_DNS_KEY" \
  -d "{\"SubDomain\":\"$subdomain\",\"Txt\":\"$3\"}")
[ "$code" = 200 ]
)");
    std::filesystem::permissions(hook, std::filesystem::perms::owner_all);
    const auto run = lego("exec", host,
                          {{"EXEC_PATH", hook.string()},
                           {"ACME_DNS_API_BASE", gateway()},
                           {"ACME_DNS_USER", "acmedns"},
                           {"ACME_DNS_KEY", token}});
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_TRUE(issued("exec", host));
    // acme-dns has no cleanup: the value stays (one of at most two) until the next one.
    EXPECT_EQ(txt(host).size(), 1U);
    EXPECT_EQ(stack().sql("select count(*) from records where name = '_acme-challenge." + host +
                          "' and type = 'TXT'"),
              "1");
    EXPECT_EQ(stack().sql("select host(last_used_address) from tokens where name = 'lego'"),
              "127.0.0.1");
}

TEST_F(AcmeTest, LegoGetsACertificateThroughHttpreqAndTheValuesAreGoneAfterwards) {
    stack().add_account("httpreq", "httpreq-password");
    const std::string host = "mail." + kZone;
    stack().add_host(host, "httpreq");
    const auto run = lego("httpreq", host,
                          {{"HTTPREQ_ENDPOINT", gateway()},
                           {"HTTPREQ_USERNAME", "httpreq"},
                           {"HTTPREQ_PASSWORD", "httpreq-password"}});
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_TRUE(issued("httpreq", host));
    EXPECT_TRUE(txt(host).empty());
    EXPECT_EQ(
        stack().sql("select count(*) from records where name like '_acme-challenge.%" + host + "'"),
        "0");
}

TEST_F(AcmeTest, AtMostTwoValuesAndCleanupRemovesOne) {
    stack().add_account("twovalues", "two-values-password");
    const std::string host = "two." + kZone;
    stack().add_host(host, "twovalues");
    const std::string third = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for (const auto& v : {kValue, kOtherValue, third})
        EXPECT_EQ(httpreq("/present", "twovalues", "two-values-password", host, v).status, 200);
    EXPECT_EQ(txt(host),
              (std::vector<std::string>{"\"" + third + "\"", "\"" + kOtherValue + "\""}));
    EXPECT_EQ(httpreq("/cleanup", "twovalues", "two-values-password", host, third).status, 200);
    EXPECT_EQ(txt(host), std::vector<std::string>{"\"" + kOtherValue + "\""});
    EXPECT_EQ(httpreq("/cleanup", "twovalues", "two-values-password", host, kOtherValue).status,
              200);
    EXPECT_TRUE(txt(host).empty());
}

TEST_F(AcmeTest, AnAcmeTokenUpdatesNoAddressAndNoOtherHost) {
    stack().add_account("scoped", "scoped-password");
    const std::string host = "scoped." + kZone;
    const std::string other = "other-scoped." + kZone;
    stack().add_host(host, "scoped");
    stack().add_host(other, "scoped");
    const auto r = stack().admin({"token", "add", "scoped", "--host", host, "--purpose", "acme"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string token = r.output.substr(0, r.output.find('\n'));

    // An address update with the ACME token: refused, nothing in DNS.
    const auto update =
        stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.44", {{"scoped", token}});
    EXPECT_EQ(update.body.substr(0, 5), "nohos") << update.body;
    EXPECT_TRUE(a_records(host).empty());
    // A challenge of another host of the same account: refused.
    EXPECT_EQ(acme_dns("scoped", token, other, kValue).status, 403);
    EXPECT_TRUE(txt(other).empty());
    // Its own host: fine.
    const auto own = acme_dns("scoped", token, host, kValue);
    EXPECT_EQ(own.status, 200) << own.body;
    EXPECT_EQ(txt(host), std::vector<std::string>{"\"" + kValue + "\""});

    // An update token may not answer challenges, and the ACME one stays away from the A record.
    const std::string update_token = stack().add_token("scoped", host);
    EXPECT_EQ(acme_dns("scoped", update_token, host, kOtherValue).status, 403);
    EXPECT_EQ(txt(host).size(), 1U);
}

TEST_F(AcmeTest, BadInputIsAnsweredAndChangesNothing) {
    stack().add_account("badinput", "bad-input-password");
    const std::string host = "bad." + kZone;
    stack().add_host(host, "badinput");
    const std::string pw = "bad-input-password";
    EXPECT_EQ(acme_dns("badinput", pw, host, kValue.substr(1)).status, 400);  // 42 characters
    EXPECT_EQ(acme_dns("badinput", pw, host, kValue.substr(1) + "=").status, 400);
    EXPECT_EQ(acme_dns("badinput", pw, "not a name", kValue).status, 400);
    EXPECT_EQ(post("/update", {"X-Api-User: badinput", "X-Api-Key: " + pw}, "{\"txt\":").status,
              400);
    EXPECT_EQ(acme_dns("badinput", "wrong-password", host, kValue).status, 401);
    EXPECT_EQ(httpreq("/present", "badinput", "wrong-password", host, kValue).status, 401);
    EXPECT_EQ(httpreq("/present", "badinput", pw, "other." + kZone, kValue).status, 403);
    EXPECT_TRUE(txt(host).empty());
    // dyndns2's /update is still dyndns2 without X-Api-User.
    const auto dyndns2 =
        stack().get("/update?hostname=" + host + "&myip=192.0.2.45", {{"badinput", pw}});
    EXPECT_EQ(dyndns2.body, "good 192.0.2.45") << dyndns2.body;
}

}  // namespace
}  // namespace ddns::test
