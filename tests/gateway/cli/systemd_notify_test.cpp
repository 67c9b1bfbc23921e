// The sd_notify protocol against a fake NOTIFY_SOCKET: a unix datagram socket the test binds
// (a path, and an abstract name), the environment it is read from, and the watchdog thread.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "ddns/gateway/cli/systemd_notify.hpp"
#include "fake_notify_socket.hpp"

namespace ddns::gateway {
namespace {

using test::FakeNotifySocket;

std::string unique_name(const char* kind) {
    return std::string(kind) + "ddns-notify-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

TEST(SystemdNotify, OneDatagramToAPathSocket) {
    FakeNotifySocket socket((std::filesystem::temp_directory_path() / unique_name("")).string());
    const auto notifier = SystemdNotifier::from_environment({{"NOTIFY_SOCKET", socket.name()}});
    ASSERT_TRUE(notifier.enabled());
    EXPECT_TRUE(notifier.notify("READY=1\nSTATUS=serving"));
    EXPECT_EQ(socket.receive(), "READY=1\nSTATUS=serving");
}

TEST(SystemdNotify, AbstractSocketName) {
    FakeNotifySocket socket(unique_name("@"));
    const auto notifier = SystemdNotifier::from_environment({{"NOTIFY_SOCKET", socket.name()}});
    EXPECT_TRUE(notifier.notify("STOPPING=1"));
    EXPECT_EQ(socket.receive(), "STOPPING=1");
}

TEST(SystemdNotify, NothingWithoutOrWithABadSocket) {
    EXPECT_FALSE(SystemdNotifier::from_environment({}).enabled());
    EXPECT_FALSE(SystemdNotifier::from_environment({}).notify("READY=1"));
    EXPECT_FALSE(SystemdNotifier::from_environment({{"NOTIFY_SOCKET", "relative"}}).enabled());
    // Nobody listens there: the send fails, nothing else happens.
    const auto nobody = SystemdNotifier::from_environment(
        {{"NOTIFY_SOCKET", (std::filesystem::temp_directory_path() / unique_name("")).string()}});
    EXPECT_FALSE(nobody.notify("READY=1"));
}

TEST(SystemdNotify, WatchdogPeriodIsHalfTheIntervalForThisProcessOnly) {
    const std::string me = std::to_string(::getpid());
    const auto ours = SystemdNotifier::from_environment(
        {{"NOTIFY_SOCKET", "@x"}, {"WATCHDOG_USEC", "3000000"}, {"WATCHDOG_PID", me}});
    ASSERT_TRUE(ours.watchdog_period());
    EXPECT_EQ(*ours.watchdog_period(), std::chrono::microseconds(1500000));
    EXPECT_TRUE(SystemdNotifier::from_environment({{"NOTIFY_SOCKET", "@x"}, {"WATCHDOG_USEC", "2"}})
                    .watchdog_period());
    EXPECT_FALSE(SystemdNotifier::from_environment(
                     {{"NOTIFY_SOCKET", "@x"}, {"WATCHDOG_USEC", "3000000"}, {"WATCHDOG_PID", "1"}})
                     .watchdog_period());
    EXPECT_FALSE(
        SystemdNotifier::from_environment({{"NOTIFY_SOCKET", "@x"}, {"WATCHDOG_USEC", "x"}})
            .watchdog_period());
    EXPECT_FALSE(
        SystemdNotifier::from_environment({{"WATCHDOG_USEC", "3000000"}}).watchdog_period());
}

TEST(SystemdNotify, WatchdogPingsWhileHealthyOnly) {
    FakeNotifySocket socket(unique_name("@"));
    const SystemdNotifier notifier(socket.name(), std::chrono::milliseconds(40));
    std::atomic<bool> healthy{true};
    {
        WatchdogPinger pinger(notifier, *notifier.watchdog_period(),
                              [&] { return healthy.load(); });
        EXPECT_EQ(socket.receive(), "WATCHDOG=1");
        EXPECT_EQ(socket.receive(), "WATCHDOG=1");
        healthy = false;
        // At most one ping was already on its way when health changed; then silence.
        socket.receive(std::chrono::milliseconds(100));
        EXPECT_EQ(socket.receive(std::chrono::milliseconds(200)), "");
    }
}

}  // namespace
}  // namespace ddns::gateway
