// Notice subscriptions on the pages: listed (never a webhook's secret), created by a POST whose
// answer shows the new webhook's secret once, removed.
#include <charconv>

#include "page_kit.hpp"

namespace ddns::gateway::web::pages {
namespace {

constexpr auth::NoticeKind kKinds[] = {auth::NoticeKind::Offline, auth::NoticeKind::Failing,
                                       auth::NoticeKind::Address, auth::NoticeKind::Expiry};

TemplateData notices_data(PageKit& kit, const Page& page) {
    TemplateData data = kit.frame(page, "Notices");
    auto list = TemplateData::list();
    if (auto subs = kit.d.accounts.notice_subscriptions(page.account_id()))
        for (const auto& s : *subs)
            list.push(TemplateData{}
                          .set("id", std::to_string(s.id))
                          .set("kinds", auth::format_notice_kinds(s.kinds))
                          .set("mail", s.mail ? "your address" : "-")
                          .set("webhook", s.webhook_url.empty() ? "-" : s.webhook_url)
                          .set("created", s.created));
    data.set("has_subscriptions", !list.empty_list());
    data.set("subscriptions", list);
    return data;
}

}  // namespace

Response notices(PageKit& kit, Page& page) {
    return kit.render(page, 200, "page/notices.html", notices_data(kit, page));
}

Response add_notice(PageKit& kit, Page& page) {
    AccountService::NewSubscription s;
    std::vector<auth::NoticeKind> kinds;
    for (const auto k : kKinds)
        if (page.field("kind_" + std::string(auth::to_string(k))) == "on") kinds.push_back(k);
    s.kinds = kinds;
    s.mail = page.field("mail") == "on";
    s.webhook_url = page.field("webhook_url");
    auto made = kit.d.accounts.add_notice_subscription(page.account_id(), s);
    TemplateData data = notices_data(kit, page);
    if (!made) return kit.refused(page, made.error(), "page/notices.html", data);
    if (made->webhook_secret)  // shown in this answer only (no-store)
        data.set("new_secret", std::string(made->webhook_secret->expose_view()));
    data.set("notice", "The subscription was added.");
    return kit.render(page, 200, "page/notices.html", data);
}

Response remove_notice(PageKit& kit, Page& page) {
    const std::string text = page.field("id");
    long long id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    auto done = ec != std::errc{} || end != text.data() + text.size()
                    ? AccountResult<Done>(Unexpected{
                          AccountFailure{AccountError::NotFound, "no such subscription", {}}})
                    : kit.d.accounts.remove_notice_subscription(page.account_id(), id);
    if (!done) return kit.refused(page, done.error(), "page/notices.html", notices_data(kit, page));
    return kit.see_other(page, "/notices?done=notice_removed");
}

}  // namespace ddns::gateway::web::pages
