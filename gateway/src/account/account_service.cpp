// The account use cases that concern the account itself: sign-up, verification, logging in,
// password change and reset, e-mail change, the dynamic switch, deleting the account.
#include "ddns/gateway/account/account_service.hpp"

#include <utility>

#include "account_rules.hpp"
#include "ddns/auth/argon2_gate.hpp"
#include "ddns/auth/token.hpp"

namespace ddns::gateway {

using account_rules::fail;

namespace {

// API tokens carry a prefix, so they never have the shape of an update token (looks_like_token)
// and no dialect ever looks one up; and a leaked one is recognisable in a code search.
constexpr std::string_view kApiTokenPrefix = "ddnsapi_";

constexpr std::chrono::seconds kInviteLimit{365L * 86400};

// Every argon2 slot was busy (auth.argon2_memory_budget): nothing was checked or changed.
AccountFailure busy(const auth::Argon2Busy& e) {
    return AccountFailure{AccountError::Busy, "the server is busy; try again in a moment",
                          e.retry_after()};
}

}  // namespace

NewApiToken make_api_token() {
    const auto raw = auth::generate_token();
    std::string text = std::string(kApiTokenPrefix) + std::string(raw.token.expose_view());
    std::string digest = auth::token_digest(text);
    return NewApiToken{Secret(text), std::move(digest)};
}

std::optional<Registration> parse_registration(std::string_view text) noexcept {
    if (text == "off") return Registration::Off;
    if (text == "invite") return Registration::Invite;
    if (text == "open") return Registration::Open;
    return std::nullopt;
}

std::string_view to_string(Registration registration) noexcept {
    switch (registration) {
        case Registration::Off:
            return "off";
        case Registration::Invite:
            return "invite";
        case Registration::Open:
            return "open";
    }
    return "off";
}

std::string_view to_string(AccountError error) noexcept {
    switch (error) {
        case AccountError::BadInput:
            return "bad_input";
        case AccountError::RegistrationClosed:
            return "registration_closed";
        case AccountError::BadInvite:
            return "bad_invite";
        case AccountError::NameTaken:
            return "name_taken";
        case AccountError::NotFound:
            return "not_found";
        case AccountError::BadCredentials:
            return "bad_credentials";
        case AccountError::NotVerified:
            return "not_verified";
        case AccountError::AccountLocked:
            return "account_locked";
        case AccountError::Throttled:
            return "throttled";
        case AccountError::Busy:
            return "busy";
        case AccountError::LinkInvalid:
            return "link_invalid";
        case AccountError::NotAllowed:
            return "not_allowed";
        case AccountError::HostLimit:
            return "host_limit";
        case AccountError::Reserved:
            return "reserved";
        case AccountError::InUse:
            return "in_use";
        case AccountError::Conflict:
            return "conflict";
        case AccountError::NotDerivable:
            return "not_derivable";
        case AccountError::DnsFailed:
            return "dns_failed";
        case AccountError::Unavailable:
            return "unavailable";
    }
    return "bad_input";
}

AccountService::AccountService(Deps deps, AccountOptions options)
    : d_(std::move(deps)), options_(std::move(options)) {}

std::optional<AccountFailure> AccountService::spend_attempt(const std::optional<IpAddress>& client,
                                                            std::string_view what) {
    // Sign-up and reset requests have no wrong answer to count, so every request counts: the
    // throttle's address streak then limits how often one client may ask.
    if (!d_.throttle || !client) return std::nullopt;
    auto ticket = d_.throttle->admit(*client, what);
    if (!ticket.admitted())
        return AccountFailure{AccountError::Throttled, "too many attempts; try again later",
                              ticket.retry_after()};
    ticket.failed();
    return std::nullopt;
}

auth::MailedLink AccountService::link_mail(const std::string& username, const std::string& to,
                                           auth::LinkPurpose purpose,
                                           std::chrono::seconds lifetime) const {
    const auto link = auth::generate_token();
    auth::MailedLink out;
    out.purpose = purpose;
    out.digest = link.digest;
    out.expires = d_.clock() + lifetime;
    if (purpose == auth::LinkPurpose::ChangeEmail) out.new_email = to;
    const bool reset = purpose == auth::LinkPurpose::Reset;
    const std::string url = options_.base_url + (reset ? "/reset?token=" : "/verify?token=") +
                            std::string(link.token.expose_view());
    const std::string hours = std::to_string(std::max<long>(1, lifetime.count() / 3600));
    auth::OutgoingMail& mail = out.mail;
    mail.to = to;
    mail.kind = std::string(auth::to_string(purpose));
    if (reset) {
        mail.subject = "Reset your password";
        mail.body = "Hello " + username +
                    ",\n\nsomeone (hopefully you) asked to reset the password of this account.\n"
                    "Follow this link within " +
                    hours + " hour(s) to choose a new one:\n\n" + url +
                    "\n\nThe link works once. If you did not ask, ignore this mail: "
                    "your password stays as it is.\n";
    } else {
        mail.subject = "Confirm your e-mail address";
        mail.body = "Hello " + username +
                    ",\n\nplease confirm this e-mail address by following this link within " +
                    hours + " hour(s):\n\n" + url +
                    "\n\nThe link works once. If you did not sign up, ignore this mail.\n";
    }
    return out;
}

void AccountService::mail_link(const auth::UserAccount& user, const std::string& to,
                               auth::LinkPurpose purpose, std::chrono::seconds lifetime) {
    d_.store.add_link(user.account.id, link_mail(user.account.username, to, purpose, lifetime));
    d_.outbox.stored_elsewhere();
}

AccountResult<std::int64_t> AccountService::sign_up(const SignUpRequest& request) {
    if (options_.registration == Registration::Off)
        return fail(AccountError::RegistrationClosed, "sign-up is closed on this server");
    if (options_.registration == Registration::Invite && request.invite.empty())
        return fail(AccountError::RegistrationClosed, "sign-up needs an invite code");
    if (auto f = spend_attempt(request.client, "sign-up")) return Unexpected{*f};
    if (auto p = account_rules::username_problem(request.username))
        return fail(AccountError::BadInput, *p);
    if (auto p = account_rules::email_problem(request.email))
        return fail(AccountError::BadInput, *p);
    if (auto p = account_rules::password_problem(request.password, request.username))
        return fail(AccountError::BadInput, *p);
    std::string password_hash;
    try {
        password_hash = d_.hasher.hash(request.password);
    } catch (const auth::Argon2Busy& e) {
        return Unexpected{busy(e)};
    }
    auth::NewAccount account{request.username, request.email, std::move(password_hash),
                             auth::Plan::Free, false};
    std::optional<std::string> invite;
    if (options_.registration == Registration::Invite) invite = auth::token_digest(request.invite);
    // The account, its confirmation link and the mail are one transaction: a mail that
    // cannot be queued leaves no account behind (the caller hears the store's failure).
    auto id = d_.store.create_account(
        account, invite, d_.clock(),
        link_mail(request.username, request.email, auth::LinkPurpose::Verify,
                  options_.verify_link_lifetime));
    if (!id && id.error() == auth::SignUpConflict::BadInvite)
        return fail(AccountError::BadInvite, "the invite code is unknown, used or expired");
    if (!id) return fail(AccountError::NameTaken, "this username is taken");
    d_.outbox.stored_elsewhere();
    d_.log.info("account: signed up user=" + request.username);
    return *id;
}

AccountResult<Done> AccountService::verify(std::string_view link_secret) {
    const auto now = d_.clock();
    const std::string digest = auth::token_digest(link_secret);
    if (auto use = d_.store.consume_link(auth::LinkPurpose::Verify, digest, now)) {
        d_.store.mark_verified(use->account_id);
        return Done{};
    }
    if (auto use = d_.store.consume_link(auth::LinkPurpose::ChangeEmail, digest, now)) {
        d_.store.set_email(use->account_id, use->new_email);
        return Done{};
    }
    return fail(AccountError::LinkInvalid, "this link is unknown, used or expired");
}

AccountResult<Done> AccountService::forgot_password(std::string_view username_or_email,
                                                    const std::optional<IpAddress>& client) {
    if (auto f = spend_attempt(client, "reset")) return Unexpected{*f};
    // The same answer whatever is found: nothing tells a caller whether the account exists.
    if (username_or_email.empty() || username_or_email.size() > 254) return Done{};
    const auto user = d_.store.account_by_login(username_or_email);
    if (!user || user->account.disabled || user->account.email.empty()) return Done{};
    mail_link(*user, user->account.email, auth::LinkPurpose::Reset, options_.reset_link_lifetime);
    return Done{};
}

AccountResult<Done> AccountService::reset_password(std::string_view link_secret,
                                                   const Secret& new_password) {
    // The password's own rules first: a too short one does not use the link up.
    if (auto p = account_rules::password_problem(new_password, {}))
        return fail(AccountError::BadInput, *p);
    const auto now = d_.clock();
    const std::string digest = auth::token_digest(link_secret);
    auto use = d_.store.consume_link(auth::LinkPurpose::Reset, digest, now);
    if (!use) return fail(AccountError::LinkInvalid, "this link is unknown, used or expired");
    const auto user = d_.store.account_by_id(use->account_id);
    if (!user) return fail(AccountError::LinkInvalid, "this link is unknown, used or expired");
    if (auto p = account_rules::password_problem(new_password, user->account.username)) {
        // Only the username rule is left (it needs the account): the link is used, so a new
        // one is mailed rather than the old one revived.
        mail_link(*user, user->account.email, auth::LinkPurpose::Reset,
                  options_.reset_link_lifetime);
        return fail(AccountError::BadInput, *p + " (a new link was mailed)");
    }
    try {
        apply_new_password(user->account.id, new_password, std::nullopt);
    } catch (const auth::Argon2Busy& e) {
        // The link is used and nothing changed: a new one, as for the username rule above.
        mail_link(*user, user->account.email, auth::LinkPurpose::Reset,
                  options_.reset_link_lifetime);
        auto failure = busy(e);
        failure.message += " (a new link was mailed)";
        return Unexpected{failure};
    }
    // A reset means the old password may be known to someone else: the API tokens made with
    // it go too. Update tokens stay (routers keep working); the overview lists them.
    d_.store.revoke_api_tokens(user->account.id);
    // Following a mailed link also proves the address.
    if (!user->verified) d_.store.mark_verified(user->account.id);
    d_.log.info("account: password reset user=" + user->account.username);
    return Done{};
}

void AccountService::apply_new_password(std::int64_t account_id, const Secret& password,
                                        const std::optional<std::string>& keep_session) {
    d_.store.set_password_hash(account_id, d_.hasher.hash(password));  // drops every link
    if (d_.sessions) d_.sessions->end_sessions(account_id, keep_session);
}

AccountResult<std::int64_t> AccountService::log_in(std::string_view username,
                                                   const Secret& password,
                                                   const std::optional<IpAddress>& client) {
    // An update token is refused here by its shape: only passwords are checked.
    if (auth::looks_like_token(password) || username.empty())
        return fail(AccountError::BadCredentials, "wrong username or password");
    auto outcome = d_.authenticator.authenticate(username, password,
                                                 auth::CredentialPolicy::PasswordOrToken, client);
    switch (outcome.status) {
        case auth::AuthStatus::Ok:
            break;
        case auth::AuthStatus::Throttled:
            return fail(AccountError::Throttled, "too many failed logins; try again later",
                        outcome.retry_after);
        case auth::AuthStatus::Busy:
            return fail(AccountError::Busy, "the server is busy; try again in a moment",
                        outcome.retry_after);
        case auth::AuthStatus::BadCredentials:
            return fail(AccountError::BadCredentials, "wrong username or password");
        case auth::AuthStatus::Disabled:
        case auth::AuthStatus::Blocked:
        case auth::AuthStatus::Expired:
            return fail(AccountError::AccountLocked, "this account is disabled or expired");
    }
    if (outcome.principal->token)
        return fail(AccountError::BadCredentials, "wrong username or password");
    const auto id = outcome.principal->account.id;
    const auto user = d_.store.account_by_id(id);
    if (!user) return fail(AccountError::BadCredentials, "wrong username or password");
    if (!user->verified)
        return fail(AccountError::NotVerified,
                    "confirm your e-mail address first (follow the link in the mail)");
    return id;
}

AccountResult<std::int64_t> AccountService::authenticate_api_token(
    std::string_view token, const std::optional<IpAddress>& client) {
    // Bearer tokens carry 160 random bits, so guessing is hopeless; the throttle still stops a
    // client from hammering the database with guesses. The streak is per client address.
    std::optional<auth::FailureThrottle::Ticket> ticket;
    if (d_.throttle && client) {
        ticket.emplace(d_.throttle->admit(*client, "api-token " + client->to_string()));
        if (!ticket->admitted())
            return fail(AccountError::Throttled, "too many bad API tokens; try again later",
                        ticket->retry_after());
    }
    std::optional<std::int64_t> id;
    if (token.starts_with(kApiTokenPrefix) && token.size() <= 128)
        id = d_.store.api_token_account(auth::token_digest(token), d_.clock());
    if (!id) {
        if (ticket) ticket->failed();
        return fail(AccountError::BadCredentials, "unknown or revoked API token");
    }
    if (ticket) ticket->succeeded();
    const auto user = d_.store.account_by_id(*id);
    if (!user) return fail(AccountError::BadCredentials, "unknown or revoked API token");
    const auto& a = user->account;
    if (a.disabled || a.blocked || (a.expires_at && *a.expires_at <= d_.clock()))
        return fail(AccountError::AccountLocked, "this account is disabled or expired");
    return *id;
}

AccountResult<auth::UserAccount> AccountService::account(std::int64_t account_id) {
    auto user = d_.store.account_by_id(account_id);
    if (!user) return fail(AccountError::NotFound, "no such account");
    user->account.password_hash.clear();  // never leaves the layer
    return *user;
}

AccountResult<Done> AccountService::change_password(
    std::int64_t account_id, const Secret& current, const Secret& replacement,
    const std::optional<std::string>& keep_session) {
    const auto user = d_.store.account_by_id(account_id);
    if (!user) return fail(AccountError::NotFound, "no such account");
    try {
        if (!d_.hasher.verify(user->account.password_hash, current))
            return fail(AccountError::BadCredentials, "the current password is wrong");
        if (auto p = account_rules::password_problem(replacement, user->account.username))
            return fail(AccountError::BadInput, *p);
        apply_new_password(account_id, replacement, keep_session);
    } catch (const auth::Argon2Busy& e) {
        return Unexpected{busy(e)};
    }
    d_.log.info("account: password changed user=" + user->account.username);
    return Done{};
}

AccountResult<Done> AccountService::change_email(std::int64_t account_id,
                                                 std::string_view new_email) {
    if (auto p = account_rules::email_problem(new_email)) return fail(AccountError::BadInput, *p);
    const auto user = d_.store.account_by_id(account_id);
    if (!user) return fail(AccountError::NotFound, "no such account");
    mail_link(*user, std::string(new_email), auth::LinkPurpose::ChangeEmail,
              options_.verify_link_lifetime);
    return Done{};
}

AccountResult<Done> AccountService::set_dynamic_updates(std::int64_t account_id, bool enabled) {
    if (!d_.store.account_by_id(account_id)) return fail(AccountError::NotFound, "no such account");
    d_.store.set_dynamic_updates(account_id, enabled);
    return Done{};
}

AccountResult<Done> AccountService::delete_account(std::int64_t account_id,
                                                   const Secret& password) {
    const auto user = d_.store.account_by_id(account_id);
    if (!user) return fail(AccountError::NotFound, "no such account");
    try {
        if (!d_.hasher.verify(user->account.password_hash, password))
            return fail(AccountError::BadCredentials, "the password is wrong");
    } catch (const auth::Argon2Busy& e) {
        return Unexpected{busy(e)};
    }
    if (!d_.store.owned_zones(account_id).empty())
        return fail(AccountError::NotAllowed,
                    "this account owns zones; the operator must remove them first");
    // Names first: a host row is only forgotten once BIND no longer holds its addresses.
    for (const auto& host : d_.store.hosts(account_id)) {
        auto removed = remove_host(account_id, host.name.str());
        if (!removed) return Unexpected{removed.error()};
    }
    if (!d_.store.remove_account(account_id))
        return fail(AccountError::NotAllowed, "this account cannot be removed now");
    if (d_.sessions) d_.sessions->end_sessions(account_id, std::nullopt);
    d_.log.info("account: deleted user=" + user->account.username);
    return Done{};
}

AccountResult<IssuedToken> AccountService::create_api_token(std::int64_t account_id,
                                                            std::string_view name) {
    if (name.size() > 64)
        return fail(AccountError::BadInput, "a token name has at most 64 characters");
    if (!d_.store.account_by_id(account_id)) return fail(AccountError::NotFound, "no such account");
    auto token = make_api_token();
    const auto id = d_.store.add_api_token(account_id, name, token.digest);
    return IssuedToken{id, std::move(token.text)};
}

AccountResult<std::vector<auth::TokenInfo>> AccountService::api_tokens(std::int64_t account_id) {
    return d_.store.api_tokens(account_id);
}

AccountResult<Done> AccountService::revoke_api_token(std::int64_t account_id,
                                                     std::int64_t token_id) {
    if (!d_.store.revoke_api_token(account_id, token_id))
        return fail(AccountError::NotFound, "no such API token");
    return Done{};
}

IssuedToken AccountService::create_invite(std::chrono::seconds lifetime) {
    auto code = auth::generate_token();
    d_.store.add_invite(code.digest, d_.clock() + std::min(lifetime, kInviteLimit));
    return IssuedToken{0, std::move(code.token)};
}

}  // namespace ddns::gateway
