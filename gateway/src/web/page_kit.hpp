// Private to the web layer: what every page handler shares (the request as the pages see it,
// rendering with the common frame, redirects, AccountService failures as pages).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/gateway/web/web_http.hpp"
#include "ddns/gateway/web/web_pages.hpp"

namespace ddns::gateway::web {

// One request as a page handler sees it.
struct Page {
    const RequestView& request;
    std::optional<CurrentSession> session;
    QueryParams form;                       // POST fields (empty for GET)
    std::vector<Header> set_cookies;        // Set-Cookie lines to send with the answer
    std::string csrf;                       // the token the page's forms carry
    std::optional<auth::UserAccount> user;  // the logged-in account, when there is a session

    std::int64_t account_id() const { return session ? session->account_id : 0; }
    // A form field or query parameter, trimmed of surrounding blanks ("" when absent).
    std::string field(std::string_view name) const;
    std::string query(std::string_view name) const;
};

class PageKit {
public:
    PageKit(WebPages::Deps& deps, const WebOptions& web_options) : d(deps), options(web_options) {}

    // A path on this server under the pages' prefix ("/tokens" -> "/account/tokens").
    std::string url(std::string_view path) const { return options.prefix + std::string(path); }

    // The values every page's frame uses (site name, prefix, title, the user, the CSRF token).
    TemplateData frame(const Page& page, std::string title) const;
    // Renders `tmpl` ("page/x.html") with `data` (already holding frame()) as a full answer.
    Response render(Page& page, int status, std::string_view tmpl, const TemplateData& data) const;
    // A short page with one message (and an optional link onwards).
    Response message(Page& page, int status, std::string title, std::string text,
                     std::string link = {}, std::string link_text = {}) const;
    // 303 to `path` (under the prefix), carrying the page's cookies.
    Response see_other(Page& page, std::string_view path) const;
    // The status a refusal of AccountService answers with, with Retry-After when throttled.
    static int status_for(AccountError error);
    Response refused(Page& page, const AccountFailure& failure, std::string_view tmpl,
                     TemplateData data) const;

    WebPages::Deps& d;
    const WebOptions& options;
};

// Text for the pages.
std::string format_time(const std::optional<auth::TimePoint>& t, std::string_view never = "never");
std::string format_seconds(std::chrono::seconds s);

// The handlers, one file per group; each answers one path and method.
namespace pages {
Response login_form(PageKit& kit, Page& page);
Response login(PageKit& kit, Page& page);
Response logout(PageKit& kit, Page& page);
Response signup_form(PageKit& kit, Page& page);
Response signup(PageKit& kit, Page& page);
Response verify_form(PageKit& kit, Page& page);
Response verify(PageKit& kit, Page& page);
Response forgot_form(PageKit& kit, Page& page);
Response forgot(PageKit& kit, Page& page);
Response reset_form(PageKit& kit, Page& page);
Response reset(PageKit& kit, Page& page);

Response overview(PageKit& kit, Page& page);
Response add_host(PageKit& kit, Page& page);
Response host(PageKit& kit, Page& page);
Response host_address(PageKit& kit, Page& page);
Response host_settings(PageKit& kit, Page& page);
Response host_derive(PageKit& kit, Page& page);
Response remove_host(PageKit& kit, Page& page);
Response host_help(PageKit& kit, Page& page);

Response tokens(PageKit& kit, Page& page);
Response create_token(PageKit& kit, Page& page);
Response revoke_token(PageKit& kit, Page& page);

Response notices(PageKit& kit, Page& page);
Response add_notice(PageKit& kit, Page& page);
Response remove_notice(PageKit& kit, Page& page);

Response records(PageKit& kit, Page& page);
Response add_record(PageKit& kit, Page& page);
Response remove_record(PageKit& kit, Page& page);

Response settings(PageKit& kit, Page& page);
Response change_password(PageKit& kit, Page& page);
Response change_email(PageKit& kit, Page& page);
Response dynamic_switch(PageKit& kit, Page& page);
Response delete_account(PageKit& kit, Page& page);
}  // namespace pages

}  // namespace ddns::gateway::web
