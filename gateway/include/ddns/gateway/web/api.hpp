// The JSON account API under /api/v1/ (docs/api.md): every use case of the account layer over
// HTTP, authenticated with API tokens (Authorization: Bearer), errors as
// {"error": {"code": "...", "message": "..."}} with a stable code and the matching status.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ddns/auth/session.hpp"
#include "ddns/gateway/account/account_service.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/http/request.hpp"
#include "ddns/gateway/http/route_table.hpp"

namespace ddns::gateway {

struct ApiOptions {
    std::string prefix = "/api/v1";  // web.prefix + "/api/v1"
    // web.listeners: local ports whose listeners show the API (as the pages); empty: every one.
    std::vector<std::uint16_t> listener_ports;
};

// True when `request` lies under the API's prefix (the prefix itself included) and came in on a
// listener that shows the API.
bool api_owns(const ApiOptions& options, const RequestView& request);

class AccountApi {
public:
    AccountApi(AccountService& accounts, const Logger& log, ApiOptions options = {});

    // True when the path lies under the API's prefix (the API answers it, also with 404).
    bool owns(const RequestView& request) const;
    // The answer to a request the API owns. Never throws: a database failure is 503, anything
    // unexpected 500, both as JSON errors.
    Response handle(const RequestView& request);
    const std::string& prefix() const { return options_.prefix; }

private:
    AccountService& accounts_;
    const Logger& log_;
    ApiOptions options_;
};

// The API's row in the route table (name "api"): its prefix and every path below it, with the
// API's own JSON answers for unknown paths and methods.
void add_api_routes(RouteTable& routes, AccountApi& api);

// Ends the web sessions of an account through the session store, for the account layer (a
// password change or reset, a deleted account).
class StoreSessionTerminator final : public SessionTerminator {
public:
    explicit StoreSessionTerminator(auth::SessionStore& store) : store_(store) {}
    void end_sessions(std::int64_t account_id, const std::optional<std::string>& keep) override {
        store_.end_account(account_id, keep);
    }

private:
    auth::SessionStore& store_;
};

}  // namespace ddns::gateway
