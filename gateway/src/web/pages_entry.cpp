// The pages a visitor uses before logging in: login, logout, sign-up, the verification link,
// forgotten password and the reset link. Links from mails open a form (a GET changes nothing,
// so a mail scanner that fetches the link does not use it up); the form's POST acts.
#include "page_kit.hpp"

namespace ddns::gateway::web::pages {
namespace {

Secret password_field(const Page& page, std::string_view name) {
    // Passwords are taken as typed (no trimming): blanks may be part of them.
    return Secret(page.form.get(name).value_or(""));
}

TemplateData entry_frame(PageKit& kit, const Page& page, std::string title) {
    TemplateData data = kit.frame(page, std::move(title));
    const auto registration = kit.d.accounts.options().registration;
    data.set("signup_open", registration != Registration::Off);
    data.set("invite", registration == Registration::Invite);
    return data;
}

}  // namespace

Response login_form(PageKit& kit, Page& page) {
    if (page.session) return kit.see_other(page, "/");
    return kit.render(page, 200, "page/login.html", entry_frame(kit, page, "Log in"));
}

Response login(PageKit& kit, Page& page) {
    const std::string username = page.field("username");
    const auto id =
        kit.d.accounts.log_in(username, password_field(page, "password"), page.request.client);
    if (!id) {
        TemplateData data = entry_frame(kit, page, "Log in");
        data.set("username", username);
        return kit.refused(page, id.error(), "page/login.html", data);
    }
    page.set_cookies.push_back({"Set-Cookie", kit.d.sessions.start(page.request, *id)});
    return kit.see_other(page, "/");
}

Response logout(PageKit& kit, Page& page) {
    page.set_cookies.push_back({"Set-Cookie", kit.d.sessions.end(page.request)});
    return kit.see_other(page, "/login?done=logged_out");
}

Response signup_form(PageKit& kit, Page& page) {
    if (page.session) return kit.see_other(page, "/");
    TemplateData data = entry_frame(kit, page, "Sign up");
    data.set("invite_code", page.query("invite"));
    return kit.render(page, 200, "page/signup.html", data);
}

Response signup(PageKit& kit, Page& page) {
    TemplateData data = entry_frame(kit, page, "Sign up");
    SignUpRequest request{page.field("username"), page.field("email"),
                          password_field(page, "password"), page.field("invite"),
                          page.request.client};
    data.set("username", request.username);
    data.set("email", request.email);
    data.set("invite_code", request.invite);
    if (!request.password.equals(password_field(page, "password2")))
        return kit.refused(page, {AccountError::BadInput, "the two passwords differ", {}},
                           "page/signup.html", data);
    const auto created = kit.d.accounts.sign_up(request);
    if (!created) return kit.refused(page, created.error(), "page/signup.html", data);
    return kit.message(page, 200, "Check your mail",
                       "We sent a link to " + request.email +
                           ". Follow it to confirm the address; then you can log in.",
                       "/login", "Log in");
}

Response verify_form(PageKit& kit, Page& page) {
    TemplateData data = kit.frame(page, "Confirm your e-mail address");
    data.set("token", page.query("token"));
    return kit.render(page, 200, "page/verify.html", data);
}

Response verify(PageKit& kit, Page& page) {
    const auto done = kit.d.accounts.verify(page.field("token"));
    if (!done) {
        TemplateData data = kit.frame(page, "Confirm your e-mail address");
        return kit.refused(page, done.error(), "page/message.html", data);
    }
    return kit.message(page, 200, "Address confirmed", "Your e-mail address is confirmed.",
                       page.session ? "/" : "/login", page.session ? "Overview" : "Log in");
}

Response forgot_form(PageKit& kit, Page& page) {
    return kit.render(page, 200, "page/forgot.html", kit.frame(page, "Forgot your password?"));
}

Response forgot(PageKit& kit, Page& page) {
    const auto done = kit.d.accounts.forgot_password(page.field("login"), page.request.client);
    if (!done)
        return kit.refused(page, done.error(), "page/forgot.html",
                           kit.frame(page, "Forgot your password?"));
    // The same answer whether or not the name or address is known.
    return kit.message(page, 200, "Check your mail",
                       "If an account with that name or address exists, a link to choose a new "
                       "password is on its way. It works once and only for a short time.",
                       "/login", "Back to the login");
}

Response reset_form(PageKit& kit, Page& page) {
    TemplateData data = kit.frame(page, "Choose a new password");
    data.set("token", page.query("token"));
    return kit.render(page, 200, "page/reset.html", data);
}

Response reset(PageKit& kit, Page& page) {
    TemplateData data = kit.frame(page, "Choose a new password");
    const std::string token = page.field("token");
    data.set("token", token);
    const Secret password = password_field(page, "password");
    if (!password.equals(password_field(page, "password2")))
        return kit.refused(page, {AccountError::BadInput, "the two passwords differ", {}},
                           "page/reset.html", data);
    const auto done = kit.d.accounts.reset_password(token, password);
    if (!done) return kit.refused(page, done.error(), "page/reset.html", data);
    return kit.message(page, 200, "Password changed",
                       "Your password was changed and every session of your account was ended. "
                       "Log in with the new password.",
                       "/login", "Log in");
}

}  // namespace ddns::gateway::web::pages
