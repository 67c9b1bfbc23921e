// The mails of the account API as a user receives them, over a real SMTP server: sign-up sends
// a verification mail whose link activates the account; "forgot password" sends a reset mail
// whose link sets a new password, once. The links are taken from the received mails, as a user
// would click them (the account layer builds them, the outbox and the sender deliver them).
#include <gtest/gtest.h>

#include "gateway_stack.hpp"
#include "smtp_server.hpp"
#include "test_support.hpp"

namespace ddns::test {
namespace {

class MailLinks : public ::testing::Test {
protected:
    MailLinks() : stack_(options(smtp_)) {}

    static GatewayStackOptions options(const SmtpTestServer& smtp) {
        GatewayStackOptions o;
        o.extra_config = smtp.gateway_mail_config() +
                         "web.enabled = true\n"
                         "api.enabled = true\n"
                         "web.registration = open\n"
                         "web.base_url = https://dyn.example.test\n";
        return o;
    }

    HttpReply post(const std::string& path, const std::string& json) {
        return stack_.raw("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          "User-Agent: mail-links-test\r\nContent-Type: application/json\r\n" +
                          "Content-Length: " + std::to_string(json.size()) +
                          "\r\nConnection: close\r\n\r\n" + json);
    }

    // The token of the link in the first mail to `to` whose link starts with `prefix`.
    std::string token_from_mail(const std::string& to, const std::string& prefix) {
        std::string token;
        wait_until(
            [&] {
                for (const auto& m : smtp_.messages()) {
                    if (m.recipients.empty() || m.recipients[0] != to) continue;
                    if (auto link = extract_link(m.body, prefix)) {
                        token = link->substr(prefix.size());
                        return true;
                    }
                }
                return false;
            },
            std::chrono::seconds(20));
        return token;
    }

    SmtpTestServer smtp_;
    GatewayStack stack_;
};

TEST_F(MailLinks, SignUpMailVerifiesResetMailSetsANewPasswordOnce) {
    const auto signed_up =
        post("/api/v1/signup", R"({"username":"mona","email":"mona@example.test",)"
                               R"("password":"first-password-1"})");
    ASSERT_EQ(signed_up.status, 201) << signed_up.raw << stack_.gateway_log();
    const std::string verify =
        token_from_mail("mona@example.test", "https://dyn.example.test/verify?token=");
    ASSERT_FALSE(verify.empty()) << smtp_.log() << stack_.gateway_log();
    EXPECT_EQ(post("/api/v1/verify", R"({"token":")" + verify + R"("})").status, 200);

    const auto forgot = post("/api/v1/password/forgot", R"({"login":"mona"})");
    ASSERT_EQ(forgot.status, 202) << forgot.raw;
    const std::string reset =
        token_from_mail("mona@example.test", "https://dyn.example.test/reset?token=");
    ASSERT_FALSE(reset.empty()) << smtp_.log() << stack_.gateway_log();
    const std::string body = R"({"token":")" + reset + R"(","password":"second-password-2"})";
    EXPECT_EQ(post("/api/v1/password/reset", body).status, 200);
    EXPECT_NE(post("/api/v1/password/reset", body).status, 200) << "the link works once";

    EXPECT_EQ(post("/api/v1/login", R"({"username":"mona","password":"second-password-2"})").status,
              201);
    EXPECT_NE(post("/api/v1/login", R"({"username":"mona","password":"first-password-1"})").status,
              201);
    EXPECT_EQ(stack_.sql("SELECT count(*) FROM mail_outbox WHERE state = 'sent'"), "2");
    EXPECT_EQ(stack_.gateway_log().find(reset), std::string::npos) << "the link is never logged";
}

// The outbox refuses every row (a trigger, as when its table cannot be written): sign-up answers
// 503 and leaves no account behind, so the same name can sign up once the outbox works again;
// "forgot password" leaves no link without its mail.
TEST_F(MailLinks, AMailThatCannotBeQueuedUndoesTheAccountAndTheLink) {
    stack_.sql(
        "CREATE FUNCTION refuse_mail() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN RAISE EXCEPTION 'outbox refuses'; END$$");
    stack_.sql(
        "CREATE TRIGGER refuse_mail BEFORE INSERT ON mail_outbox "
        "FOR EACH ROW EXECUTE FUNCTION refuse_mail()");
    const std::string sign_up = R"({"username":"nora","email":"nora@example.test",)"
                                R"("password":"first-password-1"})";
    const auto refused = post("/api/v1/signup", sign_up);
    EXPECT_EQ(refused.status, 503) << refused.raw;
    EXPECT_EQ(stack_.sql("SELECT count(*) FROM accounts WHERE username = 'nora'"), "0");
    EXPECT_EQ(stack_.sql("SELECT count(*) FROM account_links"), "0");

    stack_.sql("DROP TRIGGER refuse_mail ON mail_outbox");
    const auto signed_up = post("/api/v1/signup", sign_up);
    ASSERT_EQ(signed_up.status, 201) << signed_up.raw << stack_.gateway_log();
    ASSERT_FALSE(
        token_from_mail("nora@example.test", "https://dyn.example.test/verify?token=").empty())
        << smtp_.log() << stack_.gateway_log();

    stack_.sql(
        "CREATE TRIGGER refuse_mail BEFORE INSERT ON mail_outbox "
        "FOR EACH ROW EXECUTE FUNCTION refuse_mail()");
    EXPECT_EQ(post("/api/v1/password/forgot", R"({"login":"nora"})").status, 503);
    EXPECT_EQ(stack_.sql("SELECT count(*) FROM account_links WHERE purpose = 'reset'"), "0");
}

}  // namespace
}  // namespace ddns::test
