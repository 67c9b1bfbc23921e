// PostgreSQL implementation of the core's storage seams, on prepared statements.
#pragma once

#include "ddns/auth/record_store.hpp"
#include "ddns/auth/store.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {

class PgStore final : public auth::AccountStore, public auth::HostStore, public auth::RecordStore {
public:
    explicit PgStore(Database& db) : db_(db) {}

    std::optional<auth::Principal> load_principal(std::string_view username,
                                                  std::string_view token_digest) override;
    std::unique_ptr<auth::HostChange> begin_change(
        const std::vector<std::int64_t>& host_ids) override;
    std::optional<std::string> find_host_owner(const DnsName& name) override;
    void record_token_use(std::int64_t token_id, const std::optional<IpAddress>& client,
                          auth::TimePoint now) override;

    // RecordStore (pg_record_store.cpp).
    std::unique_ptr<auth::RecordChange> begin_record_change(std::int64_t zone_id) override;
    std::vector<auth::StoredRecord> list_records(std::int64_t zone_id) override;
    void mark_rrset_in_doubt(std::int64_t zone_id, const DnsName& name, RecordType type) override;
    std::vector<auth::RRsetInDoubt> rrsets_in_doubt(std::int64_t zone_id) override;
    bool record_seen_if_unchanged(const auth::StoredAddresses& expected,
                                  auth::TimePoint now) override;
    std::optional<auth::NochgWindow> count_seen_if_unchanged(
        const auth::StoredAddresses& expected, auth::TimePoint now,
        std::chrono::seconds interval) override;
    void mark_in_doubt(const std::vector<std::int64_t>& host_ids, auth::TimePoint now) override;
    void set_protocol_heartbeat(std::int64_t host_id, std::chrono::seconds timeout) override;

private:
    Database& db_;
};

}  // namespace ddns::sql
