// Sign-up by invite (web.registration = invite) through the JSON API against the real binary and
// PostgreSQL: no code and a wrong code are refused without creating anything, a code from
// `admin invite create` works exactly once, and an expired code is refused.
#include <gtest/gtest.h>

#include <string>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

class InviteEnvironment : public StackEnvironment {
public:
    InviteEnvironment()
        : StackEnvironment([] {
              GatewayStackOptions o;
              o.zones = {"inv.test"};
              o.extra_config =
                  "web.enabled = true\nweb.registration = invite\n"
                  "web.base_url = https://gw.example.test/account\n";
              return o;
          }()) {}
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new InviteEnvironment);

class Invites : public StackTest {
protected:
    HttpReply sign_up(const std::string& user, const std::string& invite) {
        std::string body = R"({"username":")" + user + R"(","email":")" + user +
                           R"(@mail.example.test","password":"a long enough password")";
        if (!invite.empty()) body += R"(,"invite":")" + invite + "\"";
        body += "}";
        return stack().raw(
            "POST /api/v1/signup HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body);
    }
    std::string accounts(const std::string& user) {
        return stack().sql("select count(*) from accounts where username = '" + user + "'");
    }
    std::string invite() {
        const auto r = stack().admin({"invite", "create", "--days", "1"});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return r.output.substr(0, 32);
    }
};

TEST_F(Invites, OnlyAValidUnusedCodeCreatesAnAccount) {
    auto r = sign_up("nocode", "");
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("registration_closed"), std::string::npos);
    r = sign_up("wrongcode", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("bad_invite"), std::string::npos);
    EXPECT_EQ(accounts("nocode"), "0");
    EXPECT_EQ(accounts("wrongcode"), "0");

    const std::string code = invite();
    ASSERT_EQ(code.size(), 32u);
    r = sign_up("invited", code);
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(accounts("invited"), "1");
    r = sign_up("second", code);
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("bad_invite"), std::string::npos);
    EXPECT_EQ(accounts("second"), "0");
    // The mailed link starts with web.base_url.
    const std::string mail =
        stack().sql("select body from mail_outbox where recipient = 'invited@mail.example.test'");
    EXPECT_NE(mail.find("https://gw.example.test/account/verify?token="), std::string::npos)
        << mail;
}

TEST_F(Invites, AnExpiredCodeIsRefused) {
    const std::string code = invite();
    stack().sql(
        "update invites set expires_at = now() - interval '1 second' where used_at is null");
    const auto r = sign_up("late", code);
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("bad_invite"), std::string::npos);
    EXPECT_EQ(accounts("late"), "0");
}

}  // namespace
}  // namespace ddns::test
