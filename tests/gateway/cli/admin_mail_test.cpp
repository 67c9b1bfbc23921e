// `admin mail test` and `admin mail queue` against an in-memory outbox: a test mail is queued
// only for a plain address (a header injection or a non-address changes nothing), and the queue
// listing shows state, attempts and the last error but never a body.
#include <gtest/gtest.h>

#include <sstream>

#include "ddns/gateway/cli/admin_handlers.hpp"
#include "ddns/gateway/cli/admin_table.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/audit_repository.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_store.hpp"
#include "fakes.hpp"

namespace ddns::gateway {
namespace {

struct MemoryOutbox final : auth::MailOutbox, auth::MailQueue {
    std::vector<auth::OutgoingMail> queued;
    std::vector<auth::MailSummary> rows;
    bool last_include_sent = false;
    void enqueue(const auth::OutgoingMail& m) override { queued.push_back(m); }
    std::vector<auth::QueuedMail> claim(int, std::chrono::seconds) override { return {}; }
    void mark_sent(std::int64_t) override {}
    void retry(std::int64_t, const std::string&, std::chrono::seconds) override {}
    void give_up(std::int64_t, const std::string&) override {}
    std::int64_t prune(std::chrono::seconds) override { return 0; }
    auth::MailQueueDepth depth() override { return {1, 1}; }
    std::vector<auth::MailSummary> list(int, bool include_sent) override {
        last_include_sent = include_sent;
        return rows;
    }
};

class AdminMailTest : public ::testing::Test {
protected:
    int run(const std::vector<std::string>& words) {
        return dispatch_admin(words, out_, err_, [&](AdminHandler handler, const Args& args) {
            return handler(cx_, args);
        });
    }

    const Config config_ = [] {
        auto c = parse_config("database.url = host=127.0.0.1 port=1 connect_timeout=1\n");
        return *c;
    }();
    sql::Database db_{config_.database.url, 1};  // never reached by the mail commands
    sql::AdminRepository repo_{db_};
    sql::AuditRepository audit_{db_};
    sql::PgStore store_{db_};
    fakes::FakeSender dns_;
    Logger log_{LogLevel::Error};
    std::istringstream in_;
    std::ostringstream out_;
    std::ostringstream err_;
    MemoryOutbox outbox_;
    AdminContext cx_{
        config_, repo_, audit_, store_,   dns_,    log_, [] { return auth::TimePoint{}; },
        in_,     out_,  err_,   &outbox_, &outbox_};
};

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
