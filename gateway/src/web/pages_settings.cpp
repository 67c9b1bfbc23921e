// Settings: password (asks for the current one), e-mail (verified by a link), the dynamic
// updates switch, deleting the account.
#include "page_kit.hpp"

namespace ddns::gateway::web::pages {
namespace {

TemplateData settings_data(PageKit& kit, const Page& page) {
    TemplateData data = kit.frame(page, "Settings");
    data.set("email", page.user->account.email);
    data.set("dynamic_updates", page.user->account.dynamic_updates);
    return data;
}

Secret password_field(const Page& page, std::string_view name) {
    return Secret(page.form.get(name).value_or(""));
}

}  // namespace

Response settings(PageKit& kit, Page& page) {
    return kit.render(page, 200, "page/settings.html", settings_data(kit, page));
}

Response change_password(PageKit& kit, Page& page) {
    const Secret replacement = password_field(page, "password");
    if (!replacement.equals(password_field(page, "password2")))
        return kit.refused(page, {AccountError::BadInput, "the two new passwords differ", {}},
                           "page/settings.html", settings_data(kit, page));
    const auto done = kit.d.accounts.change_password(
        page.account_id(), password_field(page, "current"), replacement, page.session->digest);
    if (!done)
        return kit.refused(page, done.error(), "page/settings.html", settings_data(kit, page));
    return kit.see_other(page, "/settings?done=password_changed");
}

Response change_email(PageKit& kit, Page& page) {
    const auto done = kit.d.accounts.change_email(page.account_id(), page.field("email"));
    if (!done)
        return kit.refused(page, done.error(), "page/settings.html", settings_data(kit, page));
    return kit.see_other(page, "/settings?done=email_sent");
}

Response dynamic_switch(PageKit& kit, Page& page) {
    const bool on = page.field("enabled") == "on";
    const auto done = kit.d.accounts.set_dynamic_updates(page.account_id(), on);
    if (!done)
        return kit.refused(page, done.error(), "page/settings.html", settings_data(kit, page));
    return kit.see_other(page, on ? "/settings?done=dynamic_on" : "/settings?done=dynamic_off");
}

Response delete_account(PageKit& kit, Page& page) {
    if (page.field("confirm").empty())
        return kit.refused(page,
                           {AccountError::BadInput, "tick the box to confirm the deletion", {}},
                           "page/settings.html", settings_data(kit, page));
    const auto done =
        kit.d.accounts.delete_account(page.account_id(), password_field(page, "password"));
    if (!done)
        return kit.refused(page, done.error(), "page/settings.html", settings_data(kit, page));
    kit.d.sessions.end_account(page.account_id(), std::nullopt);
    page.set_cookies.push_back({"Set-Cookie", kit.d.sessions.end(page.request)});
    page.user.reset();
    page.session.reset();
    return kit.message(page, 200, "Account deleted",
                       "Your account and its names are gone. Thank you for using this service.");
}

}  // namespace ddns::gateway::web::pages
