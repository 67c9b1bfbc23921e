// The pages' front door: which requests are the pages', the route table, the session and CSRF
// checks every request passes, static files, and the frame every page is rendered in.
#include "ddns/gateway/web/web_pages.hpp"

#include <algorithm>
#include <array>
#include <ctime>

#include "ddns/auth/store.hpp"
#include "ddns/gateway/base/text.hpp"
#include "page_kit.hpp"

namespace ddns::gateway::web {
namespace {

enum class Access { Anyone, User };
using Handler = Response (*)(PageKit&, Page&);

struct Route {
    std::string_view path;
    std::string_view method;
    Access access;
    Handler handler;
};

// clang-format off
constexpr std::array kRoutes{
    Route{"/", "GET", Access::User, pages::overview},
    Route{"/login", "GET", Access::Anyone, pages::login_form},
    Route{"/login", "POST", Access::Anyone, pages::login},
    Route{"/logout", "POST", Access::Anyone, pages::logout},
    Route{"/signup", "GET", Access::Anyone, pages::signup_form},
    Route{"/signup", "POST", Access::Anyone, pages::signup},
    Route{"/verify", "GET", Access::Anyone, pages::verify_form},
    Route{"/verify", "POST", Access::Anyone, pages::verify},
    Route{"/forgot", "GET", Access::Anyone, pages::forgot_form},
    Route{"/forgot", "POST", Access::Anyone, pages::forgot},
    Route{"/reset", "GET", Access::Anyone, pages::reset_form},
    Route{"/reset", "POST", Access::Anyone, pages::reset},
    Route{"/hosts/add", "POST", Access::User, pages::add_host},
    Route{"/host", "GET", Access::User, pages::host},
    Route{"/host/address", "POST", Access::User, pages::host_address},
    Route{"/host/settings", "POST", Access::User, pages::host_settings},
    Route{"/host/derive", "POST", Access::User, pages::host_derive},
    Route{"/host/remove", "POST", Access::User, pages::remove_host},
    Route{"/host/help", "GET", Access::User, pages::host_help},
    Route{"/tokens", "GET", Access::User, pages::tokens},
    Route{"/tokens/create", "POST", Access::User, pages::create_token},
    Route{"/tokens/revoke", "POST", Access::User, pages::revoke_token},
    Route{"/notices", "GET", Access::User, pages::notices},
    Route{"/notices/add", "POST", Access::User, pages::add_notice},
    Route{"/notices/remove", "POST", Access::User, pages::remove_notice},
    Route{"/records", "GET", Access::User, pages::records},
    Route{"/records/add", "POST", Access::User, pages::add_record},
    Route{"/records/remove", "POST", Access::User, pages::remove_record},
    Route{"/settings", "GET", Access::User, pages::settings},
    Route{"/settings/password", "POST", Access::User, pages::change_password},
    Route{"/settings/email", "POST", Access::User, pages::change_email},
    Route{"/settings/dynamic", "POST", Access::User, pages::dynamic_switch},
    Route{"/settings/delete", "POST", Access::User, pages::delete_account},
};
// clang-format on

constexpr std::string_view kStatic = "/static/";

std::string_view content_type_of(std::string_view name) {
    const auto ends = [name](std::string_view ext) {
        return name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext;
    };
    if (ends(".css")) return "text/css; charset=utf-8";
    if (ends(".png")) return "image/png";
    if (ends(".svg")) return "image/svg+xml";
    if (ends(".ico")) return "image/x-icon";
    if (ends(".txt")) return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

// The path below the prefix, or nullopt when the request is outside it.
std::optional<std::string_view> below_prefix(std::string_view path, std::string_view prefix) {
    if (prefix.empty()) return path;
    if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
    const auto rest = path.substr(prefix.size());
    if (!rest.empty() && rest.front() != '/') return std::nullopt;  // "/accounting"
    return rest;
}

bool is_get(std::string_view method) {
    return method == "GET" || method == "HEAD";
}

// The session and CSRF checks every request passes before its handler runs.
Response serve(PageKit& kit, Page& page, const Route& route) {
    auto& sessions = kit.d.sessions;
    page.session = sessions.current(page.request);
    if (page.session) {
        auto user = kit.d.accounts.account(page.session->account_id);
        if (user) {
            page.user = *std::move(user);
        } else if (user.error().error == AccountError::NotFound) {
            page.session.reset();  // the account is gone
        } else {
            return kit.refused(page, user.error(), "page/message.html", kit.frame(page, "Error"));
        }
    }
    const auto own_token = [&] {
        return page.session ? page.session->csrf
                            : sessions.anonymous_token(page.request, page.set_cookies);
    };
    if (route.method == "POST") {
        if (route.handler == pages::logout && !page.session) return kit.see_other(page, "/login");
        page.form = form_fields(page.request);
        const auto token = page.form.get("csrf");
        if (!token || !sessions.token_valid(page.request, page.session, *token)) {
            page.csrf = own_token();
            return kit.message(page, 403, "Form expired",
                               "This form has expired or did not come from this site. Go back, "
                               "reload the page and send it again. Nothing was changed.");
        }
    }
    page.csrf = own_token();
    if (route.access == Access::User && !page.session) return kit.see_other(page, "/login");
    return route.handler(kit, page);
}

}  // namespace

std::vector<std::string_view> WebPages::paths() {
    std::vector<std::string_view> out;
    for (const auto& r : kRoutes)
        if (std::find(out.begin(), out.end(), r.path) == out.end()) out.push_back(r.path);
    return out;
}

bool WebPages::owns(const RequestView& request) const {
    if (!options_.enabled) return false;
    const auto& ports = options_.listener_ports;
    if (!ports.empty() && std::find(ports.begin(), ports.end(), request.local_port) == ports.end())
        return false;
    const auto rest = below_prefix(request.path, options_.prefix);
    if (!rest) return false;
    if (rest->empty() || rest->substr(0, kStatic.size()) == kStatic) return true;
    return std::any_of(kRoutes.begin(), kRoutes.end(),
                       [&](const Route& r) { return r.path == *rest; });
}

std::optional<Response> WebPages::handle(const RequestView& request) {
    if (!owns(request)) return std::nullopt;
    const std::string_view rest = *below_prefix(request.path, options_.prefix);
    PageKit kit(d_, options_);
    Page page{request, {}, {}, {}, {}, {}};
    Response response;
    try {
        if (rest.empty()) {
            response = redirect(options_.prefix + "/");
        } else if (rest.substr(0, kStatic.size()) == kStatic) {
            const auto file =
                d_.templates.file("static/" + std::string(rest.substr(kStatic.size())));
            if (!is_get(request.method) || !file) {
                response = Response::text(404, "Not Found", "not found\n");
            } else {
                response = Response::text(200, "OK", *file);
                response.content_type = std::string(content_type_of(rest));
                response.headers.push_back({"Cache-Control", "public, max-age=3600"});
                response.headers.push_back({"X-Content-Type-Options", "nosniff"});
                return response;
            }
        } else {
            const std::string method = is_get(request.method) ? "GET" : request.method;
            const Route* route = nullptr;
            std::string allow;
            for (const auto& r : kRoutes) {
                if (r.path != rest) continue;
                allow += (allow.empty() ? "" : ", ") + std::string(r.method);
                if (r.method == method) route = &r;
            }
            if (!route) {
                response = kit.message(page, 405, "Method not allowed",
                                       "This address does not take that kind of request.");
                response.headers.push_back({"Allow", allow});
            } else {
                response = serve(kit, page, *route);
            }
        }
    } catch (const auth::StoreError& e) {
        d_.log.error(std::string("web: database unavailable: ") + e.what());
        response = html(503, "Service Unavailable",
                        "<!DOCTYPE html><title>Unavailable</title><p>The service is unavailable "
                        "right now. Please try again in a moment.</p>\n");
        response.headers.push_back({"Retry-After", "5"});
    } catch (const std::exception& e) {
        d_.log.error(std::string("web: page failed: ") + e.what());
        response = html(500, "Internal Server Error",
                        "<!DOCTYPE html><title>Error</title><p>Something went wrong on our "
                        "side. Please try again.</p>\n");
    }
    add_security_headers(response);
    return response;
}

}  // namespace ddns::gateway::web
