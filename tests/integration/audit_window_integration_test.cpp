// The update log's merge windows end to end (audit.merge_window_ms, here a minute so that only
// a change, a fault or the shutdown closes a window): identical no-change answers through the
// real gateway become one update_log row with their exact count, a change splits them, and
// stopping the gateway writes the open windows.
#include <gtest/gtest.h>

#include <string>

#include "api_client.hpp"
#include "stack_environment.hpp"
#include "web_client.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "window pass 7c2e";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config =
        "audit.merge_window_ms = 60000\n"
        "web.enabled = true\nweb.base_url = http://gw.example.test\n";
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

// The account's own views of the host (the JSON API's history and the host page) say how many
// requests a merged row stands for and when the first came.
TEST_F(AuditWindow, TheHostHistoryShowsTheCountOfAMergedRow) {
    ASSERT_EQ(update("192.0.2.90"), "good 192.0.2.90");
    for (int i = 0; i < 4; ++i) ASSERT_EQ(update("192.0.2.90"), "nochg 192.0.2.90");
    ASSERT_EQ(update("192.0.2.91"), "good 192.0.2.91");  // closes the window of the four
    ASSERT_TRUE(wait_until([&] { return rows() == "good x1, nochg x4, good x1"; })) << rows();
    const auto login =
        api_call(stack(), "127.0.0.1", "POST", "login",
                 R"({"username":")" + user + R"(","password":")" + kPassword + "\"}");
    ASSERT_EQ(login.status, 201) << login.http.body;
    const auto r = api_call(stack(), "127.0.0.1", "GET", "hosts/" + host + "/history", {},
                            login.text("token"));
    ASSERT_EQ(r.status, 200) << r.http.body;
    const auto history = r.json->getArray("history");
    ASSERT_EQ(history->size(), 3u) << r.http.body;
    const auto merged = history->getObject(1);  // newest first
    EXPECT_EQ(merged->getValue<std::string>("answer"), "nochg");
    EXPECT_EQ(merged->getValue<std::int64_t>("repeats"), 4);
    EXPECT_LE(merged->getValue<std::string>("first_time"), merged->getValue<std::string>("time"));
    EXPECT_EQ(history->getObject(0)->getValue<std::int64_t>("repeats"), 1);
    EXPECT_EQ(history->getObject(0)->getValue<std::string>("first_time"),
              history->getObject(0)->getValue<std::string>("time"));

    WebClient page(stack());
    ASSERT_EQ(page.log_in(user, kPassword).status, 303);
    const std::string shown = page.get("/host?name=" + host).body;
    EXPECT_NE(shown.find("(4 requests since "), std::string::npos) << shown;
    EXPECT_EQ(shown.find("(1 requests"), std::string::npos) << shown;
}

}  // namespace
}  // namespace ddns::test
