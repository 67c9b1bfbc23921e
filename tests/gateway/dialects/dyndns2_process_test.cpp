// Dyndns2Dialect::handle, step by step, one row per case: the gate (User-Agent, credentials,
// system), authentication, name resolution (lists, bare labels, token scope), the address
// checks, offline, the result of the update, and the unexpected. Each row says what the client
// reads, how many UPDATEs reached DNS and the words of the update log.
#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "ddns/auth/token.hpp"
#include "ddns/gateway/dialects/dyndns2_dialect.hpp"
#include "dialect_fixture.hpp"
#include "test_support.hpp"

namespace ddns::gateway {
namespace {

using Strings = std::vector<std::string>;

constexpr const char* kToken = "abcdefghijklmnopqrstuvwxyz234567";

class Dyndns2Process;

// One request: what it sends, what the fakes are told first, and what must come of it.
struct ProcessCase {
    const char* name;
    std::string query;
    std::string user = "free";  // empty: no Authorization header
    std::string secret = "pw";
    std::string agent = "test/1.0";  // empty: no User-Agent header
    std::function<void(Dyndns2Process&)> setup = {};
    std::string body;
    int status = 200;
    std::size_t updates = 0;  // UPDATE messages sent to DNS
    Strings audit;            // the update log's word per entry
};

void PrintTo(const ProcessCase& c, std::ostream* out) {
    *out << c.name;
}

std::string basic(const std::string& user, const std::string& secret) {
    const std::string plain = user + ":" + secret;
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < plain.size(); i += 3) {
        const auto byte = [&](std::size_t k) {
            return k < plain.size() ? static_cast<unsigned char>(plain[k]) : 0u;
        };
        const unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < plain.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += i + 2 < plain.size() ? kAlphabet[n & 63] : '=';
    }
    return "Basic " + out;
}

// A free account "free" with home (at 192.0.2.1) and cabin in dyn.example, and a domain account
// "dom" with www in its own zone.
class Dyndns2Process : public ::testing::TestWithParam<ProcessCase>, public fakes::DialectFixture {
protected:
    Dyndns2Process() {
        const auto shared = zone(1, "dyn.example");
        auth::Principal free{account(10, "free"), {}, std::nullopt, {}};
        add_host(free, 100, "home.dyn.example", shared, ip("192.0.2.1"));
        add_host(free, 101, "cabin.dyn.example", shared);
        accounts.add(free);
        const auto own = zone(2, "dom.example", 20);
        auth::Principal dom{account(20, "dom", auth::Plan::Domain), {}, std::nullopt, {own}};
        add_host(dom, 200, "www.dom.example", own, ip("192.0.2.2"));
        accounts.add(dom);
    }

    Response call(const ProcessCase& c) {
        RequestView r = request("GET", "/nic/update", c.query);
        if (!c.agent.empty()) r.headers.push_back({"User-Agent", c.agent});
        if (!c.user.empty()) r.headers.push_back({"Authorization", basic(c.user, c.secret)});
        return dialect.handle(r);
    }

    Dyndns2Dialect dialect{authenticator,    updates,
                           policy,           log,
                           clock.function(), Dyndns2Options{"realm", true, {"BadClient"}}};
};

TEST_P(Dyndns2Process, OneRowPerStep) {
    const ProcessCase& c = GetParam();
    if (c.setup) c.setup(*this);
    const Response r = call(c);
    EXPECT_EQ(r.body, c.body);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(sender.sent.size(), c.updates);
    ASSERT_TRUE(r.audit);
    Strings words;
    for (const auto& h : r.audit->hosts) words.push_back(h.outcome);
    EXPECT_EQ(words, c.audit);
}

const auto kHome = "hostname=home.dyn.example";

INSTANTIATE_TEST_SUITE_P(
    Steps, Dyndns2Process,
    ::testing::Values(
        // gate
        ProcessCase{.name = "no_user_agent",
                    .query = kHome,
                    .agent = "",
                    .body = "badagent",
                    .audit = {"badagent"}},
        ProcessCase{.name = "denied_agent",
                    .query = kHome,
                    .agent = "BadClient/2",
                    .body = "badagent",
                    .audit = {"badagent"}},
        ProcessCase{.name = "no_credentials",
                    .query = kHome,
                    .user = "",
                    .body = "badauth",
                    .status = 401,
                    .audit = {"badauth"}},
        ProcessCase{.name = "unknown_system",
                    .query = "hostname=home.dyn.example&system=x",
                    .body = "badsys",
                    .audit = {"badsys"}},
        // authenticate
        ProcessCase{.name = "wrong_password",
                    .query = kHome,
                    .secret = "nope",
                    .body = "badauth",
                    .status = 401,
                    .audit = {"badauth"}},
        ProcessCase{.name = "disabled_account",
                    .query = kHome,
                    .setup = [](Dyndns2Process& f) { f.accounts.account("free").disabled = true; },
                    .body = "badauth",
                    .status = 401,
                    .audit = {"badauth"}},
        ProcessCase{.name = "blocked_account",
                    .query = kHome,
                    .setup = [](Dyndns2Process& f) { f.accounts.account("free").blocked = true; },
                    .body = "abuse",
                    .audit = {"abuse"}},
        // resolve names
        ProcessCase{.name = "good",
                    .query = "hostname=home.dyn.example&myip=192.0.2.10",
                    .body = "good 192.0.2.10",
                    .updates = 1,
                    .audit = {"good"}},
        ProcessCase{.name = "nochg",
                    .query = "hostname=home.dyn.example&myip=192.0.2.1",
                    .body = "nochg 192.0.2.1",
                    .audit = {"nochg"}},
        ProcessCase{.name = "bare_label",
                    .query = "hostname=cabin&myip=192.0.2.11",
                    .body = "good 192.0.2.11",
                    .updates = 1,
                    .audit = {"good"}},
        ProcessCase{.name = "no_hostname_two_hosts",
                    .query = "myip=192.0.2.12",
                    .body = "notfqdn",
                    .audit = {"notfqdn"}},
        ProcessCase{.name = "no_hostname_one_host",
                    .query = "myip=192.0.2.13",
                    .user = "dom",
                    .body = "good 192.0.2.13",
                    .updates = 1,
                    .audit = {"good"}},
        ProcessCase{.name = "not_a_name",
                    .query = "hostname=bad..name&myip=192.0.2.14",
                    .body = "notfqdn",
                    .audit = {"notfqdn"}},
        ProcessCase{.name = "another_accounts_host",
                    .query = "hostname=www.dom.example&myip=192.0.2.15",
                    .body = "nohost",
                    .audit = {"nohost"}},
        ProcessCase{.name = "too_many_names",
                    .query = "hostname=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u",
                    .body = "numhost",
                    .audit = Strings(20, "numhost")},
        ProcessCase{.name = "list_in_order",
                    .query = "hostname=cabin.dyn.example,x.dyn.example,home&myip=192.0.2.16",
                    .body = "good 192.0.2.16\nnohost\ngood 192.0.2.16",
                    .updates = 1,
                    .audit = {"good", "nohost", "good"}},
        ProcessCase{.name = "token_outside_its_scope",
                    .query = "hostname=cabin.dyn.example,home.dyn.example&myip=192.0.2.17",
                    .secret = kToken,
                    .setup =
                        [](Dyndns2Process& f) {
                            f.accounts.add_token("free", auth::token_digest(kToken),
                                                 auth::TokenMatch{7, 100});
                        },
                    .body = "nohost\ngood 192.0.2.17",
                    .updates = 1,
                    .audit = {"nohost", "good"}},
        // check addresses
        ProcessCase{.name = "malformed_address",
                    .query = "hostname=home.dyn.example&myip=1.2.3",
                    .body = "dnserr",
                    .audit = {"dnserr"}},
        ProcessCase{.name = "conflicting_addresses",
                    .query = "hostname=home.dyn.example&myip=192.0.2.18&ip=192.0.2.19",
                    .body = "dnserr",
                    .audit = {"dnserr"}},
        ProcessCase{.name = "private_address",
                    .query = "hostname=home.dyn.example&myip=10.0.0.1",
                    .body = "dnserr",
                    .audit = {"dnserr"}},
        ProcessCase{.name = "remove_ipv4",
                    .query = "hostname=home.dyn.example&myip=0.0.0.0",
                    .body = "good 0.0.0.0",
                    .updates = 1,
                    .audit = {"good"}},
        // build intents: offline
        ProcessCase{.name = "offline_free_account",
                    .query = "hostname=home.dyn.example&offline=YES",
                    .body = "!donator",
                    .audit = {"!donator"}},
        ProcessCase{.name = "offline_domain_account",
                    .query = "offline=YES",
                    .user = "dom",
                    .body = "good 0.0.0.0",
                    .updates = 1,
                    .audit = {"good"}},
        // apply
        ProcessCase{.name = "dns_refused",
                    .query = "hostname=home.dyn.example&myip=192.0.2.20",
                    .setup = [](Dyndns2Process& f) { f.sender.status = UpdateStatus::Refused; },
                    .body = "dnserr",
                    .updates = 1,
                    .audit = {"dnserr"}},
        ProcessCase{.name = "store_fails",
                    .query = "hostname=home.dyn.example&myip=192.0.2.21",
                    .setup = [](Dyndns2Process& f) { f.hosts.fail_begin = true; },
                    .body = "911",
                    .audit = {"911"}},
        ProcessCase{.name = "hosts_removed",
                    .query = "hostname=home.dyn.example&myip=192.0.2.22",
                    .setup = [](Dyndns2Process& f) { f.accounts.remove_hosts("free"); },
                    .body = "nohost",
                    .audit = {"nohost"}},
        // the unexpected
        ProcessCase{.name = "account_store_down",
                    .query = kHome,
                    .setup = [](Dyndns2Process& f) { f.accounts.fail = true; },
                    .body = "911",
                    .audit = {"911"}}));

// The per-request summary line: at info when a line changed or was refused, at debug when every
// line is nochg (the access line and the update log still record such a request).
class Dyndns2Summary : public ::testing::Test, public fakes::DialectFixture {
protected:
    Dyndns2Summary() {
        const auto shared = zone(1, "dyn.example");
        auth::Principal free{account(10, "free"), {}, std::nullopt, {}};
        add_host(free, 100, "home.dyn.example", shared, ip("192.0.2.1"));
        add_host(free, 101, "cabin.dyn.example", shared, ip("192.0.2.1"));
        accounts.add(free);
    }
    std::string logged_after(const std::string& query, LogLevel level) {
        test::TempDir dir("ddns-dyndns2-log");
        const auto path = dir.path() / "gateway.log";
        Logger file_log(LogOptions{level, LogFormat::Text, path.string()});
        Dyndns2Dialect d{authenticator, updates,          policy,
                         file_log,      clock.function(), Dyndns2Options{"realm", false, {}}};
        RequestView r = request("GET", "/nic/update", query);
        r.headers.push_back({"Authorization", basic("free", kPassword)});
        d.handle(r);
        return test::read_file(path);
    }
};

TEST_F(Dyndns2Summary, OnlyRequestsThatChangedSomethingAreLoggedAtInfo) {
    const std::string both = "hostname=home.dyn.example,cabin.dyn.example&myip=";
    EXPECT_EQ(logged_after(both + "192.0.2.1", LogLevel::Info), "") << "nochg, nochg";
    EXPECT_NE(logged_after(both + "192.0.2.1", LogLevel::Debug)
                  .find("dyndns2 client=198.51.100.9 user=free agent=\"\" "
                        "home.dyn.example:nochg 192.0.2.1,cabin.dyn.example:nochg 192.0.2.1"),
              std::string::npos);
    EXPECT_NE(logged_after("hostname=home.dyn.example&myip=192.0.2.9", LogLevel::Info)
                  .find(" info dyndns2 client=198.51.100.9 user=free agent=\"\" "
                        "home.dyn.example:good 192.0.2.9"),
              std::string::npos);
    // One line changed, one did not: the request is at info.
    EXPECT_NE(logged_after(both + "192.0.2.10", LogLevel::Info).find("cabin.dyn.example:good"),
              std::string::npos);
}

}  // namespace
}  // namespace ddns::gateway
