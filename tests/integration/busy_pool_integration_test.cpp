// A gateway with two workers and a queue of one, against the real binary: when most workers are
// busy, responses end their connection instead of keeping it idle on a worker, and a connection
// that finds the workers and the queue full gets 503 with Retry-After, not a silent close.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "raw_connection.hpp"
#include "stack_environment.hpp"

namespace ddns::test {
namespace {

using namespace std::chrono_literals;

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config = "http.threads = 2\nhttp.max_queued = 1\n";
    return o;
}()));

// A request whose body never comes: its worker waits in the body read.
constexpr const char* kStuck = "POST /healthz HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\n";
constexpr const char* kHealth = "GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n";

class BusyPool : public StackTest {};

bool says_close(const std::string& response) {
    return response.find("\r\nConnection: close\r\n") != std::string::npos ||
           response.find("\r\nConnection: Close\r\n") != std::string::npos;
}

TEST_F(BusyPool, ResponsesSayCloseOnlyWhenMostWorkersAreBusy) {
    {
        Connection calm(stack().http_port());
        calm.send(kHealth);
        const auto got = calm.read(5s, "\r\n\r\nok\n");
        EXPECT_EQ(got.rfind("HTTP/1.1 200 ", 0), 0U) << got;
        EXPECT_FALSE(says_close(got)) << got;
    }
    std::this_thread::sleep_for(200ms);
    Connection stuck(stack().http_port());
    stuck.send(kStuck);
    std::this_thread::sleep_for(300ms);
    Connection busy(stack().http_port());
    busy.send(kHealth);
    const auto got = busy.read(5s, "\r\n\r\nok\n");
    EXPECT_EQ(got.rfind("HTTP/1.1 200 ", 0), 0U) << got;
    EXPECT_TRUE(says_close(got)) << got;
}

// Two workers and a queue of one hold three stuck requests; more get 503 at once. Which ones
// depends on how fast the workers pick theirs up, so every connection is either still waiting
// or got 503 with Retry-After: none is closed without an answer.
TEST_F(BusyPool, AFullQueueAnswers503WithRetryAfter) {
    std::vector<std::unique_ptr<Connection>> stuck;
    for (int i = 0; i < 5; ++i) {
        stuck.push_back(std::make_unique<Connection>(stack().http_port()));
        stuck.back()->send(kStuck);
        std::this_thread::sleep_for(200ms);
    }
    int refused = 0;
    for (auto& c : stuck) {
        const auto got = c->read(300ms);
        if (got.empty()) {
            EXPECT_FALSE(c->closed()) << "closed without an answer";
            continue;
        }
        EXPECT_EQ(got.rfind("HTTP/1.1 503 ", 0), 0U) << got;
        EXPECT_NE(got.find("\r\nRetry-After: 1\r\n"), std::string::npos) << got;
        EXPECT_TRUE(c->closed());
        ++refused;
    }
    EXPECT_GE(refused, 1);
    EXPECT_LE(refused, 3);
}

}  // namespace
}  // namespace ddns::test
