// The self-service part of `serve`: the account layer over PostgreSQL, the web sessions, the
// templates and the HTML pages, built once by the composition root. add_web_routes() puts the
// pages' rows into the route table; the JSON API takes accounts() from here too.
#pragma once

#include <functional>
#include <memory>

#include "ddns/auth/authenticator.hpp"
#include "ddns/auth/failure_throttle.hpp"
#include "ddns/auth/mail_outbox.hpp"
#include "ddns/auth/password.hpp"
#include "ddns/auth/store.hpp"
#include "ddns/gateway/account/account_service.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/config/config.hpp"
#include "ddns/gateway/core/address_policy.hpp"
#include "ddns/gateway/core/record_service.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "ddns/gateway/http/route_table.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::gateway {

struct SelfServiceDeps {
    sql::Database& db;
    auth::AccountStore& principals;
    auth::Authenticator& authenticator;
    auth::FailureThrottle& throttle;
    const auth::PasswordHasher& hasher;
    auth::MailOutbox& outbox;
    UpdateService& updates;
    RecordService& records;
    UpdateSender& dns;
    const AddressPolicy& policy;
    const Logger& log;
    std::function<auth::TimePoint()> clock;
};

class SelfService {
public:
    SelfService(const Config& config, SelfServiceDeps deps);
    ~SelfService();
    SelfService(const SelfService&) = delete;
    SelfService& operator=(const SelfService&) = delete;

    AccountService& accounts();

    // With web.enabled, the pages' paths under web.prefix (GET and POST), on the listeners
    // web.listeners names; nothing otherwise.
    void add_web_routes(RouteTable& routes);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ddns::gateway
