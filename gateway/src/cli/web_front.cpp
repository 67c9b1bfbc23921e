#include "ddns/gateway/cli/web_front.hpp"

#include "ddns/gateway/base/templates.hpp"
#include "ddns/gateway/web/web_pages.hpp"
#include "ddns/gateway/web/web_sessions.hpp"

namespace ddns::gateway {

struct WebFront::Impl {
    Impl(WebOptions web_options, AccountService& accounts, auth::SessionStore& store,
         const Logger& log, std::function<auth::TimePoint()> clock)
        : options(std::move(web_options)),
          sessions(store, clock, options),
          templates(options.template_dir),
          pages(web::WebPages::Deps{accounts, sessions, templates, log, clock}, options) {}

    WebOptions options;
    web::WebSessions sessions;
    Templates templates;
    web::WebPages pages;
};

WebFront::WebFront(WebOptions options, AccountService& accounts, auth::SessionStore& sessions,
                   const Logger& log, std::function<auth::TimePoint()> clock)
    : impl_(std::make_unique<Impl>(std::move(options), accounts, sessions, log, std::move(clock))) {
}

WebFront::~WebFront() = default;

void WebFront::add_web_routes(RouteTable& routes) {
    if (!impl_->options.enabled) return;
    Route route;
    route.name = "web";
    for (const auto path : web::WebPages::paths())
        route.paths.push_back(impl_->options.prefix + std::string(path));
    route.paths.push_back(impl_->options.prefix + "/static/style.css");
    if (!impl_->options.prefix.empty()) route.paths.push_back(impl_->options.prefix);
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
