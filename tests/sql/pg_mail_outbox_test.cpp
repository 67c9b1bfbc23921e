// The mail outbox in PostgreSQL (migration 013): enqueue refuses header injections and stores
// nothing then; a claim leases due mails (another claim skips them, also in parallel); retry,
// give-up and sent record the outcome; pruning forgets finished mails only; the operator's list
// never carries a body.
#include "ddns/sql/pg_mail_outbox.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ddns/sql/migrator.hpp"
#include "sql_fixture.hpp"

namespace ddns::sql::test {
namespace {

using std::chrono::seconds;

class PgMailOutboxTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        migrate(*db_);
    }
    static auth::OutgoingMail mail(const std::string& to, const std::string& kind = "verify") {
        return {to, "Confirm your address", "Open https://gw.example/verify?t=abc\n", kind};
    }
};

TEST_F(PgMailOutboxTest, EnqueueStoresAPendingMailDueAtOnce) {
    PgMailOutbox box(*db_);
    box.enqueue(mail("alice@example.org"));
    EXPECT_EQ(scalar("SELECT recipient || '|' || subject || '|' || kind || '|' || state || '|' "
                     "|| attempts FROM mail_outbox"),
              "alice@example.org|Confirm your address|verify|pending|0");
    const auto claimed = box.claim(10, seconds(60));
    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_EQ(claimed[0].mail.to, "alice@example.org");
    EXPECT_EQ(claimed[0].mail.body, "Open https://gw.example/verify?t=abc\n");
    EXPECT_EQ(claimed[0].attempts, 1);
    EXPECT_LT(claimed[0].age, seconds(60));
}

TEST_F(PgMailOutboxTest, HeaderInjectionIsRefusedAndNothingStored) {
    PgMailOutbox box(*db_);
    const std::vector<auth::OutgoingMail> bad = {
        {"alice@example.org\r\nBcc: all@example.org", "s", "b", "verify"},
        {"alice@example.org", "Hello\nBcc: all@example.org", "b", "verify"},
        {"alice@example.org", "Hello\r", "b", "verify"},
        {"", "Hello", "b", "verify"},
        {"alice@example.org", "", "b", "verify"},
        {"alice@example.org", "Hello", "b", "ve\nrify"},
        {"alice@example.org", std::string("Hel\0lo", 6), "b", "verify"},
    };
    for (const auto& m : bad) EXPECT_THROW(box.enqueue(m), std::invalid_argument) << m.subject;
    EXPECT_EQ(scalar("SELECT count(*) FROM mail_outbox"), "0");
    box.enqueue({"bob@example.org", "Grüße aus dem Gateway", "b", "test"});  // UTF-8 is fine
    EXPECT_EQ(scalar("SELECT count(*) FROM mail_outbox"), "1");
}

TEST_F(PgMailOutboxTest, AClaimedMailIsLeasedUntilItsOutcomeIsRecorded) {
    PgMailOutbox box(*db_);
    box.enqueue(mail("a@example.org"));
    box.enqueue(mail("b@example.org"));
    box.enqueue(mail("c@example.org"));
    const auto first = box.claim(2, seconds(600));
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].mail.to, "a@example.org") << "oldest first";
    EXPECT_EQ(first[1].mail.to, "b@example.org");
    const auto second = box.claim(10, seconds(600));
    ASSERT_EQ(second.size(), 1u) << "the leased ones are not claimed again";
    EXPECT_EQ(second[0].mail.to, "c@example.org");
    EXPECT_TRUE(box.claim(10, seconds(600)).empty());
    EXPECT_EQ(box.depth().pending, 3);
}

TEST_F(PgMailOutboxTest, AnExpiredLeaseMakesTheMailDueAgain) {
    PgMailOutbox box(*db_);
    box.enqueue(mail("a@example.org"));
    ASSERT_EQ(box.claim(10, seconds(0)).size(), 1u);  // the claimer "died" at once
    const auto again = box.claim(10, seconds(600));
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].attempts, 2);
}

TEST_F(PgMailOutboxTest, RetryKeepsTheErrorAndWaitsForTheDelay) {
    PgMailOutbox box(*db_);
    box.enqueue(mail("a@example.org"));
    const auto c = box.claim(10, seconds(600));
    ASSERT_EQ(c.size(), 1u);
    box.retry(c[0].id, "connect: Connection refused", seconds(3600));
    EXPECT_TRUE(box.claim(10, seconds(600)).empty()) << "not due for an hour";
    EXPECT_EQ(scalar("SELECT last_error FROM mail_outbox"), "connect: Connection refused");
    EXPECT_EQ(scalar("SELECT next_attempt > clock_timestamp() + interval '59 minutes' "
                     "FROM mail_outbox"),
              "t");
    box.retry(c[0].id, "again", seconds(0));
    const auto d = box.claim(10, seconds(600));
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].attempts, 2);
    box.mark_sent(d[0].id);
    EXPECT_EQ(scalar("SELECT state || '|' || attempts || '|' || last_error || '|' || "
                     "(finished IS NOT NULL) FROM mail_outbox"),
              "sent|2|again|true")
        << "the retry stays visible after delivery";
    EXPECT_EQ(box.depth().pending, 0);
}

TEST_F(PgMailOutboxTest, AGivenUpMailIsNeverClaimedAndListedAsFailed) {
    PgMailOutbox box(*db_);
    box.enqueue(mail("a@example.org", "reset"));
    box.enqueue(mail("b@example.org"));
    const auto c = box.claim(1, seconds(0));
    ASSERT_EQ(c.size(), 1u);
    box.give_up(c[0].id, "550 no such user");
    const auto rest = box.claim(10, seconds(600));
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].mail.to, "b@example.org");
    box.mark_sent(rest[0].id);
    EXPECT_EQ(box.depth().failed, 1);
    EXPECT_EQ(box.depth().pending, 0);

    const auto listed = box.list(10, false);
    ASSERT_EQ(listed.size(), 1u) << "sent mails only on request";
    EXPECT_EQ(listed[0].to, "a@example.org");
    EXPECT_EQ(listed[0].kind, "reset");
    EXPECT_EQ(listed[0].state, auth::MailState::Failed);
    EXPECT_EQ(listed[0].last_error, "550 no such user");
    EXPECT_FALSE(listed[0].next_attempt.has_value());
    EXPECT_EQ(box.list(10, true).size(), 2u);
}

TEST_F(PgMailOutboxTest, PruneForgetsOnlyFinishedMailsOlderThanTheAge) {
    PgMailOutbox box(*db_);
    box.enqueue(mail("a@example.org"));
    box.enqueue(mail("b@example.org"));
    box.enqueue(mail("c@example.org"));
    const auto c = box.claim(2, seconds(600));
    ASSERT_EQ(c.size(), 2u);
    box.mark_sent(c[0].id);
    box.give_up(c[1].id, "550");
    EXPECT_EQ(box.prune(seconds(3600)), 0) << "finished just now";
    scalar(
        "UPDATE mail_outbox SET finished = finished - interval '2 hours', "
        "created = created - interval '2 hours' RETURNING 1");
    EXPECT_EQ(box.prune(seconds(3600)), 2);
    EXPECT_EQ(scalar("SELECT recipient FROM mail_outbox"), "c@example.org") << "pending stays";
}

TEST_F(PgMailOutboxTest, ParallelClaimsNeverHandOutTheSameMailTwice) {
    PgMailOutbox box(*db_);
    constexpr int kMails = 60;
    for (int i = 0; i < kMails; ++i) box.enqueue(mail("u" + std::to_string(i) + "@example.org"));
    Database other(conninfo_, 2);
    PgMailOutbox box2(other);
    std::vector<std::int64_t> a, b;
    auto drain = [](PgMailOutbox& q, std::vector<std::int64_t>& ids) {
        for (;;) {
            const auto got = q.claim(3, seconds(600));
            if (got.empty()) return;
            for (const auto& m : got) ids.push_back(m.id);
        }
    };
    std::thread t1([&] { drain(box, a); });
    std::thread t2([&] { drain(box2, b); });
    t1.join();
    t2.join();
    std::set<std::int64_t> all(a.begin(), a.end());
    all.insert(b.begin(), b.end());
    EXPECT_EQ(all.size(), a.size() + b.size()) << "no mail claimed twice";
    EXPECT_EQ(all.size(), static_cast<std::size_t>(kMails));
}

}  // namespace
}  // namespace ddns::sql::test
