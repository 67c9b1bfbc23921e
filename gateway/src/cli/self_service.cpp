#include "ddns/gateway/cli/self_service.hpp"

#include "ddns/gateway/base/templates.hpp"
#include "ddns/gateway/web/web_pages.hpp"
#include "ddns/gateway/web/web_sessions.hpp"
#include "ddns/sql/pg_self_service_store.hpp"
#include "ddns/sql/pg_session_store.hpp"

namespace ddns::gateway {

// The pages' paths, below web.prefix (web_pages.hpp lists them too; a test keeps them in step).
constexpr const char* kPagePaths[] = {"/",
                                      "/login",
                                      "/logout",
                                      "/signup",
                                      "/verify",
                                      "/forgot",
                                      "/reset",
                                      "/hosts/add",
                                      "/host",
                                      "/host/address",
                                      "/host/settings",
                                      "/host/remove",
                                      "/host/help",
                                      "/tokens",
                                      "/tokens/create",
                                      "/tokens/revoke",
                                      "/settings",
                                      "/settings/password",
                                      "/settings/email",
                                      "/settings/dynamic",
                                      "/settings/delete",
                                      "/static/style.css"};

struct SelfService::Impl {
    Impl(const Config& config, SelfServiceDeps d)
        : web_options(config.web_options()),
          store(d.db),
          session_store(d.db),
          sessions(session_store, d.clock, web_options),
          terminator(sessions),
          accounts(AccountService::Deps{store, d.principals, d.authenticator, &d.throttle, d.hasher,
                                        d.outbox, d.updates, d.records, d.dns, d.policy, d.log,
                                        d.clock, &terminator},
                   config.account_options()),
          templates(web_options.template_dir),
          pages(web::WebPages::Deps{accounts, sessions, templates, d.log, d.clock}, web_options) {}

    WebOptions web_options;
    sql::PgSelfServiceStore store;
    sql::PgSessionStore session_store;
    web::WebSessions sessions;
    web::WebSessionTerminator terminator;
    AccountService accounts;
    Templates templates;
    web::WebPages pages;
};

SelfService::SelfService(const Config& config, SelfServiceDeps deps)
    : impl_(std::make_unique<Impl>(config, std::move(deps))) {}

SelfService::~SelfService() = default;

AccountService& SelfService::accounts() {
    return impl_->accounts;
}

void SelfService::add_web_routes(RouteTable& routes) {
    if (!impl_->web_options.enabled) return;
    Route route;
    route.name = "web";
    for (const char* path : kPagePaths) route.paths.push_back(impl_->web_options.prefix + path);
    if (!impl_->web_options.prefix.empty()) route.paths.push_back(impl_->web_options.prefix);
    route.methods = {"GET", "POST"};
    auto& pages = impl_->pages;
    route.handler = [&pages](const RequestView& request) {
        auto page = pages.handle(request);
        return page ? *std::move(page) : Response::text(404, "Not Found", "not found\n");
    };
    // Other methods get the pages' own 405 (with the security headers).
    route.wrong_method = route.handler;
    route.when = [&pages](const RequestView& request) { return pages.owns(request); };
    routes.add(std::move(route));
}

}  // namespace ddns::gateway
