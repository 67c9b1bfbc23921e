// JSON API handlers for the account itself: sign-up, verification, password reset, login (which
// issues an API token), the account's settings and its API tokens.
#include "api_support.hpp"

namespace ddns::gateway::api {
namespace {

Poco::JSON::Object::Ptr token_json(const auth::TokenInfo& t) {
    auto o = object();
    o->set("id", t.id);
    o->set("name", t.name);
    if (t.host)
        o->set("host", t.host->str());
    else
        o->set("host", Poco::Dynamic::Var());
    o->set("created", time_value(t.created));
    o->set("last_used", time_value(t.last_used));
    return o;
}

Response issued(const IssuedToken& token, const std::string& name) {
    auto o = object();
    o->set("id", token.id);
    o->set("name", name);
    // The only time the secret is ever shown.
    o->set("token", std::string(token.secret.expose_view()));
    return json(201, o);
}

std::optional<std::int64_t> id_param(const std::string& text) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    std::int64_t id = 0;
    for (char ch : text) {
        if (ch < '0' || ch > '9') return std::nullopt;
        id = id * 10 + (ch - '0');
    }
    return id;
}

}  // namespace

Poco::JSON::Object::Ptr token_object(const auth::TokenInfo& t) {
    return token_json(t);
}

std::optional<std::int64_t> parse_id(const std::string& text) {
    return id_param(text);
}

Response sign_up(Call& c) {
    Fields f(c.body);
    SignUpRequest request;
    request.username = f.text("username");
    request.email = f.text("email");
    request.password = Secret(f.text("password"));
    request.invite = f.optional_text("invite").value_or("");
    request.client = c.request.client;
    if (auto p = f.problem()) return *p;
    auto id = c.accounts.sign_up(request);
    if (!id) return failure(id.error());
    auto o = object();
    o->set("id", *id);
    o->set("username", request.username);
    o->set("status", "verification mail sent");
    return json(201, o);
}

Response verify(Call& c) {
    Fields f(c.body);
    const std::string token = f.text("token");
    if (auto p = f.problem()) return *p;
    auto done = c.accounts.verify(token);
    if (!done) return failure(done.error());
    auto o = object();
    o->set("status", "verified");
    return json(200, o);
}

Response forgot_password(Call& c) {
    Fields f(c.body);
    const std::string login = f.text("login");
    if (auto p = f.problem()) return *p;
    auto done = c.accounts.forgot_password(login, c.request.client);
    if (!done) return failure(done.error());
    auto o = object();
    o->set("status", "if an account matches, a mail with a link is on its way");
    return json(202, o);
}

Response reset_password(Call& c) {
    Fields f(c.body);
    const std::string token = f.text("token");
    const Secret password(f.text("password"));
    if (auto p = f.problem()) return *p;
    auto done = c.accounts.reset_password(token, password);
    if (!done) return failure(done.error());
    auto o = object();
    o->set("status", "password changed");
    return json(200, o);
}

Response log_in(Call& c) {
    Fields f(c.body);
    const std::string username = f.text("username");
    const Secret password(f.text("password"));
    const std::string name = f.optional_text("token_name").value_or("login");
    if (auto p = f.problem()) return *p;
    auto id = c.accounts.log_in(username, password, c.request.client);
    if (!id) return failure(id.error());
    auto token = c.accounts.create_api_token(*id, name);
    if (!token) return failure(token.error());
    return issued(*token, name);
}

Response get_account(Call& c) {
    auto user = c.accounts.account(c.account_id);
    if (!user) return failure(user.error());
    const auto& a = user->account;
    auto o = object();
    o->set("id", a.id);
    o->set("username", a.username);
    o->set("email", a.email);
    o->set("plan", std::string(auth::to_string(a.plan)));
    o->set("verified", user->verified);
    o->set("dynamic_updates", a.dynamic_updates);
    o->set("expires", time_value(a.expires_at));
    o->set("disabled", a.disabled);
    o->set("blocked", a.blocked);
    o->set("created", time_value(user->created));
    return json(200, o);
}

Response delete_account(Call& c) {
    Fields f(c.body);
    const Secret password(f.text("password"));
    if (auto p = f.problem()) return *p;
    auto done = c.accounts.delete_account(c.account_id, password);
    if (!done) return failure(done.error());
    return no_content();
}

Response change_password(Call& c) {
    Fields f(c.body);
    const Secret current(f.text("current"));
    const Secret replacement(f.text("new"));
    if (auto p = f.problem()) return *p;
    auto done = c.accounts.change_password(c.account_id, current, replacement, std::nullopt);
    if (!done) return failure(done.error());
    return no_content();
}

Response change_email(Call& c) {
    Fields f(c.body);
    const std::string email = f.text("email");
    if (auto p = f.problem()) return *p;
    auto done = c.accounts.change_email(c.account_id, email);
    if (!done) return failure(done.error());
    auto o = object();
    o->set("status", "a link was mailed to the new address; it changes when followed");
    return json(202, o);
}

Response set_dynamic(Call& c) {
    Fields f(c.body);
    const bool enabled = f.flag("enabled");
    if (auto p = f.problem()) return *p;
    auto done = c.accounts.set_dynamic_updates(c.account_id, enabled);
    if (!done) return failure(done.error());
    auto o = object();
    o->set("dynamic_updates", enabled);
    return json(200, o);
}

Response list_api_tokens(Call& c) {
    auto tokens = c.accounts.api_tokens(c.account_id);
    if (!tokens) return failure(tokens.error());
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& t : *tokens) list->add(token_json(t));
    auto o = object();
    o->set("api_tokens", list);
    return json(200, o);
}

Response create_api_token(Call& c) {
    Fields f(c.body);
    const std::string name = f.optional_text("name").value_or("");
    if (auto p = f.problem()) return *p;
    auto token = c.accounts.create_api_token(c.account_id, name);
    if (!token) return failure(token.error());
    return issued(*token, name);
}

Response revoke_api_token(Call& c) {
    const auto id = id_param(c.params.at(0));
    if (!id) return error(404, "not_found", "no such API token");
    auto done = c.accounts.revoke_api_token(c.account_id, *id);
    if (!done) return failure(done.error());
    return no_content();
}

}  // namespace ddns::gateway::api
