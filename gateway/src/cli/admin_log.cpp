// `ddns-gateway admin` commands on the update log, newest first, filtered by host, account and
// time.
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

int log_show(AdminContext& cx, const Args& a) {
    a.only({"--host", "--account", "--since", "--limit"});
    if (!a.words.empty()) throw UsageError("unexpected argument " + a.words.front());
    sql::LogFilter filter;
    if (const auto host = a.opt("--host")) {
        const DnsName name = need_name(*host, "host name");
        const auto d = cx.audit.host_details(name);
        if (!d) return cx.fail("host " + name.str() + ": not found");
        filter.host_id = d->host.id;
    }
    if (const auto user = a.opt("--account")) {
        filter.account_id = cx.audit.account_id(*user);
        if (!filter.account_id) return cx.fail("account " + *user + ": not found");
    }
    if (const auto since = a.opt("--since")) {
        filter.since = parse_since(*since, cx.now());
        if (!filter.since)
            return cx.fail(
                "--since must be a duration (30m, 1h, 2d) or a UTC time "
                "(2024-05-01, 2024-05-01T12:00Z), not: " +
                *since);
    }
    if (const auto limit = a.opt("--limit")) {
        std::size_t n = 0;
        const auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
        if (ec != std::errc{} || end != limit->data() + limit->size() || n < 1 || n > 100000)
            return cx.fail("--limit must be a number from 1 to 100000");
        filter.limit = n;
    }
    Listing list({{"TIME", "time"},
                  {"HOST", "host"},
                  {"USER", "user"},
                  {"CLIENT", "client"},
                  {"DIALECT", "dialect"},
                  {"OUTCOME", "outcome"},
                  {"FAULT", "fault"},
                  {"CHANGED", "changed"},
                  {"TLS", "tls"},
                  {"AGENT", "agent"},
                  {"DETAIL", "detail"},
                  {"REPEATS", "repeats"},
                  {"FIRST", "first_time"}});
    const auto or_null = [](const std::string& s) {
        return opt_text_cell(s.empty() ? std::nullopt : std::optional(s));
    };
    for (const auto& e : cx.audit.log(filter))
        list.add({time_cell(e.time), or_null(e.host), or_null(e.username), text_cell(e.client),
                  text_cell(e.dialect), text_cell(e.outcome), text_cell(e.fault),
                  text_cell(families(e.ipv4_changed, e.ipv6_changed)), bool_cell(e.tls),
                  or_null(e.user_agent), text_cell(e.detail), number_cell(e.repeats),
                  time_cell(e.first_time)});
    list.print(cx.out, wants_json(a));
    return 0;
}

}  // namespace ddns::gateway
