// The context the admin handler tests run in: a database that is never reached (the pool
// connects lazily, and the inputs are refused or served before it), a fake DNS sender, a clock
// that stands still, and an in-memory mail outbox.
#pragma once

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "ddns/auth/mail_outbox.hpp"
#include "ddns/auth/mail_queue.hpp"
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

// A context whose database is never reached (the pool connects lazily, and these inputs are
// refused first) and whose clock stands still.
class AdminHandlerTest : public ::testing::Test {
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
    sql::Database db_{config_.database.url, 1};
    sql::AdminRepository repo_{db_};
    sql::AuditRepository audit_{db_};
    sql::PgStore store_{db_};
    // Must not be called: every case here is refused before any DNS traffic.
    fakes::FakeSender dns_;
    Logger log_{LogLevel::Error};
    int clock_reads_ = 0;
    std::istringstream in_{"short\n"};
    std::ostringstream out_;
    std::ostringstream err_;
    MemoryOutbox outbox_;
    AdminContext cx_{config_,
                     repo_,
                     audit_,
                     store_,
                     dns_,
                     log_,
                     [this] {
                         ++clock_reads_;
                         return auth::TimePoint{} + std::chrono::hours(24 * 365 * 50);
                     },
                     in_,
                     out_,
                     err_,
                     &outbox_,
                     &outbox_};
};

}  // namespace
}  // namespace ddns::gateway
