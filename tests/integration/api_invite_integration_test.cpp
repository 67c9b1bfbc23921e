// Sign-up by invite (web.registration = invite) through the JSON API against the real binary and
// PostgreSQL: no code and a wrong code are refused without creating anything, a code from
// `admin invite create` works exactly once, and an expired code is refused. And with a real SMTP
// server: sign-up and password reset followed from the link in the mail that arrived.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "smtp_server.hpp"
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

HttpReply post(GatewayStack& stack, const std::string& path, const std::string& body) {
    return stack.raw("POST /api/v1/" + path +
                     " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body);
}

// The secret of a link to `page` in a received mail.
std::string link_token(const ReceivedMail& mail, const std::string& page) {
    const auto link = extract_link(mail.body, "http://gw.example.test/" + page + "?token=");
    if (!link) return {};
    return link->substr(link->find("token=") + 6);
}

TEST(ApiMail, SignUpAndResetFollowTheLinksOfRealMails) {
    SmtpTestServer smtp;
    GatewayStackOptions o;
    o.zones = {"mail.test"};
    o.extra_config =
        "web.enabled = true\nweb.registration = open\n"
        "web.base_url = http://gw.example.test\n"
        "mail.enabled = true\nmail.smtp_host = 127.0.0.1\nmail.smtp_port = " +
        std::to_string(smtp.port()) +
        "\nmail.tls = none\nmail.from = gateway@example.test\nmail.interval = 1s\n";
    GatewayStack stack(o);
    auto r = post(stack, "signup",
                  R"({"username":"mailuser","email":"mailuser@example.test",)"
                  R"("password":"a long enough password"})");
    ASSERT_EQ(r.status, 201) << r.body << stack.gateway_log();
    auto mail = smtp.wait_for("mailuser@example.test");
    ASSERT_TRUE(mail) << smtp.log() << stack.gateway_log();
    const std::string verify = link_token(*mail, "verify");
    ASSERT_EQ(verify.size(), 32u) << mail->body;
    EXPECT_EQ(post(stack, "verify", R"({"token":")" + verify + R"("})").status, 200);
    EXPECT_EQ(stack.sql("select verified from accounts where username = 'mailuser'"), "t");

    r = post(stack, "password/forgot", R"({"login":"mailuser"})");
    EXPECT_EQ(r.status, 202);
    std::optional<ReceivedMail> reset;
    for (int i = 0; i < 200 && !reset; ++i) {
        for (const auto& m : smtp.messages())
            if (!link_token(m, "reset").empty()) reset = m;
        if (!reset) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(reset) << smtp.log();
    const std::string secret = link_token(*reset, "reset");
    r = post(stack, "password/reset",
             R"({"token":")" + secret + R"(","password":"the new long password"})");
    EXPECT_EQ(r.status, 200) << r.body;
    r = post(stack, "login", R"({"username":"mailuser","password":"the new long password"})");
    EXPECT_EQ(r.status, 201) << r.body;
}

}  // namespace
}  // namespace ddns::test
