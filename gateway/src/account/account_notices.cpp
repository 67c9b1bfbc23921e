// Notice subscriptions a user manages for their own account (the pages and the JSON API):
// which kinds, mail to the account's address and/or a webhook whose URL passes the SSRF rule
// (core/webhook_target.hpp); the webhook's secret is made here and shown once.
#include <algorithm>

#include "ddns/gateway/account/account_service.hpp"
#include "ddns/gateway/core/webhook_target.hpp"

namespace ddns::gateway {
namespace {

// Enough for a mail and a few receivers; a limit keeps one account from making thousands.
constexpr std::size_t kMaxSubscriptions = 10;

AccountFailure refusal(AccountError e, std::string message) {
    return AccountFailure{e, std::move(message), std::chrono::seconds(0)};
}

}  // namespace

AccountResult<std::vector<auth::NoticeSubscription>> AccountService::notice_subscriptions(
    std::int64_t account_id) {
    if (d_.notices == nullptr)
        return Unexpected{refusal(AccountError::NotAllowed, "notices are not offered here")};
    return d_.notices->subscriptions(account_id);
}

AccountResult<AccountService::CreatedSubscription> AccountService::add_notice_subscription(
    std::int64_t account_id, const NewSubscription& s) {
    using R = AccountResult<CreatedSubscription>;
    if (d_.notices == nullptr)
        return R(Unexpected{refusal(AccountError::NotAllowed, "notices are not offered here")});
    if (!s.mail && s.webhook_url.empty())
        return R(
            Unexpected{refusal(AccountError::BadInput, "choose mail, a webhook URL, or both")});
    if (s.kinds && s.kinds->empty())
        return R(Unexpected{refusal(AccountError::BadInput, "choose at least one kind")});
    if (!s.webhook_url.empty()) {
        if (auto problem =
                webhook_url_problem(s.webhook_url, AddressPolicy(options_.webhook_allow)))
            return R(Unexpected{refusal(AccountError::BadInput, "webhook: " + *problem)});
    }
    if (d_.notices->subscriptions(account_id).size() >= kMaxSubscriptions)
        return R(Unexpected{
            refusal(AccountError::NotAllowed, "an account has at most 10 notice subscriptions")});
    auth::NewNoticeSubscription row;
    row.account_id = account_id;
    row.kinds = s.kinds.value_or(options_.notice_default_kinds);
    row.mail = s.mail;
    row.webhook_url = s.webhook_url;
    CreatedSubscription out;
    if (!s.webhook_url.empty()) out.webhook_secret = auth::generate_webhook_secret();
    const std::int64_t id = d_.notices->add_subscription(
        row, out.webhook_secret ? std::string(out.webhook_secret->expose_view()) : std::string());
    for (auto& existing : d_.notices->subscriptions(account_id))
        if (existing.id == id) out.subscription = std::move(existing);
    d_.log.info("notices: account id " + std::to_string(account_id) + " subscribed (" +
                auth::format_notice_kinds(row.kinds) + ")");
    return R(std::move(out));
}

AccountResult<Done> AccountService::remove_notice_subscription(std::int64_t account_id,
                                                               std::int64_t id) {
    if (d_.notices == nullptr)
        return Unexpected{refusal(AccountError::NotAllowed, "notices are not offered here")};
    if (!d_.notices->remove_subscription(id, account_id))
        return Unexpected{refusal(AccountError::NotFound, "no such notice subscription")};
    return Done{};
}

}  // namespace ddns::gateway
