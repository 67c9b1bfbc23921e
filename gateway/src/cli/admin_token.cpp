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
    a.only({"--host"});
    const std::string& user = arg(a, 0, "USER");
    std::optional<DnsName> host;
    if (auto h = a.opt("--host")) host = need_name(*h, "host name");
    auto token = auth::generate_token();
    auto id = cx.repo.add_token(user, host, token.digest);
    if (!id) return cx.fail("token for " + user + ": " + std::string(to_string(id.error())));
    // The only time the token is ever shown; the database keeps its SHA-256.
    cx.out << token.token.expose_view() << "\n";
    cx.err << "token " << *id << " for " << user << (host ? " limited to " + host->str() : "")
           << " created; store it now, it cannot be shown again\n";
    return 0;
}

int token_list(AdminContext& cx, const Args& a) {
    a.only({"--account"});
    const auto user = a.opt("--account");
    std::vector<std::vector<std::string>> rows = {
        {"ID", "ACCOUNT", "HOST", "CREATED", "LAST USED"}};
    for (const auto& t :
         cx.repo.list_tokens(user ? std::optional<std::string_view>(*user) : std::nullopt))
        rows.push_back({std::to_string(t.id), t.username, t.host ? t.host->str() : "(any host)",
                        format_time(t.created), format_time(t.last_used)});
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
