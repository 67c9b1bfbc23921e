// The self-service HTML pages: server-rendered (no JavaScript), every form carrying a CSRF token,
// every page the security headers of web_http.hpp. The use cases are AccountService's; this
// layer only turns forms into its calls and its answers into pages.
//
// Paths, under WebOptions::prefix: / (overview), /login, /logout, /signup, /verify, /forgot,
// /reset, /hosts/add, /host?name=, /host/address, /host/settings, /host/remove, /host/help,
// /tokens, /tokens/create, /tokens/revoke, /records, /records/add, /records/remove, /settings,
// /settings/password, /settings/email, /settings/dynamic, /settings/delete, /static/...
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "ddns/gateway/account/account_service.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/base/templates.hpp"
#include "ddns/gateway/http/request.hpp"
#include "ddns/gateway/web/web_options.hpp"
#include "ddns/gateway/web/web_sessions.hpp"

namespace ddns::gateway::web {

class WebPages {
public:
    struct Deps {
        AccountService& accounts;
        WebSessions& sessions;
        const Templates& templates;
        const Logger& log;
        std::function<auth::TimePoint()> clock;
    };
    WebPages(Deps deps, const WebOptions& options) : d_(std::move(deps)), options_(options) {}

    // The page for this request, or nullopt when the request is not for the pages (pages off,
    // another path, a listener that does not show them). Never throws: a failure is a 500 or
    // 503 page, logged without secrets.
    std::optional<Response> handle(const RequestView& request);

    // Whether the path (as received) is one of the pages' paths on a listener that shows them.
    bool owns(const RequestView& request) const;
    // Every page's path below the prefix, once each (for the server's route table).
    static std::vector<std::string_view> paths();

private:
    Deps d_;
    const WebOptions& options_;
};

}  // namespace ddns::gateway::web
