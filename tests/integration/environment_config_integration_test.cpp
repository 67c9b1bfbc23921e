// Configuration from the environment, through the real binary: `check-config --print` without a
// file (the secret masked, every origin named), `serve` configured by DDNS_* variables alone with
// the database URL from a *_FILE secret, a variable overriding the file, and a typo refused.
#include <gtest/gtest.h>

#include <string>

#include "gateway_stack.hpp"

namespace ddns::test {
namespace {

class EnvironmentConfig : public ::testing::Test {
protected:
    static void SetUpTestSuite() { stack_ = new GatewayStack(); }
    static void TearDownTestSuite() {
        delete stack_;
        stack_ = nullptr;
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << stack_->logs();
    }
    // The conninfo in a file, as a container secret would hold it.
    std::string url_file() {
        const auto path = dir_.path() / "database-url";
        write_file(path, stack_->conninfo() + "\n");
        return path.string();
    }
    static GatewayStack* stack_;
    TempDir dir_{"ddns-env-test"};
};

GatewayStack* EnvironmentConfig::stack_ = nullptr;

TEST_F(EnvironmentConfig, CheckConfigPrintsWithoutAFileAndMasksTheSecret) {
    const std::string secret_url = "postgresql://ddns:env-s3cret@127.0.0.1:1/ddns";
    const auto path = dir_.path() / "url";
    write_file(path, secret_url + "\n");
    const auto result =
        run_command({gateway_binary(), "check-config", "--print"}, std::chrono::seconds(20), {},
                    {{"DDNS_DATABASE_URL_FILE", path.string()},
                     {"DDNS_HTTP_LISTEN", "127.0.0.1:18080, [::1]:18080"},
                     {"DDNS_LOG_FORMAT", "json"}});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(result.output.find("env-s3cret"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("database.url = ********"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("# environment DDNS_DATABASE_URL_FILE=" + path.string()),
              std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("http.listen = 127.0.0.1:18080, [::1]:18080"), std::string::npos)
        << result.output;
    EXPECT_NE(result.output.find("log.format = json"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("configuration OK: 2 listen address(es)"), std::string::npos)
        << result.output;
}

TEST_F(EnvironmentConfig, ServeFromTheEnvironmentAloneReachesTheDatabase) {
    const std::uint16_t port = free_port();
    ChildProcess gateway({gateway_binary(), "serve"}, dir_.path() / "env-gateway.log",
                         {{"DDNS_DATABASE_URL_FILE", url_file()},
                          {"DDNS_HTTP_LISTEN", "127.0.0.1:" + std::to_string(port)},
                          {"DDNS_SWEEP_INTERVAL", "0"},
                          {"DDNS_RECONCILE_INTERVAL", "0"}});
    ASSERT_TRUE(wait_until([&] { return tcp_port_open(port); })) << gateway.log();
    const auto ready =
        http_exchange(port, "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(ready.status, 200) << ready.raw << gateway.log();
    EXPECT_EQ(ready.body, "ready\n");
    EXPECT_EQ(gateway.log().find(stack_->conninfo()), std::string::npos);
    EXPECT_EQ(gateway.stop(), 0) << gateway.log();
}

TEST_F(EnvironmentConfig, AVariableOverridesTheFile) {
    const std::uint16_t port = free_port();
    // The stack's file names the stack's own port; the variable moves this gateway elsewhere.
    ChildProcess gateway({gateway_binary(), "serve", "--config", stack_->config_path().string()},
                         dir_.path() / "override-gateway.log",
                         {{"DDNS_HTTP_LISTEN", "127.0.0.1:" + std::to_string(port)},
                          {"DDNS_HTTPS_LISTEN", ""},
                          {"DDNS_METRICS_LISTEN", ""}});
    ASSERT_TRUE(wait_until([&] { return tcp_port_open(port); })) << gateway.log();
    EXPECT_EQ(
        http_exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").body,
        "ok\n");
    EXPECT_EQ(gateway.stop(), 0) << gateway.log();
}

TEST_F(EnvironmentConfig, ATypoInAVariableStopsTheStartNamingIt) {
    const auto result =
        run_command({gateway_binary(), "serve"}, std::chrono::seconds(20), {},
                    {{"DDNS_DATABASE_URL_FILE", url_file()}, {"DDNS_HTTP_LISTN", "127.0.0.1:1"}});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find("DDNS_HTTP_LISTN names no configuration key"), std::string::npos)
        << result.output;
}

}  // namespace
}  // namespace ddns::test
