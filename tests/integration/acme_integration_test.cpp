// The ACME endpoints (acme-dns POST /update, httpreq /present and /cleanup) in the real binary
// against real named and PostgreSQL, without an ACME server: every request leaves an update-log
// row on the host it is about (present, cleanup, and the refusals, with their fault class), and
// a login that finds no password-hashing slot free in time is answered 503 with Retry-After in
// each API's JSON, never 500. One argon2 slot and no queueing time make "busy" reachable: an
// account whose stored hash is slow holds the slot while other logins arrive.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "acme_requests.hpp"
#include "ddns/auth/password.hpp"
#include "stack_environment.hpp"

namespace ddns::test {
namespace {

const std::string kZone = "example.test";
const std::string kPassword = "acme-integration-password";
const std::string kValue = "LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo";
const std::string kOtherValue = "uN4uF0rUUf2AxpX7_Pdn6IW0Xf0pRnoItzr9Ky8bCLw";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    // New hashes are cheap (1 MiB, one pass); the budget is one slot and nobody waits for it.
    o.argon2_config =
        "auth.argon2_opslimit = 1\nauth.argon2_memlimit_kib = 1024\n"
        "auth.argon2_memory_budget_mib = 1\nauth.argon2_queue_timeout_ms = 0\n";
    return o;
}()));

class Acme : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    HttpReply acme_dns(const std::string& name, const std::string& password,
                       const std::string& subdomain, const std::string& value) {
        return acme_dns_request(stack(), name, password, subdomain, value);
    }
    HttpReply httpreq(const std::string& path, const std::string& name, const std::string& password,
                      const std::string& fqdn, const std::string& value) {
        return httpreq_request(stack(), path, name, password, fqdn, value);
    }
    // The update log of `name`'s host, oldest first: "dialect outcome fault detail" per row.
    std::string log_of(const std::string& name) {
        return stack().sql(
            "select string_agg(l.dialect || ' ' || l.outcome || ' ' || l.fault || ' ' || "
            "coalesce(l.detail, ''), '|' order by l.id) from update_log l "
            "join hosts h on h.id = l.host_id where h.name = '" +
            name + "'");
    }

    std::string user, host;
};

TEST_F(Acme, PresentAndCleanupAreInTheHostsUpdateLogWithTheirOutcome) {
    ASSERT_EQ(httpreq("/present", user, kPassword, host, kValue).status, 200);
    ASSERT_EQ(httpreq("/cleanup", user, kPassword, host, kValue).status, 200);
    ASSERT_EQ(acme_dns(user, kPassword, host, kOtherValue).status, 200);
    // Refused: a wrong password (charged to the account's host), a value that is no value.
    ASSERT_EQ(acme_dns(user, "wrong-password", host, kValue).status, 401);
    EXPECT_EQ(stack().named().query("_acme-challenge." + host, "TXT"),
              std::vector<std::string>{"\"" + kOtherValue + "\""});
    const std::string want =
        "httpreq present none |httpreq cleanup none |acme-dns present none |"
        "acme-dns forbidden auth present";
    EXPECT_TRUE(wait_until([&] { return log_of(host) == want; })) << log_of(host);
    // The API's and pages' history read these rows: the host's last update is the challenge.
    EXPECT_EQ(stack().sql("select count(*) from update_log l join hosts h on h.id = l.host_id "
                          "where h.name = '" +
                          host + "' and l.account_id = h.account_id"),
              "4");
}

// Each API's own error shape, with Retry-After, for a login that found every slot taken.
TEST_F(Acme, NoFreeHashingSlotIsAnswered503WithRetryAfterInEachApi) {
    // An account whose stored hash takes long to verify holds the only slot meanwhile.
    const std::string slow = user + "-slow";
    stack().add_account(slow, kPassword);
    stack().add_host(slow + "." + kZone, slow);
    const auth::PasswordHasher expensive(auth::Argon2Params{8, 128ull * 1024 * 1024});
    const std::string hash = expensive.hash(Secret(kPassword));
    stack().sql("update accounts set password_hash = '" + hash + "' where username = '" + slow +
                "'");
    // Accounts not yet logged in: a login that gets the slot is verified (and remembered), so
    // each of them can be refused only until it once got through.
    std::vector<std::string> cold;
    for (int i = 0; i < 12; ++i) {
        cold.push_back(user + "-c" + std::to_string(i));
        stack().add_account(cold.back(), kPassword);
        stack().add_host(cold.back() + "." + kZone, cold.back());
    }
    HttpReply busy_dns, busy_req;
    std::size_t next = 0;
    for (int round = 0; round < 5 && (busy_dns.status != 503 || busy_req.status != 503); ++round) {
        std::atomic<bool> done{false};
        std::thread holder([&] {
            acme_dns(slow, kPassword, slow + "." + kZone, kValue);
            done = true;
        });
        while (!done && next < cold.size() && (busy_dns.status != 503 || busy_req.status != 503)) {
            const std::string& name = cold[next];
            const std::string fqdn = name + "." + kZone;
            const bool dns_api = busy_dns.status != 503;
            HttpReply r = dns_api ? acme_dns(name, kPassword, fqdn, kValue)
                                  : httpreq("/present", name, kPassword, fqdn, kValue);
            ASSERT_TRUE(r.status == 200 || r.status == 503) << r.raw;
            if (r.status == 200) {
                ++next;  // verified now: no longer cold
            } else {
                (dns_api ? busy_dns : busy_req) = std::move(r);
                EXPECT_TRUE(stack().named().query("_acme-challenge." + fqdn, "TXT").empty());
            }
        }
        holder.join();
    }
    ASSERT_EQ(busy_dns.status, 503) << "no acme-dns login found the slot taken";
    ASSERT_EQ(busy_req.status, 503) << "no httpreq login found the slot taken";
    for (const HttpReply* r : {&busy_dns, &busy_req}) {
        EXPECT_EQ(r->body, "{\"error\":\"busy\"}\n");
        EXPECT_EQ(r->header("Content-Type").value_or(""), "application/json");
        EXPECT_GE(std::stoi(r->header("Retry-After").value_or("0")), 1) << r->raw;
    }
    EXPECT_TRUE(wait_until([&] {
        return stack().sql(
                   "select count(*) from update_log where outcome = 'busy' and fault = "
                   "'server' and dialect in ('acme-dns', 'httpreq')") != "0";
    }));
}

}  // namespace
}  // namespace ddns::test
