// Operator reads of the update log and of a host's fault accounting (`admin host show`,
// `admin log`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/database.hpp"

namespace ddns::sql {

struct HostDetails {
    HostSummary host;
    std::optional<auth::TimePoint> updated_at;
    std::int64_t client_faults = 0;
    std::int64_t server_faults = 0;
    std::int64_t auth_faults = 0;
    std::optional<std::string> last_fault;
    std::optional<auth::TimePoint> last_fault_at;
    std::optional<auth::TimePoint> last_update_ipv4;
    std::optional<auth::TimePoint> last_update_ipv6;
    std::optional<bool> last_update_tls;
};

struct LogEntry {
    auth::TimePoint time;
    std::string host;  // the host's current name, else the name as presented; may be empty
    std::string username;
    std::string client;
    std::string user_agent;
    std::string dialect;
    std::string outcome;
    std::string fault;
    std::string detail;
    bool ipv4_changed = false;
    bool ipv6_changed = false;
    bool tls = false;
    // Identical unchanged answers written as one row: how many requests it stands for, and the
    // first one's time (`time` is the last's); unset for a single request.
    std::int64_t repeats = 1;
    std::optional<auth::TimePoint> first_time;
};

struct LogFilter {
    std::optional<std::int64_t> host_id;
    std::optional<std::int64_t> account_id;
    std::optional<auth::TimePoint> since;
    std::size_t limit = 100;
};

class AuditRepository {
public:
    explicit AuditRepository(Database& db) : db_(db) {}

    std::optional<HostDetails> host_details(const DnsName& fqdn);
    // The id of the account with this username (case-insensitive).
    std::optional<std::int64_t> account_id(std::string_view username);
    // Newest first.
    std::vector<LogEntry> log(const LogFilter& filter);

private:
    Database& db_;
};

}  // namespace ddns::sql
