// Migration 033: the change path runs no SQL function of its own per row or per statement, and
// host_list() and the CHECK on hosts.extra_ipv4 still mean what migration 012 made them mean.
#include <gtest/gtest.h>

#include <thread>

#include "connection.hpp"
#include "ddns/sql/migrator.hpp"
#include "ddns/sql/pg_store.hpp"
#include "sql_fixture.hpp"
#include "test_support.hpp"

namespace ddns::sql::test {
namespace {

class HostFunctionsTest : public SqlTest {
protected:
    void SetUp() override {
        SqlTest::SetUp();
        if (HasFatalFailure()) return;
        ASSERT_NO_FATAL_FAILURE(migrate_with_alice_hosts(
            {"a.example.org", "b.example.org", "c.example.org"}, host_ids_));
    }

    // Calls of the schema's functions as PostgreSQL counts them (track_functions = 'all'
    // counts a SQL function only where it was not inlined into the calling statement).
    std::int64_t calls(const std::string& function) {
        return std::stoll(scalar("SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions "
                                 "WHERE funcname = '" +
                                 function + "'")
                              .value_or("-1"));
    }

    std::vector<std::int64_t> host_ids_;
};

// Before migration 033 every host the change locked called host_list() (its body parsed and
// planned again in every statement) and every row it wrote called ipv4_hosts_only() from the
// CHECK: both ran once per row. Now only a written round robin calls the CHECK's function.
TEST_F(HostFunctionsTest, TheChangePathCallsTheHostFunctionsOnlyForARoundRobin) {
    const auto database = *scalar("SELECT current_database()");
    ASSERT_TRUE(
        db_->lease()->try_exec("ALTER DATABASE " + database + " SET track_functions = 'all'"));
    {
        Database db(conninfo_, 1);  // one backend, which reports its counts when it exits
        PgStore store(db);
        const auto t = at_micros(1'700'000'000'000'000);
        for (int round = 0; round < 3; ++round) {
            auto change = store.begin_change(host_ids_);
            ASSERT_EQ(change->locked().size(), 3U);
            for (auto id : host_ids_)
                change->record_applied(id, IpAddress::parse("192.0.2." + std::to_string(round + 1)),
                                       std::nullopt, t);
            change->commit();
        }
        ASSERT_TRUE(store.load_principal("alice", ""));
        auto change = store.begin_change({host_ids_[0]});
        change->record_applied(host_ids_[0], IpAddress::parse("192.0.2.7"), std::nullopt, t);
        change->record_extra_ipv4(host_ids_[0], {*IpAddress::parse("192.0.2.8")});
        change->commit();
    }
    // The round robin's one row is the control: it shows the backend's counts have arrived.
    ASSERT_TRUE(ddns::test::wait_until([&] { return calls("ipv4_hosts_only") > 0; },
                                       std::chrono::seconds(15)));
    EXPECT_EQ(calls("ipv4_hosts_only"), 1);
    EXPECT_EQ(calls("host_list"), 0);
    EXPECT_EQ(scalar("SELECT host_list(extra_ipv4) FROM hosts WHERE id = " +
                     std::to_string(host_ids_[0])),
              "192.0.2.8");
}

// host() of each element, in order, NULLs left out, '' for none: what migration 012's
// string_agg() gave, for any inet[] (not only the host addresses extra_ipv4 holds).
TEST_F(HostFunctionsTest, HostListIsHostOfEachElement) {
    for (const char* array :
         {"'{}'", "'{192.0.2.1}'", "'{192.0.2.1,198.51.100.0/24,NULL,2001:db8::1}'",
          "'{2001:db8::/64,::ffff:192.0.2.1,10.0.0.1/8}'", "'{NULL}'"}) {
        const std::string a = std::string(array) + "::inet[]";
        EXPECT_EQ(scalar("SELECT host_list(" + a + ")"),
                  scalar("SELECT coalesce(string_agg(host(e), ' ' ORDER BY i), '') FROM unnest(" +
                         a + ") WITH ORDINALITY AS t(e, i)"))
            << array;
    }
    EXPECT_FALSE(scalar("SELECT host_list(NULL)"));
}

// What the CHECK on extra_ipv4 accepts: one-dimensional, IPv4 host addresses only, no NULL,
// at most 9, never without ipv4 (the cases pg_store_test does not try).
TEST_F(HostFunctionsTest, TheRoundRobinCheckAcceptsWhatItDid) {
    auto conn = db_->lease();
    const std::string where = " WHERE id = " + std::to_string(host_ids_[0]);
    ASSERT_TRUE(conn->try_exec("UPDATE hosts SET ipv4 = '192.0.2.1'" + where));
    const auto accepts = [&](const std::string& value) {
        return conn->try_exec("UPDATE hosts SET extra_ipv4 = " + value + where).has_value();
    };
    EXPECT_TRUE(accepts("'{}'"));
    EXPECT_TRUE(accepts("'{192.0.2.2,192.0.2.3}'"));
    EXPECT_FALSE(accepts("'{192.0.2.2,NULL}'"));
    EXPECT_FALSE(accepts("'{NULL}'"));
    EXPECT_FALSE(accepts("'{{192.0.2.2},{192.0.2.3}}'"));
    EXPECT_FALSE(accepts("'{192.0.2.2,::ffff:192.0.2.3}'"));
    EXPECT_FALSE(accepts("'{192.0.2.2/31}'"));
}

}  // namespace
}  // namespace ddns::sql::test
