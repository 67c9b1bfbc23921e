// The HTML pages in `serve`: the web sessions over the session table, the templates and the
// pages over the account layer the JSON API uses too. add_web_routes() puts the pages' rows into
// the route table when web.enabled.
#pragma once

#include <functional>
#include <memory>

#include "ddns/auth/session.hpp"
#include "ddns/gateway/account/account_service.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/http/route_table.hpp"
#include "ddns/gateway/web/web_options.hpp"

namespace ddns::gateway {

class WebFront {
public:
    WebFront(WebOptions options, AccountService& accounts, auth::SessionStore& sessions,
             const Logger& log, std::function<auth::TimePoint()> clock);
    ~WebFront();
    WebFront(const WebFront&) = delete;
    WebFront& operator=(const WebFront&) = delete;

    // With web.enabled, the pages' paths under web.prefix (GET and POST) on the listeners
    // web.listeners names; nothing otherwise.
    void add_web_routes(RouteTable& routes);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ddns::gateway
