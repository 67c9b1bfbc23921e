// The update log's merge windows end to end (audit.merge_window_ms, here a minute so that only
// a change, a fault or the shutdown closes a window): identical no-change answers through the
// real gateway become one update_log row with their exact count, a change splits them, and
// stopping the gateway writes the open windows.
#include <gtest/gtest.h>

#include <string>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "window pass 7c2e";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config = "audit.merge_window_ms = 60000\n";
    return o;
}()));

class AuditWindow : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    std::string update(const std::string& address) {
        return stack()
            .get("/nic/update?hostname=" + host + "&myip=" + address, std::pair{user, kPassword})
            .body;
    }
    // The host's rows, oldest first: "outcome xREPEATS" each, and whether first_logged_at is set
    // exactly on the merged ones.
    std::string rows() {
        return stack().sql(
            "select coalesce(string_agg(outcome || ' x' || repeats || "
            "case when (repeats > 1) = (first_logged_at is not null) "
            "and (first_logged_at is null or first_logged_at <= logged_at) then '' else ' bad' "
            "end, "
            "', ' order by logged_at, id), '') from update_log where hostname = '" +
            host + "'");
    }
    std::string user;
    std::string host;
};

TEST_F(AuditWindow, RepeatsAreOneRowWithTheirCountAndAChangeSplitsThem) {
    ASSERT_EQ(update("192.0.2.70"), "good 192.0.2.70");
    for (int i = 0; i < 12; ++i) ASSERT_EQ(update("192.0.2.70"), "nochg 192.0.2.70");
    // The change closes the window of the twelve first (it is written before the change).
    ASSERT_EQ(update("192.0.2.71"), "good 192.0.2.71");
    for (int i = 0; i < 5; ++i) ASSERT_EQ(update("192.0.2.71"), "nochg 192.0.2.71");
    // A wrong password naming the host is a fault: it closes the window of the five.
    ASSERT_EQ(stack()
                  .get("/nic/update?hostname=" + host + "&myip=192.0.2.71",
                       std::pair{user, std::string("wrong")})
                  .status,
              401);
    const std::string want = "good x1, nochg x12, good x1, nochg x5, badauth x1";
    EXPECT_TRUE(wait_until([&] { return rows() == want; }, std::chrono::seconds(20)))
        << rows() << "\n"
        << stack().gateway_log();
}

TEST_F(AuditWindow, StoppingTheGatewayWritesTheOpenWindows) {
    ASSERT_EQ(update("192.0.2.80"), "good 192.0.2.80");
    for (int i = 0; i < 7; ++i) ASSERT_EQ(update("192.0.2.80"), "nochg 192.0.2.80");
    ASSERT_TRUE(wait_until([&] { return rows() == "good x1"; })) << rows();
    stack().stop_gateway();
    const std::string after_stop = rows();
    stack().start_gateway();
    EXPECT_EQ(after_stop, "good x1, nochg x7");
    // The restarted gateway answers, and its first no-change answer opens a new window.
    ASSERT_EQ(update("192.0.2.80"), "nochg 192.0.2.80");
    stack().stop_gateway();
    const std::string after_second_stop = rows();
    stack().start_gateway();
    EXPECT_EQ(after_second_stop, "good x1, nochg x7, nochg x1");
}

}  // namespace
}  // namespace ddns::test
