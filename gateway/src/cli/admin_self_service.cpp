// `ddns-gateway admin` commands of self-service: zones open to users, sign-up invites, and the
// JSON API's tokens.
#include "admin_output.hpp"
#include "admin_support.hpp"
#include "ddns/auth/token.hpp"
#include "ddns/gateway/account/account_service.hpp"
#include "ddns/gateway/cli/admin_handlers.hpp"
#include "ddns/sql/admin_repository.hpp"

namespace ddns::gateway {

int zone_public(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
    const std::string& value = arg(a, 1, "on|off");
    if (value != "on" && value != "off") throw UsageError("zone public takes on or off");
    if (auto e = cx.repo.set_zone_public(name, value == "on"))
        return cx.fail("zone " + name.str() + ": " + std::string(to_string(*e)));
    cx.out << "zone " << name.str()
           << (value == "on" ? " is open to users (free accounts may pick names in it)\n"
                             : " is closed to users (existing hosts stay)\n");
    return 0;
}

int invite_create(AdminContext& cx, const Args& a) {
    a.only({"--days"});
    std::uint32_t days = 14;
    if (auto text = a.opt("--days")) {
        const auto n = parse_number(*text, 365);
        if (!n || *n == 0) return cx.fail("--days is 1 to 365");
        days = *n;
    }
    auto code = auth::generate_token();
    cx.repo.add_invite(code.digest, cx.now() + std::chrono::hours(24) * days);
    // The only time the code is ever shown; the database keeps its SHA-256.
    cx.out << code.token.expose_view() << "\n";
    cx.err << "invite valid for " << days << " day(s), for one sign-up\n";
    return 0;
}

int apitoken_add(AdminContext& cx, const Args& a) {
    a.only({"--name"});
    const std::string& user = arg(a, 0, "USER");
    const std::string name = a.opt("--name").value_or("admin");
    if (name.size() > 64) return cx.fail("--name has at most 64 characters");
    auto token = make_api_token();
    auto id = cx.repo.add_api_token(user, name, token.digest);
    if (!id) return cx.fail("API token for " + user + ": " + std::string(to_string(id.error())));
    cx.out << token.text.expose_view() << "\n";
    cx.err << "API token " << *id << " for " << user
           << " created; store it now, it cannot be shown again\n";
    return 0;
}

int apitoken_list(AdminContext& cx, const Args& a) {
    a.only({"--account"});
    const auto user = a.opt("--account");
    Listing list(
        {{"ID", "id"}, {"ACCOUNT", "account"}, {"CREATED", "created"}, {"LAST USED", "last_used"}});
    for (const auto& t :
         cx.repo.list_api_tokens(user ? std::optional<std::string_view>(*user) : std::nullopt))
        list.add({number_cell(t.id), text_cell(t.username), time_cell(t.created),
                  time_cell(t.last_used)});
    list.print(cx.out, wants_json(a));
    return 0;
}

int apitoken_remove(AdminContext& cx, const Args& a) {
    const std::string& text = arg(a, 0, "ID");
    const auto id = parse_number(text, 2000000000);
    if (!id) return cx.fail("API token ID must be a number");
    if (auto e = cx.repo.remove_api_token(*id))
        return cx.fail("API token " + text + ": " + std::string(to_string(*e)));
    cx.out << "API token " << *id << " removed\n";
    return 0;
}

}  // namespace ddns::gateway
