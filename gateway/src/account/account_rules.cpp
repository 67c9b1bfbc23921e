// Input rules of the account layer, and the answer to an update a use case applied.
#include "account_rules.hpp"

#include <algorithm>

namespace ddns::gateway::account_rules {
namespace {

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool has_control_or_space(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f;
    });
}

}  // namespace

std::optional<std::string> username_problem(std::string_view username) {
    if (username.size() < 3 || username.size() > 32) return "a username has 3 to 32 characters";
    if (!is_alnum(username.front())) return "a username starts with a letter or a digit";
    const bool ok = std::all_of(username.begin(), username.end(), [](char c) {
        return is_alnum(c) || c == '.' || c == '_' || c == '-';
    });
    if (!ok) return "a username has only letters, digits, '.', '_' and '-'";
    return std::nullopt;
}

std::optional<std::string> email_problem(std::string_view email) {
    if (email.empty() || email.size() > 254) return "an e-mail address has 3 to 254 characters";
    if (has_control_or_space(email)) return "an e-mail address has no spaces or control characters";
    const auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 ||
        email.find('@', at + 1) != std::string_view::npos)
        return "an e-mail address has exactly one '@' after its local part";
    const std::string_view domain = email.substr(at + 1);
    if (domain.size() < 3 || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
        domain.back() == '.')
        return "an e-mail address ends in a domain name such as example.org";
    if (std::any_of(email.begin(), email.end(),
                    [](char c) { return c == '<' || c == '>' || c == ','; }))
        return "an e-mail address has no '<', '>' or ','";
    return std::nullopt;
}

std::optional<std::string> password_problem(const Secret& password, std::string_view username) {
    const std::string_view text = password.expose_view();
    if (text.size() < 10) return "a password has at least 10 characters";
    if (text.size() > 1024) return "a password has at most 1024 characters";
    if (std::any_of(text.begin(), text.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u < 0x20 || u == 0x7f;
        }))
        return "a password has no control characters";
    if (!username.empty() && text == username) return "a password is not the username";
    return std::nullopt;
}

AccountResult<Done> apply_failure(ApplyStatus status) {
    switch (status) {
        case ApplyStatus::Changed:
        case ApplyStatus::Unchanged:
            return Done{};
        case ApplyStatus::Blocked:
            return fail(AccountError::NotAllowed, "the operator blocked this host");
        case ApplyStatus::Abuse:
            return fail(AccountError::Throttled, "too many updates without a change");
        case ApplyStatus::Gone:
            return fail(AccountError::NotFound, "no such host");
        case ApplyStatus::DnsFailed:
            return fail(AccountError::DnsFailed, "the DNS server did not take the change");
        case ApplyStatus::StoreFailed:
        case ApplyStatus::InDoubt:
            break;
    }
    return fail(AccountError::Unavailable, "the change could not be recorded; try again");
}

}  // namespace ddns::gateway::account_rules
