// The JSON API's notice subscriptions: list, create (the webhook's secret is in this answer
// only), remove.
#include "api_support.hpp"

namespace ddns::gateway::api {
namespace {

Poco::JSON::Object::Ptr subscription_json(const auth::NoticeSubscription& s) {
    auto o = object();
    o->set("id", s.id);
    Poco::JSON::Array::Ptr kinds = new Poco::JSON::Array;
    for (const auto k : s.kinds) kinds->add(std::string(auth::to_string(k)));
    o->set("kinds", kinds);
    o->set("mail", s.mail);
    o->set("webhook_url",
           text_or_null(s.webhook_url.empty() ? std::nullopt : std::optional(s.webhook_url)));
    o->set("created", s.created);
    return o;
}

// "kinds": an array of words; absent: the operator's defaults.
std::optional<std::optional<std::vector<auth::NoticeKind>>> read_kinds(
    const Poco::JSON::Object::Ptr& body) {
    if (!body->has("kinds")) return std::optional<std::vector<auth::NoticeKind>>();
    const auto array = body->getArray("kinds");
    if (!array) return std::nullopt;
    std::string words;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const auto v = array->get(static_cast<unsigned>(i));
        if (!v.isString()) return std::nullopt;
        words += (i ? "," : "") + v.convert<std::string>();
    }
    const auto kinds = auth::parse_notice_kinds(words);
    if (!kinds) return std::nullopt;
    return std::optional(*kinds);
}

}  // namespace

Response list_notices(Call& c) {
    auto subs = c.accounts.notice_subscriptions(c.account_id);
    if (!subs) return failure(subs.error());
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& s : *subs) list->add(subscription_json(s));
    auto o = object();
    o->set("subscriptions", list);
    return json(200, o);
}

Response add_notice(Call& c) {
    Fields f(c.body);
    AccountService::NewSubscription s;
    const auto mail = c.body->has("mail") ? std::optional(f.flag("mail")) : std::nullopt;
    s.webhook_url = f.optional_text("webhook_url").value_or("");
    if (auto p = f.problem()) return *p;
    s.mail = mail.value_or(false);
    const auto kinds = read_kinds(c.body);
    if (!kinds)
        return error(400, "bad_request",
                     "kinds must be an array of offline, failing, address and expiry");
    s.kinds = *kinds;
    auto made = c.accounts.add_notice_subscription(c.account_id, s);
    if (!made) return failure(made.error());
    auto o = subscription_json(made->subscription);
    // The only time the webhook's secret is ever shown.
    if (made->webhook_secret)
        o->set("webhook_secret", std::string(made->webhook_secret->expose_view()));
    return json(201, o);
}

Response remove_notice(Call& c) {
    const auto id = parse_id(c.params.at(0));
    if (!id) return error(404, "not_found", "no such notice subscription");
    auto done = c.accounts.remove_notice_subscription(c.account_id, *id);
    if (!done) return failure(done.error());
    return no_content();
}

}  // namespace ddns::gateway::api
