// The SMTP transport against a real SMTP server (aiosmtpd): plain, STARTTLS and implicit TLS
// with AUTH PLAIN and LOGIN; the certificate is verified; what is retried (server down, wrong
// password, untrusted certificate) and what is refused for good (550 recipient); the message as
// it arrives (headers, encoded UTF-8 subject, dot-stuffing, a long link intact).
#include "ddns/gateway/jobs/smtp_transport.hpp"

#include <gtest/gtest.h>

#include "smtp_server.hpp"
#include "test_support.hpp"

namespace ddns::gateway {
namespace {

using test::SmtpTestServer;
using test::SmtpTestServerOptions;
using test::SmtpTestTls;

const std::string kPassword = "s3cret-smtp-Passw0rd";

struct Fixture {
    explicit Fixture(SmtpTestServerOptions o = {}) : server(std::move(o)) {}
    SmtpOptions options(SmtpTls tls = SmtpTls::None) const {
        SmtpOptions o;
        o.host = "127.0.0.1";
        o.port = server.port();
        o.tls = tls;
        o.from = "DDNS Gateway <gateway@example.org>";
        o.reply_to = "support@example.org";
        o.ca_file = server.ca_file().string();
        o.timeout = std::chrono::seconds(5);
        return o;
    }
    SmtpOptions with_auth(SmtpOptions o, const std::string& password, SmtpAuth how) {
        test::write_file(dir.path() / "password", password + "\n");
        o.username = "mailer";
        o.password_file = (dir.path() / "password").string();
        o.auth = how;
        return o;
    }
    test::TempDir dir{"ddns-smtp-client"};
    SmtpTestServer server;
};

auth::OutgoingMail mail(const std::string& to, const std::string& subject = "Test") {
    return {to, subject, "Hello.\n", "test"};
}

TEST(SmtpTransport, PlainDeliveryArrivesWithItsHeadersAndBodyIntact) {
    Fixture f;
    SmtpTransport transport(f.options());
    const std::string link =
        "https://gw.example.org/account/verify?token=" + std::string(90, 'x') + "&user=alice";
    const auth::OutgoingMail m{"alice@example.org", "Grüße: bitte bestätigen",
                               "Hello Alice,\n.\n..two dots\nOpen " + link + "\nÄpfel = 3\n",
                               "verify"};
    const auto r = transport.deliver(42, m);
    ASSERT_EQ(r.outcome, Delivery::Sent) << r.error << "\n" << f.server.log();
    const auto got = f.server.wait_for("alice@example.org");
    ASSERT_TRUE(got) << f.server.log();
    EXPECT_EQ(got->header("From"), "DDNS Gateway <gateway@example.org>");
    EXPECT_EQ(got->header("To"), "<alice@example.org>");
    EXPECT_EQ(got->header("Reply-To"), "support@example.org");
    const auto subject = got->header("Subject");
    ASSERT_TRUE(subject);
    EXPECT_EQ(subject->rfind("=?UTF-8?", 0), 0u) << *subject;
    EXPECT_TRUE(std::all_of(got->headers.begin(), got->headers.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x80;
    })) << "no raw 8-bit bytes in the header";
    EXPECT_NE(got->header("Message-ID").value_or("").find("<42."), std::string::npos);
    EXPECT_TRUE(got->header("Date"));
    EXPECT_EQ(got->header("MIME-Version"), "1.0");
    EXPECT_EQ(got->header("Content-Type"), "text/plain; charset=UTF-8");
    // The transfer adds at most a final line break.
    EXPECT_EQ(got->body.substr(0, m.body.size()), m.body) << "dot-stuffing and QP undone exactly";
    EXPECT_LE(got->body.size(), m.body.size() + 1);
    EXPECT_EQ(test::extract_link(got->body, "https://gw.example.org/"), link);
    EXPECT_EQ(got->header("Return-Path"), "<gateway@example.org>");
}

TEST(SmtpTransport, ARefusedRecipientIsPermanentAServerDownIsRetried) {
    Fixture f;
    SmtpTransport transport(f.options());
    const auto refused = transport.deliver(1, mail("nobody@example.org"));
    EXPECT_EQ(refused.outcome, Delivery::Refused);
    EXPECT_NE(refused.error.find("550"), std::string::npos) << refused.error;
    f.server.stop();
    const auto down = transport.deliver(2, mail("alice@example.org"));
    EXPECT_EQ(down.outcome, Delivery::Retry);
    EXPECT_FALSE(down.error.empty());
    f.server.start();
    EXPECT_EQ(transport.deliver(3, mail("alice@example.org")).outcome, Delivery::Sent);
    EXPECT_TRUE(f.server.wait_for("alice@example.org"));
}

TEST(SmtpTransport, StartTlsWithAuthPlainAndLogin) {
    Fixture f({SmtpTestTls::StartTls, std::make_pair(std::string("mailer"), kPassword)});
    for (const auto how : {SmtpAuth::Plain, SmtpAuth::Login}) {
        SmtpTransport transport(f.with_auth(f.options(SmtpTls::StartTls), kPassword, how));
        const std::string to = how == SmtpAuth::Plain ? "plain@example.org" : "login@example.org";
        const auto r = transport.deliver(7, mail(to));
        ASSERT_EQ(r.outcome, Delivery::Sent) << r.error << "\n" << f.server.log();
        EXPECT_TRUE(f.server.wait_for(to)) << f.server.log();
    }
}

TEST(SmtpTransport, WithoutStartTlsTheServerThatRequiresItIsRetriedNotGivenUp) {
    Fixture f({SmtpTestTls::StartTls, std::nullopt});
    SmtpTransport transport(f.options(SmtpTls::None));
    const auto r = transport.deliver(1, mail("alice@example.org"));
    EXPECT_EQ(r.outcome, Delivery::Retry) << r.error;
    EXPECT_NE(r.error.find("530"), std::string::npos) << r.error;
}

TEST(SmtpTransport, ImplicitTlsWithAuth) {
    Fixture f({SmtpTestTls::Implicit, std::make_pair(std::string("mailer"), kPassword)});
    SmtpTransport transport(f.with_auth(f.options(SmtpTls::Implicit), kPassword, SmtpAuth::Plain));
    const auto r = transport.deliver(9, mail("tls@example.org"));
    ASSERT_EQ(r.outcome, Delivery::Sent) << r.error << "\n" << f.server.log();
    EXPECT_TRUE(f.server.wait_for("tls@example.org"));
}

TEST(SmtpTransport, AnUntrustedCertificateIsRetriedAndNothingIsSent) {
    for (const auto mode : {SmtpTestTls::StartTls, SmtpTestTls::Implicit}) {
        Fixture f({mode, std::nullopt});
        auto o = f.options(mode == SmtpTestTls::StartTls ? SmtpTls::StartTls : SmtpTls::Implicit);
        o.ca_file.clear();  // the system's CAs do not know the test certificate
        SmtpTransport transport(o);
        const auto r = transport.deliver(1, mail("alice@example.org"));
        EXPECT_EQ(r.outcome, Delivery::Retry) << r.error;
        EXPECT_NE(r.error.find("certificate"), std::string::npos) << r.error;
        EXPECT_TRUE(f.server.messages().empty());
    }
}

TEST(SmtpTransport, AWrongPasswordIsRetriedAndNeverInTheError) {
    Fixture f({SmtpTestTls::StartTls, std::make_pair(std::string("mailer"), kPassword)});
    const std::string wrong = "wrong-Passw0rd-9876";
    SmtpTransport transport(f.with_auth(f.options(SmtpTls::StartTls), wrong, SmtpAuth::Login));
    const auto r = transport.deliver(1, mail("alice@example.org"));
    EXPECT_EQ(r.outcome, Delivery::Retry);
    EXPECT_NE(r.error.find("535"), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find(wrong), std::string::npos);
    EXPECT_TRUE(f.server.messages().empty());
}

TEST(SmtpTransport, AMissingPasswordFileOrAnUnsafeFromFailsAtStart) {
    Fixture f;
    auto o = f.options();
    o.username = "mailer";
    o.password_file = (f.dir.path() / "absent").string();
    EXPECT_THROW(SmtpTransport{o}, std::runtime_error);
    auto p = f.options();
    p.from = "gw@example.org\r\nBcc: everyone@example.org";
    EXPECT_THROW(SmtpTransport{p}, std::invalid_argument);
    SmtpTransport ok(f.options());
    EXPECT_EQ(ok.deliver(1, {"a@example.org\r\nBcc: b@example.org", "s", "b", "test"}).outcome,
              Delivery::Refused);
    EXPECT_TRUE(f.server.messages().empty());
}

}  // namespace
}  // namespace ddns::gateway
