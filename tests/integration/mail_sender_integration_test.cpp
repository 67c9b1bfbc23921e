// The mail sender on a real outbox (PostgreSQL, migration 013) and a real SMTP server: a mail
// enqueued through the waking outbox arrives at once (long before the interval); with the SMTP
// server down the mail waits, its retry visible in the outbox, and arrives after the server is
// back; a refused recipient and a mail past give_up_after end as failed; the counters agree.
#include "ddns/gateway/jobs/mail_sender.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "ddns/sql/database.hpp"
#include "ddns/sql/migrator.hpp"
#include "ddns/sql/pg_mail_outbox.hpp"
#include "postgres_server.hpp"
#include "smtp_server.hpp"
#include "test_support.hpp"

namespace ddns::gateway {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

test::PostgresServer& postgres() {
    static test::PostgresServer server;  // one cluster for the binary
    return server;
}

class MailSenderTest : public ::testing::Test {
protected:
    void SetUp() override {
        static int counter = 0;
        conninfo_ = postgres().create_database("mail_" + std::to_string(++counter));
        db_ = std::make_unique<sql::Database>(conninfo_, 4);
        sql::migrate(*db_);
        outbox_ = std::make_unique<sql::PgMailOutbox>(*db_);
    }

    SmtpOptions smtp() const {
        SmtpOptions o;
        o.host = "127.0.0.1";
        o.port = server_.port();
        o.tls = SmtpTls::None;
        o.from = "gateway@example.org";
        o.timeout = seconds(5);
        return o;
    }
    // One row of the outbox as "state|attempts|last_error".
    std::string row(const std::string& recipient) {
        auto conn = test::run_command(
            {"psql", "-X", "-A", "-t", "-d", conninfo_, "-c",
             "SELECT state || '|' || attempts || '|' || coalesce(last_error, '') FROM "
             "mail_outbox WHERE recipient = '" +
                 recipient + "'"});
        std::string out = conn.output;
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        return out;
    }

    std::string conninfo_;
    std::unique_ptr<sql::Database> db_;
    std::unique_ptr<sql::PgMailOutbox> outbox_;
    test::SmtpTestServer server_;
    Logger log_{LogLevel::Warning};
};

TEST_F(MailSenderTest, AnEnqueuedMailArrivesAtOnceNotAfterTheInterval) {
    SmtpTransport transport(smtp());
    MailSenderOptions o;
    o.interval = std::chrono::hours(1);
    MailSender sender(*outbox_, transport, log_, o);
    sender.start();
    WakingMailOutbox waking(*outbox_, &sender);
    ASSERT_TRUE(test::wait_until([&] { return sender.counters().pending == 0; }));
    waking.enqueue({"alice@example.org", "Confirm", "https://gw.example/v?t=1\n", "verify"});
    const auto got = server_.wait_for("alice@example.org", seconds(15));
    ASSERT_TRUE(got) << server_.log();
    EXPECT_EQ(test::extract_link(got->body), "https://gw.example/v?t=1");
    ASSERT_TRUE(test::wait_until([&] { return row("alice@example.org") == "sent|1|"; }))
        << row("alice@example.org");
    EXPECT_EQ(sender.counters().sent, 1);
}

TEST_F(MailSenderTest, SmtpDownForAWhileTheMailArrivesAfterItComesBack) {
    server_.stop();
    SmtpTransport transport(smtp());
    MailSenderOptions o;
    o.interval = milliseconds(100);
    o.retry_initial = seconds(1);
    MailSender sender(*outbox_, transport, log_, o);
    outbox_->enqueue({"bob@example.org", "Reset", "https://gw.example/r?t=2\n", "reset"});
    outbox_->enqueue({"carol@example.org", "Reset", "https://gw.example/r?t=3\n", "reset"});
    sender.pass();
    EXPECT_EQ(row("bob@example.org").substr(0, 10), "pending|1|") << row("bob@example.org");
    EXPECT_NE(row("bob@example.org").find("refused"), std::string::npos) << "the connect error";
    EXPECT_EQ(row("carol@example.org").substr(0, 10), "pending|1|");
    EXPECT_EQ(sender.counters().retried, 2);
    EXPECT_EQ(sender.counters().pending, 2);
    const auto listed = outbox_->list(10, false);
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_TRUE(listed[0].next_attempt.has_value());

    sender.start();
    server_.start();
    ASSERT_TRUE(server_.wait_for("bob@example.org", seconds(20))) << server_.log();
    ASSERT_TRUE(server_.wait_for("carol@example.org", seconds(20)));
    ASSERT_TRUE(test::wait_until([&] { return sender.counters().pending == 0; }));
    // Two attempts at least (the thread may try once more before the server is up); the
    // error of the failed ones stays for the operator.
    const std::string bob = row("bob@example.org");
    EXPECT_EQ(bob.substr(0, 5), "sent|") << bob;
    EXPECT_GE(std::stoi(bob.substr(5)), 2) << bob;
    EXPECT_NE(bob.find("refused"), std::string::npos) << bob;
    EXPECT_EQ(sender.counters().sent, 2);
    EXPECT_EQ(server_.messages().size(), 2u) << "each mail exactly once";
}

TEST_F(MailSenderTest, ARefusedRecipientFailsAtOnceTheOthersStillGo) {
    SmtpTransport transport(smtp());
    MailSender sender(*outbox_, transport, log_, {});
    outbox_->enqueue({"nobody@example.org", "Hi", "x\n", "test"});
    outbox_->enqueue({"dave@example.org", "Hi", "x\n", "test"});
    sender.pass();
    EXPECT_EQ(row("nobody@example.org").substr(0, 9), "failed|1|");
    EXPECT_NE(row("nobody@example.org").find("550"), std::string::npos);
    EXPECT_EQ(row("dave@example.org"), "sent|1|");
    EXPECT_EQ(sender.counters().failed, 1);
    EXPECT_EQ(outbox_->depth().failed, 1);
}

TEST_F(MailSenderTest, AMailOlderThanGiveUpAfterIsGivenUpWhenItFailsAgain) {
    server_.stop();
    SmtpTransport transport(smtp());
    MailSenderOptions o;
    o.retry_initial = seconds(60);
    o.give_up_after = seconds(3600);
    MailSender sender(*outbox_, transport, log_, o);
    outbox_->enqueue({"erin@example.org", "Hi", "x\n", "test"});
    sender.pass();
    EXPECT_EQ(row("erin@example.org").substr(0, 10), "pending|1|");
    test::run_command({"psql", "-X", "-q", "-d", conninfo_, "-c",
                       "UPDATE mail_outbox SET created = created - interval '2 hours', "
                       "next_attempt = clock_timestamp()"});
    sender.pass();
    EXPECT_EQ(row("erin@example.org").substr(0, 23), "failed|2|gave up after ")
        << row("erin@example.org");
    EXPECT_EQ(sender.counters().failed, 1);
}

TEST(MailSenderBackoff, DoublesFromTheInitialDelayUpToTheCap) {
    struct NoQueue : auth::MailQueue {
        std::vector<auth::QueuedMail> claim(int, seconds) override { return {}; }
        void mark_sent(std::int64_t) override {}
        void retry(std::int64_t, const std::string&, seconds) override {}
        void give_up(std::int64_t, const std::string&) override {}
        std::int64_t prune(seconds) override { return 0; }
        auth::MailQueueDepth depth() override { return {}; }
        std::vector<auth::MailSummary> list(int, bool) override { return {}; }
    } queue;
    struct NoTransport : MailTransport {
        DeliveryResult deliver(std::int64_t, const auth::OutgoingMail&) override { return {}; }
    } transport;
    Logger log;
    MailSenderOptions o;
    o.retry_initial = seconds(30);
    o.retry_max = seconds(300);
    const MailSender sender(queue, transport, log, o);
    const std::pair<int, long> rows[] = {{1, 30}, {2, 60}, {3, 120}, {4, 240}, {5, 300}, {40, 300}};
    for (const auto& [attempts, delay] : rows)
        EXPECT_EQ(sender.backoff(attempts), seconds(delay)) << attempts;
}

}  // namespace
}  // namespace ddns::gateway
