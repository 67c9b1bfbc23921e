// `ddns-gateway admin notice ...`: the operator's subscriptions (for every account, or for one
// account on its behalf), the list of all of them, and the webhook queue (never a body or a
// secret; the secret of a new webhook is printed once).
#include <string>
#include <vector>

#include "admin_support.hpp"
#include "ddns/auth/mail_queue.hpp"
#include "ddns/auth/notice.hpp"
#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/core/webhook_target.hpp"
#include "ddns/sql/admin_repository.hpp"

namespace ddns::gateway {
namespace {

std::optional<sql::AccountSummary> find_account(AdminContext& cx, const std::string& user) {
    for (auto& a : cx.repo.list_accounts())
        if (text::iequals(a.username, user)) return a;
    return std::nullopt;
}

bool mail_address(const std::string& to) {
    const auto at = to.find('@');
    return auth::header_safe(to) && at != std::string::npos && at != 0 && at + 1 != to.size() &&
           to.find_first_of(" <>,;\"") == std::string::npos && to.size() <= 254;
}

std::int64_t need_id(const Args& a) {
    const auto n = parse_number(arg(a, 0, "ID"), 2000000000);
    if (!n) throw UsageError("ID must be a number");
    return *n;
}

}  // namespace

int notice_add(AdminContext& cx, const Args& a) {
    a.only({"--account", "--kinds", "--email", "--webhook"});
    if (!a.words.empty()) throw UsageError("notice add takes only options");
    if (cx.notices == nullptr) return cx.fail("notice add: no notice store here");
    auth::NewNoticeSubscription s;
    s.kinds = cx.config.notice.default_kinds;
    if (const auto kinds = a.opt("--kinds")) {
        const auto parsed = auth::parse_notice_kinds(*kinds);
        if (!parsed)
            return cx.fail(
                "notice add: --kinds takes offline, failing, address and expiry, "
                "separated by commas");
        s.kinds = *parsed;
    }
    const auto user = a.opt("--account");
    if (user) {
        const auto account = find_account(cx, *user);
        if (!account) return cx.fail("notice add: no account " + *user);
        s.account_id = account->id;
    }
    const auto email = a.opt("--email");
    const auto webhook = a.opt("--webhook");
    if (email) {
        if (!mail_address(*email))
            return cx.fail("notice add: " + *email + " is not a mail address");
        s.mail = true;
        s.mail_to = *email;
    } else if (user && !webhook) {
        s.mail = true;  // the account's own address
    }
    if (!s.mail && !webhook)
        return cx.fail("notice add: name --email ADDRESS and/or --webhook URL");
    std::string secret;
    if (webhook) {
        if (auto problem =
                webhook_url_problem(*webhook, AddressPolicy(cx.config.notice.webhook_allow)))
            return cx.fail("notice add: " + *problem);
        s.webhook_url = *webhook;
        secret = std::string(auth::generate_webhook_secret().expose_view());
    }
    const auto id = cx.notices->add_subscription(s, secret);
    cx.out << "subscription " << id << " for " << (user ? *user : "every account") << ": "
           << auth::format_notice_kinds(s.kinds) << "\n";
    if (!secret.empty())
        cx.out << "webhook secret (shown once, verify X-DDNS-Signature with it): " << secret
               << "\n";
    return 0;
}

int notice_list(AdminContext& cx, const Args& a) {
    a.only({"--account"});
    if (cx.notices == nullptr) return cx.fail("notice list: no notice store here");
    std::optional<std::int64_t> only;
    if (const auto user = a.opt("--account")) {
        const auto account = find_account(cx, *user);
        if (!account) return cx.fail("notice list: no account " + *user);
        only = account->id;
    }
    std::vector<std::vector<std::string>> rows = {
        {"ID", "ACCOUNT", "KINDS", "MAIL", "WEBHOOK", "CREATED"}};
    for (const auto& s : cx.notices->subscriptions(only))
        rows.push_back({std::to_string(s.id), s.account_id ? s.account : "(every account)",
                        auth::format_notice_kinds(s.kinds),
                        s.mail ? (s.mail_to.empty() ? "(account's address)" : s.mail_to) : "-",
                        s.webhook_url.empty() ? "-" : s.webhook_url, s.created});
    print_table(cx.out, rows);
    return 0;
}

int notice_remove(AdminContext& cx, const Args& a) {
    a.only({});
    if (cx.notices == nullptr) return cx.fail("notice remove: no notice store here");
    const auto id = need_id(a);
    if (!cx.notices->remove_subscription(id, std::nullopt))
        return cx.fail("notice remove: no subscription " + std::to_string(id));
    cx.out << "subscription " << id << " removed (with its undelivered webhooks)\n";
    return 0;
}

int notice_queue(AdminContext& cx, const Args& a) {
    a.only({"--limit"});
    if (cx.webhooks == nullptr) return cx.fail("notice queue: no webhook queue here");
    std::uint32_t limit = 50;
    if (const auto text = a.opt("--limit")) {
        const auto n = parse_number(*text, 100000);
        if (!n || *n == 0) throw UsageError("--limit must be a number from 1 to 100000");
        limit = *n;
    }
    const bool all = a.flags.count("--all") > 0 && a.flags.at("--all");
    std::vector<std::vector<std::string>> rows = {
        {"ID", "SUBSCRIPTION", "STATE", "ATTEMPTS", "CREATED", "KEY", "LAST ERROR"}};
    for (const auto& w : cx.webhooks->list(static_cast<int>(limit), all)) {
        std::string error = w.last_error.value_or("-");
        for (char& c : error)
            if (c == '\r' || c == '\n' || c == '\t') c = ' ';
        rows.push_back({std::to_string(w.id), std::to_string(w.subscription_id), w.state,
                        std::to_string(w.attempts), w.created, w.key, error});
    }
    print_table(cx.out, rows);
    cx.out << cx.webhooks->pending() << " pending\n";
    return 0;
}

}  // namespace ddns::gateway
