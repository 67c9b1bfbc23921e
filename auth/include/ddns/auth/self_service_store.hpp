// Storage seam of the self-service fronts (the account layer: sign-up, links sent by mail, a
// user's own hosts and tokens, API tokens). Every method that names an object takes the account
// it must belong to, so a user can never reach another account's host or token: such an object
// reads as absent. The PostgreSQL implementation lives in sql/. Backend failures throw
// StoreError.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/mail_outbox.hpp"
#include "ddns/auth/model.hpp"
#include "ddns/auth/store.hpp"  // StoreError
#include "ddns/nsupdate/expected.hpp"

namespace ddns::auth {

// An account as the self-service fronts see it.
struct UserAccount {
    Account account;
    bool verified = true;  // false until the sign-up mail's link was followed
    TimePoint created{};
};

struct NewAccount {
    std::string username;
    std::string email;
    std::string password_hash;
    Plan plan = Plan::Free;
    bool verified = false;
};

enum class SignUpConflict { UsernameTaken, BadInvite };

// What a mailed link is for. A link is stored as the SHA-256 of its secret, used once.
enum class LinkPurpose { Verify, Reset, ChangeEmail };
std::string_view to_string(LinkPurpose purpose) noexcept;

// A link and the mail that carries it. The store writes the link's row and the mail's outbox row
// in one transaction: no link without its mail, no mail without its link, and (at sign-up) no
// account without its confirmation mail.
struct MailedLink {
    LinkPurpose purpose = LinkPurpose::Verify;
    std::string digest;
    TimePoint expires{};
    std::string new_email;  // ChangeEmail only
    OutgoingMail mail;
};

struct LinkUse {
    std::int64_t account_id = 0;
    std::string new_email;  // ChangeEmail: the address being verified
};

// A zone the operator opened to free accounts (admin zone public ZONE on).
struct PublicZone {
    std::int64_t id = 0;
    DnsName name;
};

// One host of the user, with what the overview shows.
struct UserHost {
    std::int64_t id = 0;
    DnsName name;
    DnsName zone;
    std::optional<IpAddress> ipv4{};
    std::optional<IpAddress> ipv6{};
    // A MyServer free account's round robin: the A records after ipv4 (empty without ipv4).
    std::vector<IpAddress> extra_ipv4{};
    std::optional<TimePoint> last_seen{};
    std::optional<TimePoint> updated_at{};
    // Own setting (nullopt: the zone's; zero: none) and the zone's.
    std::optional<std::chrono::seconds> heartbeat_setting{};
    std::optional<std::chrono::seconds> zone_heartbeat{};
    std::optional<TimePoint> offline_since{};
    std::optional<OfflineReason> offline_reason{};
    bool blocked = false;
    std::optional<OfflineAction> offline_action_setting{};
    OfflineAction zone_offline_action = OfflineAction::Delete;
    std::int64_t client_faults = 0;
    std::int64_t server_faults = 0;
    std::int64_t auth_faults = 0;
    std::optional<std::string> last_fault{};
    std::optional<TimePoint> last_fault_at{};
    // IPv6 prefixes (migration 021): the last prefix the host's router sent; for a derived host
    // the host it follows, its interface ID and prefix length; the hosts derived from this one.
    std::optional<IpNetwork> ipv6_prefix{};
    std::optional<DnsName> derived_from{};
    std::optional<IpAddress> interface_id{};
    unsigned prefix_length = 0;
    std::vector<DnsName> derived_hosts{};
};

// What makes a host derived (Host::derive_from): the router host of the same account and zone,
// the interface ID and the prefix length.
struct Derivation {
    DnsName from;
    IpAddress interface_id;
    unsigned prefix_length = 64;
};

enum class HostConflict { NameTaken, HoldsRecords, LimitReached };

// An update token or an API token as listed (never its secret).
struct TokenInfo {
    std::int64_t id = 0;
    std::string name;
    std::optional<DnsName> host;  // update tokens limited to one host
    TimePoint created{};
    std::optional<TimePoint> last_used;
    // Update tokens only (migration 019): purpose, networks and expiries, last use's address.
    TokenLimits limits{};
    std::optional<IpAddress> last_used_address{};
};

// One row of a host's update history (the update log), newest first.
struct HistoryEntry {
    TimePoint time{};
    std::string client;
    std::string user_agent;
    std::string protocol;  // the dialect
    std::string answer;    // the dialect's word
    std::string detail;
    bool tls = false;
    // Identical no-change answers merged into this row (update_log.repeats): how many requests
    // it stands for, and the first one's time (`time` is the last one's).
    std::uint32_t repeats = 1;
    TimePoint first_time{};
};

class SelfServiceStore {
public:
    virtual ~SelfServiceStore() = default;

    // Accounts. With `invite_digest` the invite is consumed in the same transaction (unknown,
    // used or expired: BadInvite, nothing created); so is `verify` written, the confirmation
    // link and its mail (a mail that cannot be stored throws, and nothing is created).
    virtual Expected<std::int64_t, SignUpConflict> create_account(
        const NewAccount& account, const std::optional<std::string>& invite_digest, TimePoint now,
        const std::optional<MailedLink>& verify) = 0;
    virtual std::optional<UserAccount> account_by_id(std::int64_t id) = 0;
    // Case-insensitive username, else e-mail address (lower-cased comparison).
    virtual std::optional<UserAccount> account_by_login(std::string_view username_or_email) = 0;
    virtual void mark_verified(std::int64_t account_id) = 0;
    // Replaces the hash and drops every outstanding link of the account (reset and e-mail).
    virtual void set_password_hash(std::int64_t account_id, std::string_view hash) = 0;
    virtual void set_email(std::int64_t account_id, std::string_view email) = 0;
    virtual void set_dynamic_updates(std::int64_t account_id, bool enabled) = 0;
    // Removes the account with its tokens and hosts (DNS already cleared). False while it
    // owns zones.
    virtual bool remove_account(std::int64_t account_id) = 0;

    // Invites (admin invite create): the digest of a one-time code.
    virtual void add_invite(std::string_view digest, TimePoint expires) = 0;

    // Links sent by mail: the link and its mail in one transaction (see MailedLink).
    virtual void add_link(std::int64_t account_id, const MailedLink& link) = 0;
    // Marks the link used and returns whose it is; nullopt when unknown, used or expired.
    virtual std::optional<LinkUse> consume_link(LinkPurpose purpose, std::string_view digest,
                                                TimePoint now) = 0;

    // Zones.
    virtual std::vector<PublicZone> public_zones() = 0;
    virtual void set_zone_public(const DnsName& zone, bool open) = 0;  // throws if unknown
    // The innermost zone containing `name`, if any.
    virtual std::optional<Zone> zone_containing(const DnsName& name) = 0;
    // Zones the account owns (domain plan).
    virtual std::vector<Zone> owned_zones(std::int64_t account_id) = 0;

    // Hosts of the account.
    virtual std::vector<UserHost> hosts(std::int64_t account_id) = 0;
    virtual std::optional<UserHost> host(std::int64_t account_id, const DnsName& name) = 0;
    // Refuses when the account already has `max_hosts` hosts (0: no limit), atomically.
    virtual Expected<std::int64_t, HostConflict> add_host(std::int64_t account_id,
                                                          const DnsName& name,
                                                          std::size_t max_hosts) = 0;
    // False when the host is not the account's.
    virtual bool remove_host(std::int64_t account_id, std::int64_t host_id) = 0;
    virtual bool set_host_heartbeat(std::int64_t account_id, std::int64_t host_id,
                                    std::optional<std::chrono::seconds> setting) = 0;
    virtual bool set_host_offline_action(std::int64_t account_id, std::int64_t host_id,
                                         std::optional<OfflineAction> action) = 0;
    // Makes the host derived (nullopt: an ordinary host again; its AAAA stays), in one statement
    // that checks the rules again: same account and zone, the router not derived, no host derived
    // from this one. False when the host is not the account's or a rule does not hold.
    virtual bool set_host_derived(std::int64_t account_id, std::int64_t host_id,
                                  const std::optional<Derivation>& derivation) = 0;
    virtual std::vector<HistoryEntry> host_history(std::int64_t account_id, std::int64_t host_id,
                                                   std::size_t limit) = 0;

    // Update tokens (the dialects' credentials).
    virtual std::int64_t add_update_token(std::int64_t account_id,
                                          std::optional<std::int64_t> host_id,
                                          std::string_view name, std::string_view digest,
                                          const TokenLimits& limits) = 0;
    virtual std::vector<TokenInfo> update_tokens(std::int64_t account_id) = 0;
    virtual bool revoke_update_token(std::int64_t account_id, std::int64_t token_id) = 0;

    // API tokens (the JSON API's credentials; never accepted by a dialect).
    virtual std::int64_t add_api_token(std::int64_t account_id, std::string_view name,
                                       std::string_view digest) = 0;
    virtual std::vector<TokenInfo> api_tokens(std::int64_t account_id) = 0;
    virtual bool revoke_api_token(std::int64_t account_id, std::int64_t token_id) = 0;
    virtual void revoke_api_tokens(std::int64_t account_id) = 0;  // all of them
    // The account whose API token has this digest; records the use.
    virtual std::optional<std::int64_t> api_token_account(std::string_view digest,
                                                          TimePoint now) = 0;
};

}  // namespace ddns::auth
