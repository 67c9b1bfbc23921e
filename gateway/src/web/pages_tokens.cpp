// Update tokens (for routers) and API tokens (for the JSON API): listed without their secret,
// created by a POST whose answer shows the secret once, revoked. A page load never makes one.
#include <charconv>

#include "ddns/gateway/account/token_options.hpp"
#include "ddns/gateway/base/duration.hpp"
#include "page_kit.hpp"

namespace ddns::gateway::web::pages {
namespace {

TemplateData token_list(const std::vector<auth::TokenInfo>& tokens) {
    auto list = TemplateData::list();
    for (const auto& t : tokens) {
        list.push(
            TemplateData{}
                .set("id", std::to_string(t.id))
                .set("name", t.name.empty() ? "(no name)" : t.name)
                .set("scope", t.host ? t.host->str() : "every host")
                .set("purpose", std::string(auth::to_string(t.limits.purpose)))
                .set("networks", t.limits.networks.empty() ? std::string("anywhere")
                                                           : format_networks(t.limits))
                .set("max_age", t.limits.max_age ? format_duration(*t.limits.max_age) : "-")
                .set("max_unused",
                     t.limits.max_unused ? format_duration(*t.limits.max_unused) : "-")
                .set("created", format_time(t.created))
                .set("last_used", format_time(t.last_used))
                .set("last_address", t.last_used_address ? t.last_used_address->to_string() : "-"));
    }
    return list;
}

TemplateData tokens_data(PageKit& kit, const Page& page) {
    TemplateData data = kit.frame(page, "Tokens");
    const auto id = page.account_id();
    auto update = TemplateData::list();
    if (auto t = kit.d.accounts.update_tokens(id)) update = token_list(*t);
    data.set("has_update_tokens", !update.empty_list());
    data.set("update_tokens", update);
    auto api = TemplateData::list();
    if (auto t = kit.d.accounts.api_tokens(id)) api = token_list(*t);
    data.set("has_api_tokens", !api.empty_list());
    data.set("api_tokens", api);
    auto hosts = TemplateData::list();
    if (auto h = kit.d.accounts.hosts(id))
        for (const auto& host : *h) hosts.push(TemplateData{}.set("name", host.name.str()));
    data.set("hosts", hosts);
    return data;
}

}  // namespace

Response tokens(PageKit& kit, Page& page) {
    return kit.render(page, 200, "page/tokens.html", tokens_data(kit, page));
}

Response create_token(PageKit& kit, Page& page) {
    const std::string name = page.field("name");
    const bool api = page.field("kind") == "api";
    std::optional<std::string> host;
    if (!api && !page.field("host").empty()) host = page.field("host");
    const std::string purpose = page.field("purpose");
    const std::string networks = page.field("networks");
    const std::string max_age = page.field("max_age");
    const std::string max_unused = page.field("max_unused");
    auto issued =
        api ? kit.d.accounts.create_api_token(page.account_id(), name)
            : kit.d.accounts.create_update_token(page.account_id(), name, host,
                                                 {purpose, networks, max_age, max_unused});
    TemplateData data = tokens_data(kit, page);
    if (!issued) return kit.refused(page, issued.error(), "page/tokens.html", data);
    // Shown in this answer only (no-store): the database keeps its SHA-256.
    data.set("new_secret", std::string(issued->secret.expose_view()));
    data.set("new_kind", api ? "API token" : "update token");
    data.set("new_name", name);
    return kit.render(page, 200, "page/tokens.html", data);
}

Response revoke_token(PageKit& kit, Page& page) {
    const std::string text = page.field("id");
    long long id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    const bool api = page.field("kind") == "api";
    AccountResult<Done> done = ec != std::errc{} || end != text.data() + text.size()
                                   ? AccountResult<Done>(Unexpected{AccountFailure{
                                         AccountError::NotFound, "no such token", {}}})
                               : api ? kit.d.accounts.revoke_api_token(page.account_id(), id)
                                     : kit.d.accounts.revoke_update_token(page.account_id(), id);
    if (!done) return kit.refused(page, done.error(), "page/tokens.html", tokens_data(kit, page));
    return kit.see_other(page, "/tokens?done=token_revoked");
}

}  // namespace ddns::gateway::web::pages
