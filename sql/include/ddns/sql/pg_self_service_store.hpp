// The self-service store on PostgreSQL (auth::SelfServiceStore): every statement that names a
// host or token also names the account, so another account's object is simply not found.
#pragma once

#include "ddns/auth/self_service_store.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {

class PgSelfServiceStore final : public auth::SelfServiceStore {
public:
    explicit PgSelfServiceStore(Database& db) : db_(db) {}

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

private:
    Database& db_;
};

}  // namespace ddns::sql
