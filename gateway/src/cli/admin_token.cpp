// `ddns-gateway admin` commands on update tokens: add (printed once), list, remove.
#include "admin_support.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "ddns/auth/password.hpp"
#include "ddns/auth/token.hpp"
#include "ddns/gateway/account/token_options.hpp"
#include "ddns/gateway/base/duration.hpp"
#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/base/utc_time.hpp"
#include "ddns/gateway/cli/commands.hpp"
#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/core/record_service.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/audit_repository.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_store.hpp"

namespace ddns::gateway {

int token_add(AdminContext& cx, const Args& a) {
    a.only({"--host", "--name", "--purpose", "--from", "--max-age", "--max-unused"});
    const std::string& user = arg(a, 0, "USER");
    std::optional<DnsName> host;
    if (auto h = a.opt("--host")) host = need_name(*h, "host name");
    const std::string name = a.opt("--name").value_or("");
    if (name.size() > 64) return cx.fail("a token name has at most 64 characters");
    const std::string purpose = a.opt("--purpose").value_or("");
    const std::string from = a.opt("--from").value_or("");
    const std::string max_age = a.opt("--max-age").value_or("");
    const std::string max_unused = a.opt("--max-unused").value_or("");
    auto limits = parse_token_limits({purpose, from, max_age, max_unused});
    if (!limits) return cx.fail("token for " + user + ": " + limits.error());
    auto token = auth::generate_token();
    auto id = cx.repo.add_token(user, host, token.digest, name, *limits);
    if (!id) return cx.fail("token for " + user + ": " + std::string(to_string(id.error())));
    // The only time the token is ever shown; the database keeps its SHA-256.
    cx.out << token.token.expose_view() << "\n";
    cx.err << "token " << *id << " for " << user << (host ? " limited to " + host->str() : "")
           << " (" << auth::to_string(limits->purpose)
           << ") created; store it now, it cannot be shown again\n";
    return 0;
}

namespace {

std::string limit_text(const std::optional<std::chrono::seconds>& limit) {
    return limit ? format_duration(*limit) : "-";
}

}  // namespace

int token_list(AdminContext& cx, const Args& a) {
    a.only({"--account"});
    const auto user = a.opt("--account");
    std::vector<std::vector<std::string>> rows = {{"ID", "ACCOUNT", "NAME", "PURPOSE", "HOST",
                                                   "FROM", "MAX AGE", "MAX UNUSED", "CREATED",
                                                   "LAST USED", "LAST ADDRESS"}};
    for (const auto& t :
         cx.repo.list_tokens(user ? std::optional<std::string_view>(*user) : std::nullopt)) {
        const std::string networks = format_networks(t.limits);
        rows.push_back(
            {std::to_string(t.id), t.username, t.name.empty() ? "-" : t.name,
             std::string(auth::to_string(t.limits.purpose)), t.host ? t.host->str() : "(any host)",
             networks.empty() ? "(anywhere)" : networks, limit_text(t.limits.max_age),
             limit_text(t.limits.max_unused), format_time(t.created), format_time(t.last_used),
             t.last_used_address ? t.last_used_address->to_string() : "-"});
    }
    print_table(cx.out, rows);
    return 0;
}

int token_remove(AdminContext& cx, const Args& a) {
    const std::string& text = arg(a, 0, "ID");
    std::int64_t id = 0;
    try {
        id = std::stoll(text);
    } catch (const std::exception&) {
        return cx.fail("token ID must be a number");
    }
    if (auto e = cx.repo.remove_token(id))
        return cx.fail("token " + text + ": " + std::string(to_string(*e)));
    cx.out << "token " << id << " removed\n";
    return 0;
}

}  // namespace ddns::gateway
