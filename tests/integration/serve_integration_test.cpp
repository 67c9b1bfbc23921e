// The real binary's listeners and health endpoints: a second `serve` on a taken port stops with
// an error naming the address while the first keeps serving, a restart binds the same ports at
// once, and /readyz follows the database while /healthz does not. Each test has its own stack,
// since some stop its services.
#include <gtest/gtest.h>

#include <string>

#include "gateway_stack.hpp"

namespace ddns::test {
namespace {

GatewayStackOptions with_tls() {
    GatewayStackOptions options;
    options.tls = true;
    return options;
}

class ServeTest : public ::testing::Test {
protected:
    void TearDown() override {
        if (HasFailure()) std::cerr << stack_.logs();
    }
    // `ddns-gateway serve` with a configuration of its own, run until it exits (or 20 s pass).
    CommandResult serve_once(const std::string& config) {
        const auto path = dir_.path() / "second.conf";
        write_file(path, config);
        return run_command({gateway_binary(), "serve", "--config", path.string()},
                           std::chrono::seconds(20));
    }
    std::string base_config() const {
        return "database.url = " + stack_.conninfo() + "\nlog.level = debug\n";
    }

    GatewayStack stack_{with_tls()};
    TempDir dir_{"ddns-serve-test"};
};

TEST_F(ServeTest, ASecondGatewayOnATakenHttpPortStopsAndTheFirstKeepsServing) {
    const std::string address = "127.0.0.1:" + std::to_string(stack_.http_port());
    const auto second = serve_once(base_config() + "http.listen = " + address + "\n");
    EXPECT_EQ(second.exit_code, 1) << second.output;
    EXPECT_NE(second.output.find("ddns-gateway: cannot listen on http://" + address + ": "),
              std::string::npos)
        << second.output;
    EXPECT_EQ(stack_.get("/healthz").body, "ok\n");
}

TEST_F(ServeTest, ASecondGatewayOnATakenHttpsPortStopsAndTheFirstKeepsServing) {
    const std::string address = "127.0.0.1:" + std::to_string(stack_.https_port());
    const auto second =
        serve_once(base_config() + "http.listen = 127.0.0.1:" + std::to_string(free_port()) +
                   "\nhttps.listen = " + address +
                   "\ntls.certificate = " + stack_.tls_files().certificate.string() +
                   "\ntls.private_key = " + stack_.tls_files().private_key.string() + "\n");
    EXPECT_EQ(second.exit_code, 1) << second.output;
    EXPECT_NE(second.output.find("ddns-gateway: cannot listen on https://" + address + ": "),
              std::string::npos)
        << second.output;
    const auto reply = stack_.https_get("/healthz");
    EXPECT_EQ(reply.body, "ok\n") << reply.error;
}

TEST_F(ServeTest, ARestartRightAfterStopBindsTheSamePorts) {
    // Answered exchanges leave the gateway's ends in TIME_WAIT on its listening ports.
    ASSERT_EQ(stack_.get("/healthz").status, 200);
    ASSERT_EQ(stack_.https_get("/healthz").status, 200);
    stack_.stop_gateway();
    stack_.start_gateway();  // throws, with the gateway's log, when it cannot bind
    EXPECT_EQ(stack_.get("/healthz").body, "ok\n");
    const auto reply = stack_.https_get("/readyz");
    EXPECT_EQ(reply.body, "ready\n") << reply.error;
}

TEST_F(ServeTest, ReadyzFollowsTheDatabaseAndHealthzDoesNot) {
    const auto ready = stack_.get("/readyz");
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.body, "ready\n");

    stack_.postgres().stop();
    const auto down = stack_.get("/readyz");
    EXPECT_EQ(down.status, 503);
    EXPECT_EQ(down.body, "database unavailable\n");
    EXPECT_EQ(stack_.get("/healthz").body, "ok\n");  // alive: restarting it would not help

    stack_.postgres().start_again();
    const auto again = stack_.get("/readyz");
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(again.body, "ready\n");
}

}  // namespace
}  // namespace ddns::test
