// The JSON account API under /api/v1/ (docs/api.md): every use case of the account layer over
// HTTP, authenticated with API tokens (Authorization: Bearer), errors as
// {"error": {"code": "...", "message": "..."}} with a stable code and the matching status.
#pragma once

#include <optional>
#include <string>

#include "ddns/auth/session.hpp"
#include "ddns/gateway/account/account_service.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/http/request.hpp"
#include "ddns/gateway/http/request_router.hpp"

namespace ddns::gateway {

struct ApiOptions {
    std::string prefix = "/api/v1";  // web.prefix + "/api/v1"
};

class AccountApi {
public:
    AccountApi(AccountService& accounts, const Logger& log, ApiOptions options = {});

    // True when the path lies under the API's prefix (the API answers it, also with 404).
    bool owns(const RequestView& request) const;
    // The answer to a request the API owns. Never throws: a database failure is 503, anything
    // unexpected 500, both as JSON errors.
    Response handle(const RequestView& request);

private:
    AccountService& accounts_;
    const Logger& log_;
    ApiOptions options_;
};

// Sends the API's requests to the API and every other request to `next` (the dialects).
class ApiFront final : public RequestRouter {
public:
    ApiFront(AccountApi& api, RequestRouter& next) : api_(api), next_(next) {}
    Response route(const RequestView& request) override;

private:
    AccountApi& api_;
    RequestRouter& next_;
};

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
