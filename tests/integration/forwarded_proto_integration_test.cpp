// HTTPS ended at a trusted reverse proxy is recorded as HTTPS: the scheme the proxy reports in
// X-Forwarded-Proto or Forwarded: proto= is read from proxy.trusted peers only, and the update
// log (the source of truth for "over TLS") shows it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";
constexpr const char* kProxy = "127.0.0.2";  // trusted
constexpr const char* kOther = "127.0.0.3";  // not trusted

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config = std::string("proxy.trusted = ") + kProxy + "/32\n";
    return o;
}()));

class ForwardedProto : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    // An update of the host to `address` sent from `source` with `headers`.
    void update(const std::string& address, const std::string& source,
                std::vector<std::string> headers) {
        headers.push_back("User-Agent: ddns-test/1.0");
        const auto reply = stack().get("/nic/update?hostname=" + host + "&myip=" + address,
                                       std::pair{user, std::string(kPassword)}, headers, source);
        ASSERT_EQ(reply.body, "good " + address) << reply.raw;
    }
    // update_log's tls column of this host's rows, once the background writer wrote them.
    std::string logged_tls() {
        std::string out;
        wait_until([&] {
            out = stack().sql(
                "select string_agg(tls::text, ',' order by id) from update_log "
                "where hostname = '" +
                host + "'");
            return !out.empty();
        });
        return out;
    }
    std::string user;
    std::string host;
};

TEST_F(ForwardedProto, XForwardedProtoFromATrustedProxyIsRecordedAsTls) {
    update("203.0.113.41", kProxy, {"X-Forwarded-For: 198.51.100.41", "X-Forwarded-Proto: https"});
    EXPECT_EQ(logged_tls(), "true");
}

TEST_F(ForwardedProto, ForwardedProtoFromATrustedProxyIsRecordedAsTls) {
    update("203.0.113.42", kProxy, {"Forwarded: for=198.51.100.42;proto=https"});
    EXPECT_EQ(logged_tls(), "true");
}

TEST_F(ForwardedProto, AProxyThatSaysHttpIsRecordedAsPlain) {
    update("203.0.113.43", kProxy, {"X-Forwarded-For: 198.51.100.43", "X-Forwarded-Proto: http"});
    EXPECT_EQ(logged_tls(), "false");
}

TEST_F(ForwardedProto, AnUntrustedClientCannotClaimHttps) {
    update("203.0.113.44", kOther, {"X-Forwarded-Proto: https", "Forwarded: proto=https"});
    EXPECT_EQ(logged_tls(), "false");
}

}  // namespace
}  // namespace ddns::test
