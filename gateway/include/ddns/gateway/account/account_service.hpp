// What a user does to their own account, whatever the front (the HTML pages or the JSON API):
// sign-up and verification, logging in, password change and reset, e-mail change, hosts, update
// tokens, API tokens, domain records, the dynamic-updates switch. Every call that names an object
// takes the caller's account id: another account's host or token is NotFound and nothing
// changes. Nothing here knows HTTP; the fronts turn AccountError into their own words.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/authenticator.hpp"
#include "ddns/auth/failure_throttle.hpp"
#include "ddns/auth/mail_outbox.hpp"
#include "ddns/auth/notice.hpp"
#include "ddns/auth/password.hpp"
#include "ddns/auth/self_service_store.hpp"
#include "ddns/auth/store.hpp"
#include "ddns/gateway/account/token_options.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/core/address_policy.hpp"
#include "ddns/gateway/core/record_service.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "ddns/nsupdate/expected.hpp"
#include "ddns/nsupdate/record.hpp"
#include "ddns/nsupdate/secret.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::gateway {

enum class Registration { Off, Invite, Open };
std::optional<Registration> parse_registration(std::string_view text) noexcept;
std::string_view to_string(Registration registration) noexcept;

struct AccountOptions {
    Registration registration = Registration::Off;
    std::chrono::seconds verify_link_lifetime{86400};
    std::chrono::seconds reset_link_lifetime{3600};
    std::size_t max_hosts_per_account = 5;  // free accounts; 0: no limit
    std::vector<std::string> reserved_labels;
    // Where the links in mails point, e.g. "https://dyn.example.org" (no trailing slash).
    std::string base_url;
    // Notices: the kinds of a subscription that names none, and the non-public ranges a
    // webhook URL may name (notice.default_kinds, notice.webhook_allow).
    std::vector<auth::NoticeKind> notice_default_kinds{
        auth::NoticeKind::Offline, auth::NoticeKind::Failing, auth::NoticeKind::Expiry};
    std::vector<IpNetwork> webhook_allow{};
};

// Why a use case refused. The fronts map each to one stable code and status.
enum class AccountError {
    BadInput,            // a field breaks its rule; the message says which
    RegistrationClosed,  // web.registration = off (or invite without a code)
    BadInvite,           // unknown, used or expired invite code
    NameTaken,           // username or host name already in use
    NotFound,            // no such object of this account (also: another account's)
    BadCredentials,      // wrong password, unknown user, bad token (indistinguishable)
    NotVerified,         // the account's e-mail address is not verified yet
    AccountLocked,       // disabled, blocked or expired
    Throttled,           // too many attempts; retry_after says when
    Busy,                // the server has no capacity now (argon2 slots); retry_after says when
    LinkInvalid,         // unknown, used, expired or superseded link
    NotAllowed,          // the plan or the operator forbids it (zone not public, ...)
    HostLimit,           // the account holds web.max_hosts_per_account hosts
    Reserved,            // a reserved label
    InUse,               // the name holds records in BIND
    Conflict,            // a record rule (duplicate, CNAME next to data, ...)
    NotDerivable,        // a derived host's rule (other zone, chains, itself)
    DnsFailed,           // BIND refused or did not answer; nothing changed
    Unavailable,         // the database failed; nothing changed
};
std::string_view to_string(AccountError error) noexcept;

struct AccountFailure {
    AccountError error = AccountError::BadInput;
    std::string message;  // one sentence for the user; never a secret
    std::chrono::seconds retry_after{0};
};

struct Done {};
template <typename T>
using AccountResult = Expected<T, AccountFailure>;

// Ends the web sessions of an account (the web layer's session table), all or all but one.
// A password change or reset calls it so that a stolen session dies with the old password.
class SessionTerminator {
public:
    virtual ~SessionTerminator() = default;
    virtual void end_sessions(std::int64_t account_id,
                              const std::optional<std::string>& keep_session) = 0;
};

struct SignUpRequest {
    std::string username;
    std::string email;
    Secret password;
    std::string invite;  // the code, when web.registration = invite
    std::optional<IpAddress> client;
};

// A new API token: its text ("ddnsapi_" and 32 base32 characters; never the shape of an update
// token, so no update protocol ever looks one up) and the digest the database keeps.
struct NewApiToken {
    Secret text;
    std::string digest;
};
NewApiToken make_api_token();

// A secret shown once (update token, API token, invite code).
struct IssuedToken {
    std::int64_t id = 0;
    Secret secret;
};

struct AddressChange {
    std::optional<IpAddress> ipv4;  // nullopt with clear_ipv4 = false: keep
    std::optional<IpAddress> ipv6;
    bool clear_ipv4 = false;
    bool clear_ipv6 = false;
};

// A derived host as a user types it (protocols.md §9): the router host's name, the interface ID
// ("::1:2:3:4") and the prefix length (16 to 64).
struct DeriveInput {
    std::string from;
    std::string interface_id;
    std::int64_t prefix_length = 64;
};

struct HostSettings {
    // Each: nullopt keeps it. Heartbeat: seconds, zero none; offline action per OfflineAction.
    std::optional<std::optional<std::chrono::seconds>> heartbeat;
    std::optional<std::optional<auth::OfflineAction>> offline_action;
};

// A record as a user types it: the owner name, the type's mnemonic, the data in presentation
// form ("192.0.2.1", "mail.example.org", "10 mail.example.org", TXT: the text itself) and the
// TTL (nullopt: the zone's). For a removal, empty data takes the whole RRset and an MX's data
// may be the preference alone.
struct RecordInput {
    std::string name;
    std::string type;
    std::string data;
    std::optional<std::uint32_t> ttl;
};

class AccountService {
public:
    struct Deps {
        auth::SelfServiceStore& store;
        auth::AccountStore& principals;  // hosts with zones, for the update service
        auth::Authenticator& authenticator;
        auth::FailureThrottle* throttle;  // may be null: nothing throttled
        const auth::PasswordHasher& hasher;
        auth::MailOutbox& outbox;
        UpdateService& updates;
        RecordService& records;
        UpdateSender& dns;  // the name-in-use probe
        const AddressPolicy& policy;
        const Logger& log;
        std::function<auth::TimePoint()> clock;
        SessionTerminator* sessions = nullptr;  // may be null (no web pages)
        auth::NoticeStore* notices = nullptr;   // may be null: no notice subscriptions
    };
    AccountService(Deps deps, AccountOptions options);

    const AccountOptions& options() const noexcept { return options_; }

    // Sign-up, verification, password reset. These mail links; they never reveal whether an
    // account or address exists beyond the answer to a taken username at sign-up.
    AccountResult<std::int64_t> sign_up(const SignUpRequest& request);
    AccountResult<Done> verify(std::string_view link_secret);
    // Always the same answer (Done), whether or not the name or address is known; may refuse
    // only with Throttled.
    AccountResult<Done> forgot_password(std::string_view username_or_email,
                                        const std::optional<IpAddress>& client);
    AccountResult<Done> reset_password(std::string_view link_secret, const Secret& new_password);

    // Password login (throttled as update logins are): the account id. An update token is
    // never accepted here.
    AccountResult<std::int64_t> log_in(std::string_view username, const Secret& password,
                                       const std::optional<IpAddress>& client);
    // The account of an API token (Authorization: Bearer), throttled per client address.
    AccountResult<std::int64_t> authenticate_api_token(std::string_view token,
                                                       const std::optional<IpAddress>& client);

    AccountResult<auth::UserAccount> account(std::int64_t account_id);
    AccountResult<Done> change_password(std::int64_t account_id, const Secret& current,
                                        const Secret& replacement,
                                        const std::optional<std::string>& keep_session);
    // Mails a link to the new address; the address changes when it is followed.
    AccountResult<Done> change_email(std::int64_t account_id, std::string_view new_email);
    AccountResult<Done> set_dynamic_updates(std::int64_t account_id, bool enabled);
    // Clears the account's names in DNS first, then removes it (password required).
    AccountResult<Done> delete_account(std::int64_t account_id, const Secret& password);

    // Hosts.
    std::vector<auth::PublicZone> public_zones();
    // Whether `name` could be added now (same checks as add_host, nothing changed).
    AccountResult<Done> check_host_name(std::int64_t account_id, std::string_view name);
    AccountResult<auth::UserHost> add_host(std::int64_t account_id, std::string_view name);
    AccountResult<std::vector<auth::UserHost>> hosts(std::int64_t account_id);
    AccountResult<auth::UserHost> host(std::int64_t account_id, std::string_view name);
    AccountResult<Done> remove_host(std::int64_t account_id, std::string_view name);
    AccountResult<auth::UserHost> set_address(std::int64_t account_id, std::string_view name,
                                              const AddressChange& change);
    AccountResult<auth::UserHost> configure_host(std::int64_t account_id, std::string_view name,
                                                 const HostSettings& settings);
    // Makes the host derived from another host of the account (nullopt: an ordinary host again,
    // its AAAA kept until its next update) with the rules of `admin host derive`. When the router
    // host has a prefix (or an IPv6 address), the derived AAAA goes to BIND at once and the
    // derivation is recorded only after BIND took it (account_derive.cpp).
    AccountResult<auth::UserHost> derive_host(std::int64_t account_id, std::string_view name,
                                              const std::optional<DeriveInput>& input);
    AccountResult<std::vector<auth::HistoryEntry>> host_history(std::int64_t account_id,
                                                                std::string_view name,
                                                                std::size_t limit);

    // Update tokens (for routers): shown once, listed without secret, revoked. `limits` as typed
    // (token_options.hpp); BadInput with the reason when they do not parse.
    AccountResult<IssuedToken> create_update_token(std::int64_t account_id, std::string_view name,
                                                   const std::optional<std::string>& host,
                                                   const TokenOptionText& limits = {});
    AccountResult<std::vector<auth::TokenInfo>> update_tokens(std::int64_t account_id);
    AccountResult<Done> revoke_update_token(std::int64_t account_id, std::int64_t token_id);

    // API tokens (for the JSON API).
    AccountResult<IssuedToken> create_api_token(std::int64_t account_id, std::string_view name);
    AccountResult<std::vector<auth::TokenInfo>> api_tokens(std::int64_t account_id);
    AccountResult<Done> revoke_api_token(std::int64_t account_id, std::int64_t token_id);

    // The zones the account owns (domain plan), by name; empty for a free account.
    AccountResult<std::vector<auth::Zone>> owned_zones(std::int64_t account_id);
    // Domain records of the zones the account owns (domain plan), with admin record's rules.
    AccountResult<std::vector<ResourceRecord>> records(std::int64_t account_id,
                                                       std::string_view zone);
    AccountResult<Done> add_record(std::int64_t account_id, const ResourceRecord& record);
    AccountResult<Done> remove_record(std::int64_t account_id, const RecordSelector& selector);
    AccountResult<Done> add_record(std::int64_t account_id, const RecordInput& input);
    AccountResult<Done> remove_record(std::int64_t account_id, const RecordInput& input);

    // Notice subscriptions (account_notices.cpp). Mail goes to the account's own address only;
    // a webhook's secret is in the answer to its creation and never again.
    struct NewSubscription {
        std::optional<std::vector<auth::NoticeKind>> kinds;  // nullopt: the defaults
        bool mail = false;
        std::string webhook_url;  // empty: none
    };
    struct CreatedSubscription {
        auth::NoticeSubscription subscription;
        std::optional<Secret> webhook_secret;
    };
    AccountResult<std::vector<auth::NoticeSubscription>> notice_subscriptions(
        std::int64_t account_id);
    AccountResult<CreatedSubscription> add_notice_subscription(std::int64_t account_id,
                                                               const NewSubscription& s);
    AccountResult<Done> remove_notice_subscription(std::int64_t account_id, std::int64_t id);

    // Operators (admin invite create): a one-time sign-up code valid for `lifetime`.
    IssuedToken create_invite(std::chrono::seconds lifetime);

private:
    // Where a new host would go: its name, zone, and the account's host limit (0: none).
    struct HostPlace {
        DnsName name;
        std::shared_ptr<const auth::Zone> zone;  // never null
        std::size_t limit = 0;
    };
    AccountResult<HostPlace> host_place(std::int64_t account_id, std::string_view name);
    AccountResult<Done> probe_unused(const HostPlace& place);
    AccountResult<Done> apply_to_host(std::int64_t account_id, const auth::UserHost& host,
                                      FamilyIntent v4, FamilyIntent v6);
    std::optional<auth::Zone> owned_zone_for(std::int64_t account_id, const DnsName& name);
    // Counts one request of `what` from `client` against the throttle; the failure when locked.
    std::optional<AccountFailure> spend_attempt(const std::optional<IpAddress>& client,
                                                std::string_view what);
    // A new link of `purpose` for `username` and the mail to `to` that carries it.
    auth::MailedLink link_mail(const std::string& username, const std::string& to,
                               auth::LinkPurpose purpose, std::chrono::seconds lifetime) const;
    // Stores a new link with its mail (one transaction) and wakes the mail sender.
    void mail_link(const auth::UserAccount& user, const std::string& to, auth::LinkPurpose purpose,
                   std::chrono::seconds lifetime);
    void apply_new_password(std::int64_t account_id, const Secret& password,
                            const std::optional<std::string>& keep_session);

    Deps d_;
    AccountOptions options_;
};

}  // namespace ddns::gateway
