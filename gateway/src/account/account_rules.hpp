// The rules a user's input must meet (usernames, e-mail addresses, passwords, labels) and the
// small helpers every account use case shares. Private to the account layer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ddns/gateway/account/account_service.hpp"

namespace ddns::gateway::account_rules {

// nullopt when acceptable, else the sentence that says what is wrong.
std::optional<std::string> username_problem(std::string_view username);
std::optional<std::string> email_problem(std::string_view email);
std::optional<std::string> password_problem(const Secret& password, std::string_view username);

inline Unexpected<AccountFailure> fail(AccountError error, std::string message,
                                       std::chrono::seconds retry_after = {}) {
    return Unexpected<AccountFailure>{AccountFailure{error, std::move(message), retry_after}};
}

// Done for an update BIND and the database took (or that changed nothing), else the refusal.
AccountResult<Done> apply_failure(ApplyStatus status);

}  // namespace ddns::gateway::account_rules
