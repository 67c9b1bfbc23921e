// The mail.* keys: defaults, every key parsed into MailSection, and the checks across keys.
#include <gtest/gtest.h>

#include "ddns/gateway/config/config.hpp"

namespace ddns::gateway {
namespace {

TEST(MailConfig, OffByDefaultWithStartTlsOnTheSubmissionPort) {
    const auto c = parse_config("database.url = x\n");
    ASSERT_TRUE(c) << c.error();
    EXPECT_FALSE(c->mail.enabled);
    EXPECT_EQ(c->mail.smtp_port, 587);
    EXPECT_EQ(c->mail.tls, MailTls::StartTls);
    EXPECT_EQ(c->mail.auth, MailAuth::Plain);
    EXPECT_TRUE(c->mail.username.empty());
    EXPECT_EQ(c->mail.retry_initial, std::chrono::seconds(60));
    EXPECT_EQ(c->mail.give_up_after, std::chrono::hours(48));
}

TEST(MailConfig, ParsesEveryKey) {
    const auto c = parse_config(R"(database.url = x
mail.enabled = true
mail.smtp_host = smtp.example.org
mail.smtp_port = 465
mail.tls = tls
mail.username = gw
mail.password_file = /etc/ddns-gateway/smtp-password
mail.auth = login
mail.from = DDNS <gw@example.org>
mail.reply_to = help@example.org
mail.ca_file = /etc/ssl/smtp-ca.pem
mail.timeout = 10s
mail.interval = 5s
mail.batch_size = 50
mail.retry_initial = 30s
mail.retry_max = 2h
mail.give_up_after = 3d
mail.keep = 30d
)");
    ASSERT_TRUE(c) << c.error();
    const MailSection& m = c->mail;
    EXPECT_TRUE(m.enabled);
    EXPECT_EQ(m.smtp_host, "smtp.example.org");
    EXPECT_EQ(m.smtp_port, 465);
    EXPECT_EQ(m.tls, MailTls::Tls);
    EXPECT_EQ(m.username, "gw");
    EXPECT_EQ(m.password_file, "/etc/ddns-gateway/smtp-password");
    EXPECT_EQ(m.auth, MailAuth::Login);
    EXPECT_EQ(m.from, "DDNS <gw@example.org>");
    EXPECT_EQ(m.reply_to, "help@example.org");
    EXPECT_EQ(m.ca_file, "/etc/ssl/smtp-ca.pem");
    EXPECT_EQ(m.timeout, std::chrono::seconds(10));
    EXPECT_EQ(m.interval, std::chrono::seconds(5));
    EXPECT_EQ(m.batch_size, 50u);
    EXPECT_EQ(m.retry_initial, std::chrono::seconds(30));
    EXPECT_EQ(m.retry_max, std::chrono::hours(2));
    EXPECT_EQ(m.give_up_after, std::chrono::hours(72));
    EXPECT_EQ(m.keep, std::chrono::hours(24 * 30));
}

struct MailError {
    const char* text;
    const char* error;
};

class MailConfigErrors : public ::testing::TestWithParam<MailError> {};

TEST_P(MailConfigErrors, AreReportedClearly) {
    const auto c = parse_config(std::string("database.url = x\n") + GetParam().text);
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().find(GetParam().error), std::string::npos) << c.error();
}

INSTANTIATE_TEST_SUITE_P(
    Rows, MailConfigErrors,
    ::testing::Values(MailError{"mail.enabled = true\n", "mail.enabled needs mail.from"},
                      MailError{"mail.username = gw\n", "needs mail.password_file"},
                      MailError{"mail.password_file = /p\n", "mail.username is not"},
                      MailError{"mail.tls = ssl\n", "mail.tls"},
                      MailError{"mail.auth = cram-md5\n", "mail.auth"},
                      MailError{"mail.smtp_port = 0\n", "mail.smtp_port"},
                      MailError{"mail.retry_initial = 2h\nmail.retry_max = 1h\n",
                                "mail.retry_max must not be below"},
                      MailError{"mail.give_up_after = 10s\n", "mail.give_up_after"}));

}  // namespace
}  // namespace ddns::gateway
