// Dyndns2Dialect::handle on the connection loop (inside auth::NonBlockingScope): a user whose
// last request was a change given up there is handed to a worker before its credential is
// checked again (the check, the principal and the parse would be made twice, issue #13), and is
// tried on the loop again once a worker answered it without a change.
#include <gtest/gtest.h>

#include <string>

#include "ddns/auth/would_block.hpp"
#include "ddns/gateway/dialects/dyndns2_dialect.hpp"
#include "dialect_fixture.hpp"

namespace ddns::gateway {
namespace {

// "user:pw" in Basic.
std::string basic(const std::string& user) {
    if (user == "free") return "Basic ZnJlZTpwdw==";
    return "Basic ZG9tOnB3";  // dom:pw
}

class Dyndns2Inline : public ::testing::Test, public fakes::DialectFixture {
protected:
    Dyndns2Inline() {
        const auto shared = zone(1, "dyn.example");
        auth::Principal free{account(10, "free"), {}, std::nullopt, {}};
        add_host(free, 100, "home.dyn.example", shared, ip("192.0.2.1"));
        accounts.add(free);
        const auto own = zone(2, "dom.example", 20);
        auth::Principal dom{account(20, "dom", auth::Plan::Domain), {}, std::nullopt, {own}};
        add_host(dom, 200, "www.dom.example", own, ip("192.0.2.2"));
        accounts.add(dom);
        hosts.notes_claimed_in_memory = true;  // a no-change answer needs no statement
    }

    Response call(const std::string& user, const std::string& query) {
        RequestView r = request("GET", "/nic/update", query);
        r.headers.push_back({"User-Agent", "test/1.0"});
        r.headers.push_back({"Authorization", basic(user)});
        return dialect.handle(r);
    }
    // As the connection loop tries it: an answer, or nothing (given up for a worker).
    std::optional<std::string> on_loop(const std::string& user, const std::string& query) {
        const auth::NonBlockingScope scope;
        try {
            return call(user, query).body;
        } catch (const auth::WouldBlock&) {
            return std::nullopt;
        }
    }

    static constexpr const char* kHomeSame = "hostname=home.dyn.example&myip=192.0.2.1";
    static constexpr const char* kHomeNew = "hostname=home.dyn.example&myip=192.0.2.10";
    static constexpr const char* kWwwSame = "hostname=www.dom.example&myip=192.0.2.2";

    WaitHints waits;  // its own table: the process-wide one is the HTTP server's
    Dyndns2Dialect dialect{authenticator,    updates,
                           policy,           log,
                           clock.function(), Dyndns2Options{"realm", true, {}, &waits}};
};

TEST_F(Dyndns2Inline, AChangeGivenUpOnTheLoopSendsTheUsersNextRequestOnBeforeItsCheck) {
    // Workers first: the passwords' argon2 runs are never made on the loop.
    EXPECT_EQ(call("free", kHomeSame).body, "nochg 192.0.2.1");
    EXPECT_EQ(call("dom", kWwwSame).body, "nochg 192.0.2.2");
    EXPECT_EQ(on_loop("free", kHomeSame), "nochg 192.0.2.1");

    EXPECT_EQ(on_loop("free", kHomeNew), std::nullopt);  // a change: given up at the update
    const int loads = accounts.calls;
    EXPECT_EQ(on_loop("free", kHomeNew), std::nullopt);
    EXPECT_EQ(accounts.calls, loads) << "given up before the credential check";
    EXPECT_TRUE(sender.sent.empty());

    // Another user is still answered on the loop.
    EXPECT_EQ(on_loop("dom", kWwwSame), "nochg 192.0.2.2");
}

TEST_F(Dyndns2Inline, AUserAnsweredWithoutAChangeIsTriedOnTheLoopAgain) {
    EXPECT_EQ(call("free", kHomeSame).body, "nochg 192.0.2.1");
    EXPECT_EQ(on_loop("free", kHomeNew), std::nullopt);
    EXPECT_EQ(on_loop("free", kHomeSame), std::nullopt);  // handed on, unchecked

    // A worker answers it; it was a change, so the next one is handed on too.
    EXPECT_EQ(call("free", kHomeNew).body, "good 192.0.2.10");
    EXPECT_EQ(sender.sent.size(), 1U);
    hosts.rows[100].ipv4 = ip("192.0.2.1");  // as the fake principal still has it
    EXPECT_EQ(on_loop("free", kHomeSame), std::nullopt);

    // A worker answers it without a change: back on the loop.
    EXPECT_EQ(call("free", kHomeSame).body, "nochg 192.0.2.1");
    EXPECT_EQ(on_loop("free", kHomeSame), "nochg 192.0.2.1");
}

}  // namespace
}  // namespace ddns::gateway
