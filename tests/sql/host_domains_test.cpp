// Migration 034: the single-column CHECKs of hosts are domains, which PostgreSQL plans once per
// connection instead of once per statement, and hosts refuses every value it refused before.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "connection.hpp"
#include "sql_fixture.hpp"

namespace ddns::sql::test {
namespace {

class HostDomainsTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        if (HasFatalFailure()) return;
        std::vector<std::int64_t> ids;
        ASSERT_NO_FATAL_FAILURE(migrate_with_alice_hosts({"a.example.org"}, ids));
        host_id_ = ids[0];
        where_ = " WHERE id = " + std::to_string(host_id_);
    }

    // The update's outcome: nullopt if it succeeded, else the kind of violation.
    std::optional<Violation> update(const std::string& set) {
        auto r = db_->lease()->try_exec("UPDATE hosts SET " + set + where_);
        if (r) return std::nullopt;
        return r.error();
    }

    // A new host of the same zone and account with `column` = `value` (and a valid name and TTL
    // unless those are the column).
    std::optional<Violation> insert(const std::string& column, const std::string& value) {
        std::string columns = "name, ttl";
        std::string values = "'new.example.org', 60";
        if (column == "name") {
            values = value + ", 60";
        } else if (column == "ttl") {
            values = "'new.example.org', " + value;
        } else {
            columns += ", " + column;
            values += ", " + value;
        }
        auto r = db_->lease()->try_exec("INSERT INTO hosts (zone_id, account_id, " + columns +
                                        ") SELECT zone_id, account_id, " + values + " FROM hosts" +
                                        where_);
        if (r) return std::nullopt;
        return r.error();
    }

    std::int64_t host_id_ = 0;
    std::string where_;
};

// Only the CHECKs that compare two columns are left on the table: they are all PostgreSQL
// reads and plans again for each statement that writes hosts (19 before migration 034).
TEST_F(HostDomainsTest, OnlyTheCrossColumnChecksStayOnTheTable) {
    EXPECT_EQ(scalar("SELECT string_agg(conname, ' ' ORDER BY conname) FROM pg_constraint "
                     "WHERE conrelid = 'hosts'::regclass AND contype = 'c'"),
              "hosts_derived_complete hosts_extra_ipv4_needs_ipv4 hosts_not_derived_from_itself "
              "hosts_offline_reason_set");
}

// Every value a single-column CHECK of migrations 001-033 refused is still refused, as a CHECK
// violation, by UPDATE (the column set alone) and by INSERT; the constraint keeps its name.
TEST_F(HostDomainsTest, EveryColumnRefusesWhatItsCheckRefused) {
    ASSERT_EQ(update("ipv4 = '192.0.2.1', offline_since = now(), offline_reason = 'request'"),
              std::nullopt);
    const std::vector<std::pair<std::string, std::string>> refused = {
        {"name = ''", "hosts_name_check"},
        {"name = 'A.example.org'", "hosts_name_check"},
        {"name = 'a.example.org.'", "hosts_name_check"},
        {"ttl = -1", "hosts_ttl_check"},
        {"ipv4 = '2001:db8::1'", "hosts_ipv4_check"},
        {"ipv4 = '192.0.2.0/24'", "hosts_ipv4_check"},
        {"ipv6 = '192.0.2.1'", "hosts_ipv6_check"},
        {"ipv6 = '2001:db8::/64'", "hosts_ipv6_check"},
        {"extra_ipv4 = '{2001:db8::1}'", "hosts_extra_ipv4_check"},
        {"extra_ipv4 = '{192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4,192.0.2.5,192.0.2.6,"
         "192.0.2.7,192.0.2.8,192.0.2.9,192.0.2.10}'",
         "hosts_extra_ipv4_check"},
        {"ipv6_prefix = '192.0.2.0/24'", "hosts_ipv6_prefix_check"},
        {"interface_id = '::1/64'", "hosts_interface_id_check"},
        {"interface_id = '192.0.2.1'", "hosts_interface_id_check"},
        {"prefix_length = 15", "hosts_prefix_length_check"},
        {"prefix_length = 65", "hosts_prefix_length_check"},
        {"offline_action = 'keep'", "hosts_offline_action_check"},
        {"offline_reason = 'bored'", "hosts_offline_reason_check"},
        {"block_reason = repeat('x', 257)", "hosts_block_reason_check"},
        {"heartbeat_seconds = -1", "hosts_heartbeat_seconds_check"},
        {"protocol_heartbeat_seconds = 0", "hosts_protocol_heartbeat_seconds_check"},
        {"nochg_interval_seconds = -1", "hosts_nochg_interval_seconds_check"},
        {"nochg_count = -1", "hosts_nochg_count_check"},
    };
    for (const auto& [set, constraint] : refused) {
        EXPECT_EQ(update(set), Violation::Check) << set;
        // The same value in a new row.
        const auto column = set.substr(0, set.find(' '));
        const auto value = set.substr(set.find('=') + 2);
        EXPECT_EQ(insert(column, value), Violation::Check) << set;
        EXPECT_EQ(scalar("SELECT count(*) FROM pg_constraint WHERE conname = '" + constraint +
                         "' AND contype = 'c'"),
                  "1")
            << constraint;
    }
    // What the columns accept: the row written above, and these.
    EXPECT_EQ(update("ipv6 = '2001:db8::1', ipv6_prefix = '2001:db8::/48', ttl = 0, "
                     "interface_id = '::1', prefix_length = 64, derive_from = NULL, "
                     "offline_action = 'sentinel', block_reason = repeat('x', 256), "
                     "heartbeat_seconds = 0, protocol_heartbeat_seconds = 1, "
                     "nochg_interval_seconds = 0, nochg_count = 0, "
                     "extra_ipv4 = '{192.0.2.2}', name = 'b.example.org'"),
              std::nullopt);
    EXPECT_EQ(scalar("SELECT count(*) FROM hosts"), "1");
}

}  // namespace
}  // namespace ddns::sql::test
