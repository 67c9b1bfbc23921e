// The command table of `ddns-gateway admin`: one row per command (object, action, synopsis,
// note, handler). The help text and the dispatch are both made from it, so a command exists
// exactly when it is listed.
#pragma once

#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/gateway/cli/admin_handlers.hpp"

namespace ddns::gateway {

struct AdminCommand {
    std::string_view object;    // zone, account, host, token, record, log
    std::string_view action;    // empty for `log`, the one command without an action
    std::string_view synopsis;  // the arguments after OBJECT ACTION, as the help shows them
    std::string_view note;      // the help's remark on the right; '\n' continues it
    AdminHandler handler;
};

std::span<const AdminCommand> admin_commands();
// The help text: `usage: ...`, one line per row (notes aligned), then the shared remarks.
std::string admin_usage();

// Runs the admin words `raw` (after `admin --config FILE`): `--help`, or the row for OBJECT
// ACTION, whose handler and remaining Args go to `run` (which builds the context, so nothing
// is built for a command line that matches no row). Usage errors, also those a handler
// throws, print the reason and the help on `err` and return 2.
int dispatch_admin(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err,
                   const std::function<int(AdminHandler, const Args&)>& run);

}  // namespace ddns::gateway
