// `ddns-gateway admin` commands on update tokens: add (printed once), list, remove.
#include "admin_output.hpp"
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

// A limit in the table as a duration ("30d", "-" for none), in JSON as seconds (null for none).
Cell limit_cell(const std::optional<std::chrono::seconds>& limit) {
    return limit ? Cell{format_duration(*limit), std::to_string(limit->count())}
                 : Cell{"-", "null"};
}

// The source networks: "(anywhere)" in the table, [] in JSON when there are none.
Cell networks_cell(const auth::TokenLimits& limits) {
    const std::string text = format_networks(limits);
    std::string json = "[";
    for (const IpNetwork& n : limits.networks)
        json += (json.size() > 1 ? "," : "") + text_cell(n.to_string()).json;
    return {text.empty() ? "(anywhere)" : text, json + "]"};
}

}  // namespace

int token_list(AdminContext& cx, const Args& a) {
    a.only({"--account"});
    const auto user = a.opt("--account");
    Listing list({{"ID", "id"},
                  {"ACCOUNT", "account"},
                  {"NAME", "name"},
                  {"PURPOSE", "purpose"},
                  {"HOST", "host"},
                  {"FROM", "networks"},
                  {"MAX AGE", "max_age_seconds"},
                  {"MAX UNUSED", "max_unused_seconds"},
                  {"CREATED", "created"},
                  {"LAST USED", "last_used"},
                  {"LAST ADDRESS", "last_used_address"}});
    for (const auto& t :
         cx.repo.list_tokens(user ? std::optional<std::string_view>(*user) : std::nullopt)) {
        list.add(
            {number_cell(t.id), text_cell(t.username),
             opt_text_cell(t.name.empty() ? std::nullopt : std::optional(t.name)),
             text_cell(auth::to_string(t.limits.purpose)),
             t.host ? text_cell(t.host->str()) : Cell{"(any host)", "null"},
             networks_cell(t.limits), limit_cell(t.limits.max_age), limit_cell(t.limits.max_unused),
             time_cell(t.created), time_cell(t.last_used),
             opt_text_cell(t.last_used_address ? std::optional(t.last_used_address->to_string())
                                               : std::nullopt)});
    }
    list.print(cx.out, wants_json(a));
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
