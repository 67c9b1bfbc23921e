// Shared pieces of the JSON API's handlers: the call (who, what, which path parameters, the
// parsed body), reading fields with one problem reported, and the JSON answers. Private to web/.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ddns/gateway/account/account_service.hpp"
#include "ddns/gateway/http/request.hpp"

namespace ddns::gateway::api {

struct Call {
    AccountService& accounts;
    const RequestView& request;
    std::vector<std::string> params;  // the {} segments of the route, percent-decoded
    std::int64_t account_id = 0;      // set for routes that need an API token
    Poco::JSON::Object::Ptr body;     // never null ({} when the request had no body)
};

using Handler = Response (*)(Call&);

// Reads fields of the body; the first missing or mistyped field is remembered and answered
// as 400 bad_request by problem().
class Fields {
public:
    explicit Fields(const Poco::JSON::Object::Ptr& body) : body_(body) {}
    std::string text(const std::string& name);  // required string
    std::optional<std::string> optional_text(const std::string& name);
    bool flag(const std::string& name);  // required boolean
    // Absent: nullopt; null: an engaged empty optional; a string: its value.
    std::optional<std::optional<std::string>> nullable_text(const std::string& name);
    std::optional<std::optional<std::int64_t>> nullable_integer(const std::string& name);
    std::optional<std::int64_t> optional_integer(const std::string& name);
    std::optional<Response> problem() const;

private:
    void fail(const std::string& name, const std::string& what);
    Poco::JSON::Object::Ptr body_;
    std::optional<std::string> problem_;
};

Poco::JSON::Object::Ptr object();
Response json(int status, const Poco::JSON::Object::Ptr& body);
Response json(int status, const Poco::JSON::Array::Ptr& body);
Response error(int status, const std::string& code, const std::string& message);
// The status and code of an account-layer refusal (Retry-After on Throttled).
Response failure(const AccountFailure& f);
Response no_content();

// RFC 3339 in UTC ("2026-12-06T21:30:00Z"); null for nullopt.
Poco::Dynamic::Var time_value(const std::optional<auth::TimePoint>& t);
Poco::Dynamic::Var text_or_null(const std::optional<std::string>& text);

// A token as listed (never its secret), and a path's decimal id.
Poco::JSON::Object::Ptr token_object(const auth::TokenInfo& t);
std::optional<std::int64_t> parse_id(const std::string& text);

// Handlers (api_account.cpp, api_hosts.cpp, api_records.cpp).
Response sign_up(Call& c);
Response verify(Call& c);
Response forgot_password(Call& c);
Response reset_password(Call& c);
Response log_in(Call& c);
Response get_account(Call& c);
Response delete_account(Call& c);
Response change_password(Call& c);
Response change_email(Call& c);
Response set_dynamic(Call& c);
Response list_api_tokens(Call& c);
Response create_api_token(Call& c);
Response revoke_api_token(Call& c);

Response list_zones(Call& c);
Response check_name(Call& c);
Response list_hosts(Call& c);
Response add_host(Call& c);
Response get_host(Call& c);
Response remove_host(Call& c);
Response configure_host(Call& c);
Response set_address(Call& c);
Response host_history(Call& c);
Response derive_host(Call& c);
Response underive_host(Call& c);
Response list_update_tokens(Call& c);
Response create_update_token(Call& c);
Response revoke_update_token(Call& c);

Response list_notices(Call& c);  // api_notices.cpp
Response add_notice(Call& c);
Response remove_notice(Call& c);

Response list_records(Call& c);
Response add_record(Call& c);
Response remove_record(Call& c);

}  // namespace ddns::gateway::api
