// The whole mail path through the real binary: `admin mail test` enqueues, `serve` (with
// mail.enabled) delivers over STARTTLS with AUTH to a real SMTP server; with the server down the
// mail waits in the outbox (`admin mail queue` shows the error) and arrives once it is back; a
// wrong password is retried and reported, and never appears in the gateway's log.
#include <gtest/gtest.h>

#include "gateway_stack.hpp"
#include "smtp_server.hpp"
#include "test_support.hpp"

namespace ddns::test {
namespace {

const std::string kSmtpPassword = "Smtp-Passw0rd-for-the-gateway";

GatewayStackOptions mail_stack(const SmtpTestServer& smtp,
                               const std::optional<std::string>& password = {}) {
    GatewayStackOptions o;
    o.extra_config = smtp.gateway_mail_config(password) + "metrics.on_public_listeners = true\n";
    return o;
}

// The value of one sample (`name` with its labels, as exposed) on /metrics; -1 when absent.
double metric(GatewayStack& stack, const std::string& sample) {
    const std::string body = "\n" + stack.get("/metrics").body;
    const auto at = body.find("\n" + sample + " ");
    if (at == std::string::npos) return -1;
    return std::stod(body.substr(at + sample.size() + 2));
}

TEST(MailServe, AdminMailTestArrivesOverStartTlsWithAuth) {
    SmtpTestServer smtp(
        {SmtpTestTls::StartTls, std::make_pair(std::string("mailer"), kSmtpPassword)});
    GatewayStack stack(mail_stack(smtp));
    const auto queued = stack.admin({"mail", "test", "operator@example.test"});
    ASSERT_EQ(queued.exit_code, 0) << queued.output;
    const auto got = smtp.wait_for("operator@example.test");
    ASSERT_TRUE(got) << smtp.log() << stack.gateway_log();
    EXPECT_EQ(got->header("Subject"), "ddns-gateway test mail");
    EXPECT_EQ(got->header("From"), "DDNS Gateway <gateway@example.test>");
    EXPECT_NE(got->body.find("SMTP settings"), std::string::npos);
    ASSERT_TRUE(wait_until([&] { return stack.sql("SELECT state FROM mail_outbox") == "sent"; }))
        << stack.gateway_log();
    const auto listed = stack.admin({"mail", "queue", "--all"});
    EXPECT_NE(listed.output.find("sent"), std::string::npos) << listed.output;
    EXPECT_EQ(listed.output.find("SMTP settings"), std::string::npos) << "never the body";
}

TEST(MailServe, SmtpDownForAWhileTheMailArrivesAfterItComesBack) {
    SmtpTestServer smtp(
        {SmtpTestTls::StartTls, std::make_pair(std::string("mailer"), kSmtpPassword)});
    GatewayStack stack(mail_stack(smtp));
    smtp.stop();
    ASSERT_EQ(stack.admin({"mail", "test", "late@example.test"}).exit_code, 0);
    ASSERT_TRUE(wait_until([&] {
        return stack.sql("SELECT attempts > 0 AND last_error IS NOT NULL FROM mail_outbox") == "t";
    })) << stack.gateway_log();
    const auto waiting = stack.admin({"mail", "queue"});
    EXPECT_NE(waiting.output.find("pending"), std::string::npos) << waiting.output;
    EXPECT_NE(waiting.output.find("late@example.test"), std::string::npos);
    EXPECT_NE(waiting.output.find("1 pending, 0 failed"), std::string::npos) << waiting.output;
    // /metrics tells the same: one mail waiting, attempts retried, none sent.
    EXPECT_TRUE(wait_until([&] {
        return metric(stack, "ddns_mail_outbox_depth") == 1 &&
               metric(stack, "ddns_mail_deliveries_total{result=\"retried\"}") >= 1;
    })) << stack.get("/metrics").body;
    EXPECT_EQ(metric(stack, "ddns_mail_deliveries_total{result=\"sent\"}"), 0);
    smtp.start();
    ASSERT_TRUE(smtp.wait_for("late@example.test", std::chrono::seconds(30)))
        << stack.gateway_log();
    ASSERT_TRUE(wait_until([&] {
        return stack.sql("SELECT state || ' ' || (attempts > 1) FROM mail_outbox") == "sent true";
    })) << stack.sql("SELECT state || ' ' || attempts FROM mail_outbox");
    EXPECT_EQ(smtp.messages().size(), 1u);
    EXPECT_TRUE(wait_until([&] {
        return metric(stack, "ddns_mail_outbox_depth") == 0 &&
               metric(stack, "ddns_mail_deliveries_total{result=\"sent\"}") == 1;
    })) << stack.get("/metrics").body;
}

TEST(MailServe, AWrongPasswordIsRetriedReportedAndNeverLogged) {
    SmtpTestServer smtp(
        {SmtpTestTls::StartTls, std::make_pair(std::string("mailer"), kSmtpPassword)});
    const std::string wrong = "Wrong-Smtp-Passw0rd-4711";
    GatewayStack stack(mail_stack(smtp, wrong));
    ASSERT_EQ(stack.admin({"mail", "test", "alice@example.test"}).exit_code, 0);
    ASSERT_TRUE(
        wait_until([&] { return stack.sql("SELECT attempts >= 2 FROM mail_outbox") == "t"; },
                   std::chrono::seconds(30)))
        << stack.gateway_log();
    EXPECT_EQ(stack.sql("SELECT state FROM mail_outbox"), "pending") << "retried, not given up";
    const auto listed = stack.admin({"mail", "queue"});
    EXPECT_NE(listed.output.find("535"), std::string::npos) << listed.output;
    EXPECT_NE(stack.gateway_log().find("535"), std::string::npos) << "reported in the log";
    EXPECT_EQ(stack.gateway_log().find(wrong), std::string::npos);
    EXPECT_EQ(listed.output.find(wrong), std::string::npos);
    EXPECT_TRUE(smtp.messages().empty());
}

TEST(MailServe, AnUnreadablePasswordFileStopsServeAtStart) {
    SmtpTestServer smtp({SmtpTestTls::StartTls, std::nullopt});
    TempDir dir;
    auto options = mail_stack(smtp);  // a server without AUTH: the lines below are the only ones
    options.extra_config +=
        "mail.username = mailer\nmail.password_file = " + (dir.path() / "absent").string() + "\n";
    try {
        GatewayStack stack(options);
        ADD_FAILURE() << "serve started without its SMTP password";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("mail.password_file: cannot read"), std::string::npos)
            << e.what();
    }
}

TEST(MailServe, CheckConfigReadsThePasswordAndCaFilesWithoutPrintingThem) {
    TempDir dir;
    const auto config = dir.path() / "gateway.conf";
    const std::string secret = "Never-Printed-Passw0rd";
    write_file(dir.path() / "pw", secret + "\n");
    write_file(dir.path() / "not-a-ca.pem", "not a certificate\n");
    const std::string base =
        "database.url = postgresql://u@127.0.0.1:1/db\n"
        "mail.enabled = true\n"
        "mail.from = gw@example.test\n"
        "mail.username = mailer\n";
    const auto check = [&](const std::string& extra) {
        write_file(config, base + extra);
        return run_command({gateway_binary(), "check-config", "--config", config.string()});
    };
    const auto ok = check("mail.password_file = " + (dir.path() / "pw").string() + "\n");
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_EQ(ok.output.find(secret), std::string::npos);
    const auto missing = check("mail.password_file = " + (dir.path() / "absent").string() + "\n");
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.output.find("mail.password_file: cannot read"), std::string::npos)
        << missing.output;
    const auto bad_ca = check("mail.password_file = " + (dir.path() / "pw").string() +
                              "\nmail.ca_file = " + (dir.path() / "not-a-ca.pem").string() + "\n");
    EXPECT_EQ(bad_ca.exit_code, 1);
    EXPECT_NE(bad_ca.output.find("mail.ca_file: cannot load"), std::string::npos) << bad_ca.output;
    EXPECT_EQ(bad_ca.output.find(secret), std::string::npos);
}

}  // namespace
}  // namespace ddns::test
