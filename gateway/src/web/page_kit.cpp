// The frame of every page, messages, redirects, and AccountService refusals as pages.
#include "page_kit.hpp"

#include <ctime>

#include "ddns/gateway/base/text.hpp"

namespace ddns::gateway::web {

std::string Page::field(std::string_view name) const {
    return std::string(text::trim(form.get(name).value_or(""), " \t\r\n"));
}

std::string Page::query(std::string_view name) const {
    return std::string(text::trim(request.query.get(name).value_or(""), " \t\r\n"));
}

std::string format_time(const std::optional<auth::TimePoint>& t, std::string_view never) {
    if (!t) return std::string(never);
    const std::time_t secs = auth::Clock::to_time_t(*t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

std::string format_seconds(std::chrono::seconds s) {
    const auto n = s.count();
    if (n % 86400 == 0 && n >= 86400) return std::to_string(n / 86400) + " d";
    if (n % 3600 == 0 && n >= 3600) return std::to_string(n / 3600) + " h";
    if (n % 60 == 0 && n >= 60) return std::to_string(n / 60) + " min";
    return std::to_string(n) + " s";
}

namespace {

// What a redirect's ?done=KEY says on the next page: fixed texts, nothing from the request.
std::optional<std::string_view> notice_for(std::string_view key) {
    static const std::pair<std::string_view, std::string_view> kNotices[] = {
        {"logged_out", "You are logged out."},
        {"host_added", "The host was added. Create an update token for your router next."},
        {"host_removed", "The host was removed and its addresses deleted from DNS."},
        {"address_set", "The address was changed in DNS."},
        {"host_saved", "The host settings were saved."},
        {"host_derived",
         "The host now follows its router's IPv6 prefix; its AAAA is in DNS as soon as the "
         "router has a prefix or an IPv6 address."},
        {"host_ordinary", "The host no longer follows a router; its AAAA stays as it is."},
        {"token_revoked", "The token was revoked; it no longer works."},
        {"notice_removed", "The notice subscription was removed."},
        {"record_added", "The record was added in DNS."},
        {"record_removed", "The record was removed from DNS."},
        {"password_changed", "Your password was changed. Your other sessions were ended."},
        {"dynamic_on", "Dynamic updates are on."},
        {"dynamic_off", "Dynamic updates are off."},
        {"email_sent",
         "A confirmation link was mailed to the new address. The address changes "
         "when you follow it."},
    };
    for (const auto& [k, text] : kNotices)
        if (k == key) return text;
    return std::nullopt;
}

}  // namespace

TemplateData PageKit::frame(const Page& page, std::string title) const {
    TemplateData data;
    if (const auto notice = notice_for(page.query("done")))
        data.set("notice", std::string(*notice));
    data.set("site_name", options.site_name);
    data.set("prefix", options.prefix);
    data.set("title", std::move(title));
    data.set("csrf", page.csrf);
    if (page.user) {
        TemplateData user;
        user.set("username", page.user->account.username);
        user.set("domain_account", page.user->account.plan == auth::Plan::Domain);
        data.set("user", user);
    }
    return data;
}

Response PageKit::render(Page& page, int status, std::string_view tmpl,
                         const TemplateData& data) const {
    static const std::pair<int, const char*> kReasons[] = {{200, "OK"},
                                                           {400, "Bad Request"},
                                                           {401, "Unauthorized"},
                                                           {403, "Forbidden"},
                                                           {404, "Not Found"},
                                                           {405, "Method Not Allowed"},
                                                           {409, "Conflict"},
                                                           {410, "Gone"},
                                                           {422, "Unprocessable Content"},
                                                           {429, "Too Many Requests"},
                                                           {502, "Bad Gateway"},
                                                           {503, "Service Unavailable"}};
    std::string reason = "OK";
    for (const auto& [code, text] : kReasons)
        if (code == status) reason = text;
    Response r = html(status, std::move(reason), d.templates.render(tmpl, data));
    for (auto& c : page.set_cookies) r.headers.push_back(c);
    return r;
}

Response PageKit::message(Page& page, int status, std::string title, std::string text,
                          std::string link, std::string link_text) const {
    TemplateData data = frame(page, std::move(title));
    data.set("message", std::move(text));
    if (!link.empty()) {
        data.set("link", url(link));
        data.set("link_text", std::move(link_text));
    }
    return render(page, status, "page/message.html", data);
}

Response PageKit::see_other(Page& page, std::string_view path) const {
    Response r = redirect(url(path));
    for (auto& c : page.set_cookies) r.headers.push_back(c);
    return r;
}

int PageKit::status_for(AccountError error) {
    switch (error) {
        case AccountError::BadInput:
        case AccountError::Reserved:
            return 400;
        case AccountError::BadCredentials:
            return 401;
        case AccountError::RegistrationClosed:
        case AccountError::BadInvite:
        case AccountError::NotVerified:
        case AccountError::AccountLocked:
        case AccountError::NotAllowed:
            return 403;
        case AccountError::NotFound:
            return 404;
        case AccountError::NameTaken:
        case AccountError::HostLimit:
        case AccountError::InUse:
        case AccountError::Conflict:
            return 409;
        case AccountError::NotDerivable:
            return 422;
        case AccountError::LinkInvalid:
            return 410;
        case AccountError::Throttled:
            return 429;
        case AccountError::DnsFailed:
            return 502;
        case AccountError::Unavailable:
        case AccountError::Busy:
            return 503;
    }
    return 400;
}

Response PageKit::refused(Page& page, const AccountFailure& failure, std::string_view tmpl,
                          TemplateData data) const {
    data.set("error", failure.message);
    Response r = render(page, status_for(failure.error), tmpl, data);
    if (failure.error == AccountError::Throttled || failure.error == AccountError::Busy)
        r.headers.push_back(
            {"Retry-After", std::to_string(std::max<long long>(1, failure.retry_after.count()))});
    return r;
}

}  // namespace ddns::gateway::web
