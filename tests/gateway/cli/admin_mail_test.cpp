// `admin mail test` and `admin mail queue` against an in-memory outbox: a test mail is queued
// only for a plain address (a header injection or a non-address changes nothing), and the queue
// listing shows state, attempts and the last error but never a body.
#include <gtest/gtest.h>

#include <sstream>

#include "admin_handler_fixture.hpp"
#include "ddns/gateway/cli/admin_table.hpp"

namespace ddns::gateway {
namespace {

// Its own suite: the fixture is a class of this translation unit.
class AdminMailTest : public AdminHandlerTest {};

TEST_F(AdminMailTest, TestQueuesOneMailToTheAddress) {
    EXPECT_EQ(run({"mail", "test", "alice@example.org"}), 0) << err_.str();
    ASSERT_EQ(outbox_.queued.size(), 1u);
    EXPECT_EQ(outbox_.queued[0].to, "alice@example.org");
    EXPECT_EQ(outbox_.queued[0].kind, "test");
    EXPECT_NE(out_.str().find("queued a test mail to alice@example.org"), std::string::npos);
    EXPECT_NE(out_.str().find("mail.enabled is false"), std::string::npos);
}

TEST_F(AdminMailTest, TestRefusesWhatIsNotOnePlainAddress) {
    for (const std::string bad :
         {"alice", "@example.org", "alice@", "alice@example.org\r\nBcc: all@example.org",
          "Alice <alice@example.org>", "a@example.org,b@example.org"}) {
        EXPECT_EQ(run({"mail", "test", bad}), 1) << bad;
    }
    EXPECT_TRUE(outbox_.queued.empty());
    EXPECT_EQ(run({"mail", "test"}), 2) << "ADDRESS is required";
}

TEST_F(AdminMailTest, QueueListsStateAndErrorButNoBody) {
    auth::MailSummary pending{7,
                              "bob@example.org",
                              "Reset your password",
                              "reset",
                              auth::MailState::Pending,
                              3,
                              "2026-12-06T20:00:00Z",
                              "2026-12-06T20:10:00Z",
                              "connect: Connection refused\r\nmore"};
    auth::MailSummary failed{
        5, "nobody@example.org",   "Confirm",    "verify",          auth::MailState::Failed,
        1, "2026-12-06T19:00:00Z", std::nullopt, "550 no such user"};
    outbox_.rows = {pending, failed};
    EXPECT_EQ(run({"mail", "queue"}), 0) << err_.str();
    const std::string text = out_.str();
    EXPECT_NE(text.find("pending"), std::string::npos);
    EXPECT_NE(text.find("connect: Connection refused  more"), std::string::npos) << text;
    EXPECT_NE(text.find("550 no such user"), std::string::npos);
    EXPECT_NE(text.find("1 pending, 1 failed"), std::string::npos);
    EXPECT_FALSE(outbox_.last_include_sent);
    EXPECT_EQ(run({"mail", "queue", "--all", "--limit", "10"}), 0);
    EXPECT_TRUE(outbox_.last_include_sent);
    EXPECT_EQ(run({"mail", "queue", "--limit", "0"}), 2);
}

}  // namespace
}  // namespace ddns::gateway
