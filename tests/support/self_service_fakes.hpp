// In-memory fakes of the account layer's seams: the self-service store (accounts, mailed links,
// invites, zones open to users, a user's hosts, update tokens and API tokens), the mail outbox
// and the notice subscriptions. They follow the PostgreSQL store's rules: another account's
// host or token reads as absent and is never changed; a link is used once and expires; a
// password change drops every outstanding reset and e-mail link; the host limit is checked and
// the host added under one lock. The store writes through to the request path's fakes
// (FakeAccountStore, FakeHostStore, FakeRecordStore), so the authenticator, the update service
// and the record service see the same accounts, hosts and tokens, as they would in one database.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/mail_outbox.hpp"
#include "ddns/auth/notice.hpp"
#include "ddns/auth/self_service_store.hpp"
#include "fakes.hpp"

namespace ddns::fakes {

class FakeMailOutbox;

class FakeSelfServiceStore final : public auth::SelfServiceStore {
public:
    // `records` may be null: no record holds a name then. `clock` dates new tokens (empty:
    // the epoch).
    FakeSelfServiceStore(FakeAccountStore& principals, FakeHostStore& stored,
                         FakeRecordStore* records = nullptr,
                         std::function<auth::TimePoint()> clock = {});

    // Seeding: a zone (its id as given; `is_public` as admin zone public). The zone's
    // owner_account_id makes it a domain account's own zone.
    std::shared_ptr<const auth::Zone> add_zone(auth::Zone zone, bool is_public);
    // Changes an account's flags (disabled, blocked, expiry, plan, ...) in both stores.
    void modify_account(std::int64_t id, const std::function<void(auth::Account&)>& change);

    Expected<std::int64_t, auth::SignUpConflict> create_account(
        const auth::NewAccount& account, const std::optional<std::string>& invite_digest,
        auth::TimePoint now, const std::optional<auth::MailedLink>& verify) override;
    std::optional<auth::UserAccount> account_by_id(std::int64_t id) override;
    std::optional<auth::UserAccount> account_by_login(std::string_view username_or_email) override;
    void mark_verified(std::int64_t account_id) override;
    void set_password_hash(std::int64_t account_id, std::string_view hash) override;
    void set_email(std::int64_t account_id, std::string_view email) override;
    void set_dynamic_updates(std::int64_t account_id, bool enabled) override;
    bool remove_account(std::int64_t account_id) override;
    void add_invite(std::string_view digest, auth::TimePoint expires) override;
    void add_link(std::int64_t account_id, const auth::MailedLink& link) override;
    std::optional<auth::LinkUse> consume_link(auth::LinkPurpose purpose, std::string_view digest,
                                              auth::TimePoint now) override;
    std::vector<auth::PublicZone> public_zones() override;
    void set_zone_public(const DnsName& zone, bool open) override;
    std::optional<auth::Zone> zone_containing(const DnsName& name) override;
    std::vector<auth::Zone> owned_zones(std::int64_t account_id) override;
    std::vector<auth::UserHost> hosts(std::int64_t account_id) override;
    std::optional<auth::UserHost> host(std::int64_t account_id, const DnsName& name) override;
    Expected<std::int64_t, auth::HostConflict> add_host(std::int64_t account_id,
                                                        const DnsName& name,
                                                        std::size_t max_hosts) override;
    bool remove_host(std::int64_t account_id, std::int64_t host_id) override;
    bool set_host_heartbeat(std::int64_t account_id, std::int64_t host_id,
                            std::optional<std::chrono::seconds> setting) override;
    bool set_host_offline_action(std::int64_t account_id, std::int64_t host_id,
                                 std::optional<auth::OfflineAction> action) override;
    // The rules of the PostgreSQL statement: the host and the router are the account's, in one
    // zone, the router not derived and not the host itself, nothing derived from the host.
    bool set_host_derived(std::int64_t account_id, std::int64_t host_id,
                          const std::optional<auth::Derivation>& derivation) override;
    std::vector<auth::HistoryEntry> host_history(std::int64_t account_id, std::int64_t host_id,
                                                 std::size_t limit) override;
    std::int64_t add_update_token(std::int64_t account_id, std::optional<std::int64_t> host_id,
                                  std::string_view name, std::string_view digest,
                                  const auth::TokenLimits& limits) override;
    std::vector<auth::TokenInfo> update_tokens(std::int64_t account_id) override;
    bool revoke_update_token(std::int64_t account_id, std::int64_t token_id) override;
    std::int64_t add_api_token(std::int64_t account_id, std::string_view name,
                               std::string_view digest) override;
    std::vector<auth::TokenInfo> api_tokens(std::int64_t account_id) override;
    bool revoke_api_token(std::int64_t account_id, std::int64_t token_id) override;
    void revoke_api_tokens(std::int64_t account_id) override;
    std::optional<std::int64_t> api_token_account(std::string_view digest,
                                                  auth::TimePoint now) override;

    // The rows, for the tests' observations (read them while no call runs).
    struct LinkRow {
        std::int64_t account_id = 0;
        auth::LinkPurpose purpose = auth::LinkPurpose::Verify;
        std::string digest;
        auth::TimePoint expires{};
        std::string new_email;
        bool used = false;
    };
    struct HostRow {
        std::int64_t account_id = 0;
        DnsName name;
        std::shared_ptr<const auth::Zone> zone;
        std::optional<std::chrono::seconds> heartbeat;
        std::optional<auth::OfflineAction> offline_action;
        std::optional<std::int64_t> derive_from;  // the router host's id
    };
    struct TokenRow {
        std::int64_t account_id = 0;
        std::optional<std::int64_t> host_id;
        std::string name;
        std::string digest;
        auth::TokenLimits limits;
        std::optional<auth::TimePoint> last_used;
        auth::TimePoint created{};
    };
    struct InviteRow {
        auth::TimePoint expires{};
        bool used = false;
    };
    std::map<std::int64_t, auth::UserAccount> accounts;
    std::vector<LinkRow> links;
    std::map<std::string, InviteRow> invites;  // by digest
    std::map<std::int64_t, HostRow> host_rows;
    std::map<std::int64_t, TokenRow> update_token_rows;
    std::map<std::int64_t, TokenRow> api_token_rows;
    std::map<std::int64_t, std::vector<auth::HistoryEntry>> history;  // by host id, newest first
    bool fail = false;  // every call throws StoreError (a database outage)
    // When set, the calls after this many throw StoreError (an outage in mid-request).
    std::optional<int> fail_after;
    mutable int calls = 0;  // calls so far
    // Where the mails of links go (as the real store writes them into mail_outbox in the
    // link's transaction): a failing outbox fails the whole call. Null: they are dropped.
    FakeMailOutbox* mail_outbox = nullptr;

private:
    struct ZoneRow {
        std::shared_ptr<const auth::Zone> zone;
        bool is_public = false;
    };
    void check() const;
    auth::TimePoint now() const;
    std::optional<auth::UserHost> user_host(std::int64_t id, const HostRow& row) const;
    bool holds_records(const DnsName& name) const;
    void forget_host(std::int64_t host_id);
    std::vector<auth::TokenInfo> token_list(const std::map<std::int64_t, TokenRow>& rows,
                                            std::int64_t account_id) const;

    FakeAccountStore& principals_;
    FakeHostStore& host_store_;
    FakeRecordStore* records_;
    std::function<auth::TimePoint()> clock_;
    mutable std::recursive_mutex mutex_;
    std::vector<ZoneRow> zones_;
    std::int64_t next_account_ = 1;
    std::int64_t next_host_ = 1;
    std::int64_t next_token_ = 1;
};

// Records what would be mailed; `fail` makes enqueue throw (nothing stored).
class FakeMailOutbox final : public auth::MailOutbox {
public:
    void enqueue(const auth::OutgoingMail& mail) override {
        std::lock_guard lock(mutex);
        if (fail) throw auth::StoreError("database down");
        sent.push_back(mail);
    }
    void stored_elsewhere() override { ++wakes; }
    std::mutex mutex;
    std::vector<auth::OutgoingMail> sent;
    bool fail = false;
    int wakes = 0;  // stored_elsewhere calls
};

// Notice subscriptions in memory (no watcher passes: begin_pass answers null, as when another
// instance holds the pass). Another account's subscription is never listed or removed.
class FakeNoticeStore final : public auth::NoticeStore {
public:
    std::unique_ptr<auth::NoticePass> begin_pass(const auth::NoticeWatchOptions&,
                                                 auth::TimePoint) override {
        return nullptr;
    }
    std::int64_t add_subscription(const auth::NewNoticeSubscription& s,
                                  const std::string& webhook_secret) override;
    std::vector<auth::NoticeSubscription> subscriptions(
        std::optional<std::int64_t> account_id) override;
    bool remove_subscription(std::int64_t id, std::optional<std::int64_t> account_id) override;

    std::map<std::int64_t, auth::NoticeSubscription> rows;
    std::map<std::int64_t, std::string> secrets;  // webhook secrets by subscription id

private:
    std::int64_t next_id_ = 1;
};

}  // namespace ddns::fakes
