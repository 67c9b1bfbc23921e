// `ddns-gateway admin` commands on accounts: add, password, expiry, /dynamic switch, block,
// disable, plan, list, remove (clearing its hosts in BIND first).
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
namespace {

int set_updates(AdminContext& cx, const Args& a, bool enabled) {
    const std::string& user = arg(a, 0, "USER");
    if (auto e = cx.repo.set_dynamic_updates(user, enabled)) {
        if (*e == sql::AdminError::NoSuchAccount)
            return cx.fail("there is no account " + user + " (see `account list`)");
        return cx.fail("account " + user + ": " + std::string(to_string(*e)));
    }
    cx.out << "dynamic updates " << (enabled ? "enabled" : "disabled") << " for " << user
           << (enabled ? " (/dynamic accepts its update tokens)\n" : "\n");
    return 0;
}

// Reads a password from stdin and hashes it; nullopt (after saying why) when too short.
std::optional<std::string> read_new_password_hash(AdminContext& cx) {
    const Secret password = read_password(cx.in, cx.err);
    if (password.size() < 8) {
        cx.fail("the password (read from stdin) must have at least 8 characters");
        return std::nullopt;
    }
    const auth::PasswordHasher hasher(cx.config.argon2_params());
    return hasher.hash(password);
}

int set_account_block(AdminContext& cx, const Args& a, bool blocked) {
    a.only(blocked ? std::vector<std::string>{"--reason"} : std::vector<std::string>{});
    const std::string& user = arg(a, 0, "USER");
    if (auto e = cx.repo.set_account_block(user, a.opt("--reason"), blocked, cx.now())) {
        if (*e == sql::AdminError::NoSuchAccount)
            return cx.fail("there is no account " + user + " (see `account list`)");
        return cx.fail("account " + user + ": " + std::string(to_string(*e)));
    }
    cx.out << "account " << user
           << (blocked ? " blocked (its updates are refused)\n" : " unblocked\n");
    return 0;
}

// Comma-separated names of the zones `user` owns (empty when none).
std::string zones_owned_by(AdminContext& cx, const std::string& user) {
    std::string owned;
    for (const auto& z : cx.repo.list_zones())
        if (z.owner && text::iequals(*z.owner, user))
            owned += (owned.empty() ? "" : ", ") + z.name.str();
    return owned;
}

int refuse_owner_removal(AdminContext& cx, const std::string& user, const std::string& zones) {
    return cx.fail("account " + user + " owns zone(s) " + zones +
                   "; remove their records (record remove) and the zones (zone remove) first; "
                   "nothing removed");
}

}  // namespace

int account_add(AdminContext& cx, const Args& a) {
    a.only({"--email", "--plan"});
    const std::string& user = arg(a, 0, "USER");
    if (user.empty() || user.size() > 64 || user.find_first_of(": \t\r\n") != std::string::npos)
        return cx.fail("USER must be 1-64 characters without ':' or whitespace");
    auto plan = auth::parse_plan(a.opt("--plan").value_or("free"));
    if (!plan) return cx.fail("--plan must be free or domain");
    const auto hash = read_new_password_hash(cx);
    if (!hash) return 1;
    auto id = cx.repo.add_account(user, a.opt("--email").value_or(""), *plan, *hash);
    if (!id) return cx.fail("account " + user + ": " + std::string(to_string(id.error())));
    cx.out << "account " << user << " added (plan " << to_string(*plan) << ")\n";
    return 0;
}

int account_passwd(AdminContext& cx, const Args& a) {
    const std::string& user = arg(a, 0, "USER");
    const auto hash = read_new_password_hash(cx);
    if (!hash) return 1;
    if (auto e = cx.repo.set_password_hash(user, *hash))
        return cx.fail("account " + user + ": " + std::string(to_string(*e)));
    cx.out << "password of " << user << " changed\n";
    return 0;
}

int account_expiry(AdminContext& cx, const Args& a) {
    const std::string& user = arg(a, 0, "USER");
    const std::string& when = arg(a, 1, "DATE or never");
    std::optional<auth::TimePoint> expires_at;
    if (when != "never") {
        expires_at = parse_utc_time(when);
        if (!expires_at)
            return cx.fail(
                "expiry must be YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS "
                "(UTC, optional Z, years 1970-2200) or never, not " +
                when);
    }
    auto stored = cx.repo.set_expiry(user, expires_at);
    if (!stored) return cx.fail("account " + user + ": " + std::string(to_string(stored.error())));
    cx.out << "account " << user << " expires "
           << (*stored ? format_time(*stored) : std::string("never")) << "\n";
    return 0;
}

int account_list(AdminContext& cx, const Args& a) {
    a.only({});
    Listing list({{"USER", "user"},
                  {"PLAN", "plan"},
                  {"UPDATES", "dynamic_updates"},
                  {"STATE", "state"},
                  {"EXPIRES", "expires"},
                  {"HOSTS", "hosts"},
                  {"EMAIL", "email"}});
    const auth::TimePoint now = cx.now();
    for (const auto& acc : cx.repo.list_accounts()) {
        // In the order the dialects check them: a disabled account is refused first.
        const char* state = acc.disabled                               ? "disabled"
                            : acc.blocked_at                           ? "blocked"
                            : acc.expires_at && *acc.expires_at <= now ? "expired"
                                                                       : "active";
        list.add({text_cell(acc.username), text_cell(to_string(acc.plan)),
                  bool_cell(acc.dynamic_updates, "on", "off"), text_cell(state),
                  time_cell(acc.expires_at), number_cell(acc.host_count), text_cell(acc.email)});
    }
    list.print(cx.out, wants_json(a));
    return 0;
}

int account_remove(AdminContext& cx, const Args& a) {
    const std::string& user = arg(a, 0, "USER");
    // Checked before any DNS work: an owner of zones stays, with its hosts untouched.
    if (const std::string owned = zones_owned_by(cx, user); !owned.empty())
        return refuse_owner_removal(cx, user, owned);
    for (const auto& host : cx.repo.list_hosts(user)) {
        const std::string error = clear_host_in_dns(cx.repo, host, cx.dns);
        if (!error.empty())
            return cx.fail("cannot clear " + host.name.str() + " in DNS (" + error +
                           "); nothing removed");
    }
    if (auto e = cx.repo.remove_account(user)) {
        if (*e == sql::AdminError::StillInUse)  // a zone was given to it meanwhile
            return refuse_owner_removal(cx, user, zones_owned_by(cx, user));
        return cx.fail("account " + user + ": " + std::string(to_string(*e)));
    }
    cx.out << "account " << user << " removed\n";
    return 0;
}

int account_disable(AdminContext& cx, const Args& a) {
    const std::string& user = arg(a, 0, "USER");
    if (auto e = cx.repo.set_account_disabled(user, true))
        return cx.fail("there is no account " + user + " (see `account list`)");
    cx.out << "account " << user
           << " disabled (every dialect, the pages and the API refuse it; its names stay in DNS)\n";
    return 0;
}

int account_enable(AdminContext& cx, const Args& a) {
    const std::string& user = arg(a, 0, "USER");
    if (auto e = cx.repo.set_account_disabled(user, false))
        return cx.fail("there is no account " + user + " (see `account list`)");
    cx.out << "account " << user << " enabled\n";
    return 0;
}

int account_plan(AdminContext& cx, const Args& a) {
    const std::string& user = arg(a, 0, "USER");
    const auto plan = auth::parse_plan(arg(a, 1, "free|domain"));
    if (!plan) return cx.fail("the plan must be free or domain");
    if (auto e = cx.repo.set_account_plan(user, *plan)) {
        if (*e == sql::AdminError::StillInUse)
            return cx.fail("account " + user + " owns zone(s) " + zones_owned_by(cx, user) +
                           "; only domain accounts own zones. Remove the zones (zone remove) "
                           "first; plan unchanged");
        return cx.fail("there is no account " + user + " (see `account list`)");
    }
    cx.out << "account " << user << " is on the " << to_string(*plan) << " plan\n";
    return 0;
}

int account_enable_updates(AdminContext& cx, const Args& a) {
    return set_updates(cx, a, true);
}

int account_disable_updates(AdminContext& cx, const Args& a) {
    return set_updates(cx, a, false);
}

int account_block(AdminContext& cx, const Args& a) {
    return set_account_block(cx, a, true);
}

int account_unblock(AdminContext& cx, const Args& a) {
    return set_account_block(cx, a, false);
}

}  // namespace ddns::gateway
