// The ACME endpoints against fakes: which /update requests are acme-dns's, the JSON bodies both
// APIs send (goacmedns's capitalised keys included), and one answer per refusal, with nothing
// sent to DNS for any of them.
#include "ddns/gateway/dialects/acme_dialect.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "dialect_fixture.hpp"

namespace ddns::gateway {
namespace {

const std::string kValue = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";

class AcmeDialectTest : public ::testing::Test, protected fakes::DialectFixture {
protected:
    AcmeDialectTest() {
        auth::Principal alice;
        alice.account = account(7, "alice");
        add_host(alice, 100, "home.dyn.example", zone(1, "dyn.example"));
        add_host(alice, 101, "cabin.dyn.example", zone(1, "dyn.example"));
        accounts.add(alice);
    }

    RequestView acme_dns_request(const std::string& user, const std::string& key,
                                 const std::string& body) {
        RequestView r = request("POST", "/update", "");
        r.headers = {
            {"X-Api-User", user}, {"X-Api-Key", key}, {"Content-Type", "application/json"}};
        r.body = body;
        return r;
    }
    RequestView httpreq_request(const std::string& path, const std::string& user,
                                const std::string& password, const std::string& body) {
        RequestView r = request("POST", path, "");
        r.headers = {{"Authorization", "Basic " + basic(user + ":" + password)}};
        r.body = body;
        return r;
    }
    static std::string basic(const std::string& text) {
        static const char* alphabet =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        std::string out;
        int bits = 0;
        unsigned value = 0;
        for (char ch : text) {
            const auto c = static_cast<unsigned char>(ch);
            value = (value << 8) | c;
            bits += 8;
            while (bits >= 6) {
                bits -= 6;
                out += alphabet[(value >> bits) & 0x3f];
            }
        }
        if (bits > 0) out += alphabet[(value << (6 - bits)) & 0x3f];
        while (out.size() % 4 != 0) out += '=';
        return out;
    }

    AcmeChallenges challenges{record_service, records};
    AcmeDialect dialect{authenticator, challenges, log};
};

TEST_F(AcmeDialectTest, OnlyAPostWithXApiUserIsAcmeDns) {
    EXPECT_TRUE(is_acme_dns_request(acme_dns_request("alice", kPassword, "{}")));
    RequestView dyndns2 = request("POST", "/update", "hostname=home.dyn.example");
    dyndns2.headers = {{"Authorization", "Basic " + basic("alice:pw")}};
    EXPECT_FALSE(is_acme_dns_request(dyndns2));
    RequestView get = acme_dns_request("alice", kPassword, "{}");
    get.method = "GET";
    EXPECT_FALSE(is_acme_dns_request(get));
}

TEST_F(AcmeDialectTest, GoacmednsCapitalisedKeysAreRead) {
    const Response r = dialect.acme_dns_update(acme_dns_request(
        "alice", kPassword, "{\"SubDomain\":\"home.dyn.example\",\"Txt\":\"" + kValue + "\"}"));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "{\"txt\":\"" + kValue + "\"}\n");
    EXPECT_EQ(r.content_type, "application/json");
    ASSERT_EQ(sender.sent.size(), 1U);
    EXPECT_EQ(records.stored(1).size(), 1U);
    EXPECT_EQ(records.stored(1)[0].owner(), name("_acme-challenge.home.dyn.example"));
}

TEST_F(AcmeDialectTest, HttpreqPresentsAndCleansUp) {
    const std::string body =
        "{\"fqdn\":\"_acme-challenge.cabin.dyn.example.\",\"value\":\"" + kValue + "\"}";
    Response r = dialect.present(httpreq_request("/present", "alice", kPassword, body));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(records.stored(1).size(), 1U);
    // The update log's row: the host, what was done.
    ASSERT_TRUE(r.audit);
    EXPECT_EQ(r.audit->dialect, "httpreq");
    EXPECT_EQ(r.audit->account_id, 7);
    ASSERT_EQ(r.audit->hosts.size(), 1U);
    EXPECT_EQ(r.audit->hosts[0].host_id, 101);
    EXPECT_EQ(r.audit->hosts[0].outcome, "present");
    EXPECT_EQ(r.audit->hosts[0].fault, auth::FaultClass::None);
    r = dialect.cleanup(httpreq_request("/cleanup", "alice", kPassword, body));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(records.stored(1).empty());
    ASSERT_TRUE(r.audit);
    EXPECT_EQ(r.audit->hosts.at(0).outcome, "cleanup");
}

struct RefusalCase {
    const char* what;
    bool httpreq;
    std::string user;
    std::string secret;
    std::string body;
    int status;
    std::string body_word;
};

void PrintTo(const RefusalCase& c, std::ostream* out) {
    *out << c.what;
}

class AcmeRefusal : public AcmeDialectTest, public ::testing::WithParamInterface<RefusalCase> {};

TEST_P(AcmeRefusal, Row) {
    const RefusalCase& c = GetParam();
    const Response r = c.httpreq
                           ? dialect.present(httpreq_request("/present", c.user, c.secret, c.body))
                           : dialect.acme_dns_update(acme_dns_request(c.user, c.secret, c.body));
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(r.body, "{\"error\":\"" + c.body_word + "\"}\n");
    EXPECT_TRUE(sender.sent.empty());
    const bool challenged = std::any_of(r.headers.begin(), r.headers.end(), [](const Header& h) {
        return h.name == "WWW-Authenticate";
    });
    EXPECT_EQ(challenged, c.httpreq && c.status == 401);
    // Every refusal is a row of the update log too, with the answer's word, never the secret.
    ASSERT_TRUE(r.audit);
    EXPECT_EQ(r.audit->dialect, c.httpreq ? "httpreq" : "acme-dns");
    ASSERT_EQ(r.audit->hosts.size(), 1U);
    EXPECT_EQ(r.audit->hosts[0].outcome, c.body_word);
    EXPECT_NE(r.audit->hosts[0].fault, auth::FaultClass::None);
    EXPECT_FALSE(r.audit->hosts[0].host_id) << "no host proven";
    EXPECT_EQ(r.audit->hosts[0].detail.find(c.secret), std::string::npos);
}

std::string acme_body(const std::string& name, const std::string& value) {
    return "{\"subdomain\":\"" + name + "\",\"txt\":\"" + value + "\"}";
}

INSTANTIATE_TEST_SUITE_P(
    Table, AcmeRefusal,
    ::testing::Values(
        RefusalCase{"not JSON", false, "alice", "pw", "subdomain=x", 400, "bad_request"},
        RefusalCase{"an array", false, "alice", "pw", "[1,2]", 400, "bad_request"},
        RefusalCase{"txt missing", false, "alice", "pw", "{\"subdomain\":\"home.dyn.example\"}",
                    400, "bad_request"},
        RefusalCase{"txt a number", false, "alice", "pw",
                    "{\"subdomain\":\"home.dyn.example\",\"txt\":43}", 400, "bad_request"},
        RefusalCase{"short value", false, "alice", "pw",
                    acme_body("home.dyn.example", kValue.substr(1)), 400, "bad_txt"},
        RefusalCase{"padded value", false, "alice", "pw",
                    acme_body("home.dyn.example", kValue.substr(1) + "="), 400, "bad_txt"},
        RefusalCase{"not a name", false, "alice", "pw", acme_body("home dyn", kValue), 400,
                    "bad_subdomain"},
        RefusalCase{"httpreq without the challenge label", true, "alice", "pw",
                    "{\"fqdn\":\"home.dyn.example.\",\"value\":\"" + kValue + "\"}", 400,
                    "bad_subdomain"},
        RefusalCase{"wrong password", false, "alice", "nope", acme_body("home.dyn.example", kValue),
                    401, "forbidden"},
        RefusalCase{"wrong password, httpreq", true, "alice", "nope",
                    "{\"fqdn\":\"_acme-challenge.home.dyn.example\",\"value\":\"" + kValue + "\"}",
                    401, "forbidden"},
        RefusalCase{"unknown user", false, "mallory", "pw", acme_body("home.dyn.example", kValue),
                    401, "forbidden"},
        RefusalCase{"not the account's host", false, "alice", "pw",
                    acme_body("other.dyn.example", kValue), 403, "forbidden"}));

}  // namespace
}  // namespace ddns::gateway
