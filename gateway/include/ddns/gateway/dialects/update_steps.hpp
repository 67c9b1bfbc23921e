// The skeleton every update dialect shares, written once: the methods it serves (the route table
// answers the others through the dialect's own refusal), the credential step, one mapping from
// the shared outcomes (AuthStatus, ApplyStatus) to each dialect's words, catching the unexpected,
// and the start of the log line. A dialect adds its own steps and its wire words around these.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ddns/auth/authenticator.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "ddns/gateway/http/request.hpp"

namespace ddns::gateway {

// One dialect's answer for each outcome the shared steps can reach: a refused credential check
// (every AuthStatus but Ok) and the update of one host (every ApplyStatus). Each dialect declares
// its table once; answer_of holds the only switches over the two enums.
template <class Code>
struct OutcomeWords {
    // auth::AuthStatus
    Code bad_credentials;
    Code account_disabled;
    Code account_expired;
    Code account_blocked;
    Code throttled;  // too many failed logins: the caller also sends Retry-After
    // ApplyStatus
    Code changed;
    Code unchanged;
    Code dns_failed;
    Code backend_failed;  // StoreFailed, InDoubt, and AuthStatus::Busy: the gateway's own failure
    Code gone;            // the host was removed meanwhile
    Code host_blocked;
    Code over_budget;  // ApplyStatus::Abuse: the caller also sends Retry-After
};

template <class Code>
Code answer_of(const OutcomeWords<Code>& words, auth::AuthStatus status) {
    switch (status) {
        case auth::AuthStatus::Disabled:
            return words.account_disabled;
        case auth::AuthStatus::Expired:
            return words.account_expired;
        case auth::AuthStatus::Blocked:
            return words.account_blocked;
        case auth::AuthStatus::Throttled:
            return words.throttled;
        case auth::AuthStatus::Busy:  // no argon2 slot in time: the gateway's own failure
            return words.backend_failed;
        case auth::AuthStatus::Ok:  // never asked: an accepted credential has no refusal
        case auth::AuthStatus::BadCredentials:
            return words.bad_credentials;
    }
    return words.bad_credentials;
}

template <class Code>
Code answer_of(const OutcomeWords<Code>& words, ApplyStatus status) {
    switch (status) {
        case ApplyStatus::Changed:
            return words.changed;
        case ApplyStatus::Unchanged:
            return words.unchanged;
        case ApplyStatus::DnsFailed:
            return words.dns_failed;
        case ApplyStatus::StoreFailed:
        case ApplyStatus::InDoubt:
            return words.backend_failed;
        case ApplyStatus::Gone:
            return words.gone;
        case ApplyStatus::Blocked:
            return words.host_blocked;
        case ApplyStatus::Abuse:
            return words.over_budget;
    }
    return words.backend_failed;
}

// The credential step after authenticate(): nullopt when the caller may go on (the principal is
// in `outcome`), else the dialect's answer. The account goes to `account_id` (the update log's)
// either way, so a disabled account's refusal names it.
template <class Code>
std::optional<Code> refusal_of(const auth::AuthOutcome& outcome, const OutcomeWords<Code>& words,
                               std::optional<std::int64_t>& account_id) {
    if (outcome.principal) account_id = outcome.principal->account.id;
    if (outcome.status == auth::AuthStatus::Ok && outcome.principal) return std::nullopt;
    return answer_of(words, outcome.status);
}

// Runs a dialect's own steps. The unexpected (the database gone, a bug) is the one exception a
// dialect catches: it is logged as "<dialect>: backend failure: <what>" and answered with what
// `on_unexpected` returns (the dialect's server error), after which the dialect audits and logs
// as for any answer.
template <class Steps, class OnUnexpected>
auto run_steps(const Logger& log, std::string_view dialect, Steps&& steps,
               OnUnexpected&& on_unexpected) -> decltype(steps()) {
    try {
        return std::forward<Steps>(steps)();
    } catch (const std::exception& e) {
        log.error(std::string(dialect) + ": backend failure: " + e.what());
        return std::forward<OnUnexpected>(on_unexpected)();
    }
}

// "<dialect> client=<address>": how every dialect's log line about a request starts.
std::string log_start(std::string_view dialect, const RequestView& request);

}  // namespace ddns::gateway
