// The handlers of `ddns-gateway admin`, one per command of the command table (admin_table.cpp),
// and the context they run in. A handler reads its words from Args, talks to the database, BIND
// and the clock only through AdminContext, prints to its streams and returns the exit code:
// 0 done, 1 refused or failed (one sentence on err), 2 usage error (thrown as UsageError).
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ddns/auth/mail_outbox.hpp"
#include "ddns/auth/mail_queue.hpp"
#include "ddns/auth/model.hpp"
#include "ddns/auth/notice.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/config/config.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::sql {
class AdminRepository;
class AuditRepository;
class PgStore;
}  // namespace ddns::sql

namespace ddns::gateway {

// A command line the table cannot run; answered with the message, the usage text and exit 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Positional words and --options of one admin command.
struct Args {
    std::vector<std::string> words;
    std::map<std::string, std::string> options;
    std::map<std::string, bool> flags;

    // Words starting with `--` take the next word as value, except the named flags.
    static Args parse(const std::vector<std::string>& raw,
                      const std::vector<std::string>& flag_names);
    std::optional<std::string> opt(const std::string& name) const;
    std::string need(const std::string& name) const;           // UsageError when absent
    void only(const std::vector<std::string>& allowed) const;  // UsageError for others
};

// Everything a handler may touch, built once by run_admin (or by a test).
struct AdminContext {
    const Config& config;
    sql::AdminRepository& repo;
    sql::AuditRepository& audit;
    sql::PgStore& store;
    UpdateSender& dns;
    const Logger& log;
    std::function<auth::TimePoint()> now;
    std::istream& in;
    std::ostream& out;
    std::ostream& err;
    // The mail outbox (both sides); null where a context has none (the unit tests' fakes).
    auth::MailOutbox* mail_outbox = nullptr;
    auth::MailQueue* mail_queue = nullptr;
    // Notice subscriptions and the webhook queue; null where a context has none.
    auth::NoticeStore* notices = nullptr;
    auth::WebhookQueue* webhooks = nullptr;

    // Prints `ddns-gateway admin: MESSAGE` on err; returns the exit code 1.
    int fail(const std::string& message) const;
};

using AdminHandler = int (*)(AdminContext& cx, const Args& args);

// admin_zone.cpp
int zone_add(AdminContext& cx, const Args& a);
int zone_list(AdminContext& cx, const Args& a);
int zone_remove(AdminContext& cx, const Args& a);
int zone_heartbeat(AdminContext& cx, const Args& a);
int zone_offline_action(AdminContext& cx, const Args& a);
int zone_update(AdminContext& cx, const Args& a);
int zone_check(AdminContext& cx, const Args& a);
// admin_account.cpp
int account_add(AdminContext& cx, const Args& a);
int account_passwd(AdminContext& cx, const Args& a);
int account_expiry(AdminContext& cx, const Args& a);
int account_enable_updates(AdminContext& cx, const Args& a);
int account_disable_updates(AdminContext& cx, const Args& a);
int account_block(AdminContext& cx, const Args& a);
int account_unblock(AdminContext& cx, const Args& a);
int account_disable(AdminContext& cx, const Args& a);
int account_enable(AdminContext& cx, const Args& a);
int account_plan(AdminContext& cx, const Args& a);
int account_list(AdminContext& cx, const Args& a);
int account_remove(AdminContext& cx, const Args& a);
// admin_host.cpp
int host_add(AdminContext& cx, const Args& a);
int host_list(AdminContext& cx, const Args& a);
int host_remove(AdminContext& cx, const Args& a);
int host_heartbeat(AdminContext& cx, const Args& a);
int host_offline_action(AdminContext& cx, const Args& a);
int host_show(AdminContext& cx, const Args& a);
int host_block(AdminContext& cx, const Args& a);
int host_unblock(AdminContext& cx, const Args& a);
int host_nochg_interval(AdminContext& cx, const Args& a);
// admin_token.cpp
int token_add(AdminContext& cx, const Args& a);
int token_list(AdminContext& cx, const Args& a);
int token_remove(AdminContext& cx, const Args& a);

// admin_self_service.cpp
int zone_public(AdminContext& cx, const Args& a);
int invite_create(AdminContext& cx, const Args& a);
int apitoken_add(AdminContext& cx, const Args& a);
int apitoken_list(AdminContext& cx, const Args& a);
int apitoken_remove(AdminContext& cx, const Args& a);
// admin_ttl.cpp
int host_ttl(AdminContext& cx, const Args& a);
int zone_ttl(AdminContext& cx, const Args& a);
// admin_record.cpp
int record_add(AdminContext& cx, const Args& a);
int record_remove(AdminContext& cx, const Args& a);
int record_list(AdminContext& cx, const Args& a);
// admin_log.cpp
int log_show(AdminContext& cx, const Args& a);
// admin_reconcile.cpp
int reconcile_run(AdminContext& cx, const Args& a);
// admin_mail.cpp
int mail_test(AdminContext& cx, const Args& a);
int mail_queue(AdminContext& cx, const Args& a);

// admin_notice.cpp
int notice_add(AdminContext& cx, const Args& a);
int notice_list(AdminContext& cx, const Args& a);
int notice_remove(AdminContext& cx, const Args& a);
int notice_queue(AdminContext& cx, const Args& a);

}  // namespace ddns::gateway
