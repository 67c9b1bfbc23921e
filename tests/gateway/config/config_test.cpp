// Configuration parsing: every key, defaults, and clear errors that never echo the database URL.
#include <gtest/gtest.h>

#include "ddns/gateway/config/config.hpp"

namespace ddns::gateway {
namespace {

TEST(Config, DefaultsNeedOnlyTheDatabase) {
    const auto c = parse_config("database.url = postgresql://u@127.0.0.1/db\n");
    ASSERT_TRUE(c) << c.error();
    ASSERT_EQ(c->http.listen.size(), 1u);
    EXPECT_EQ(c->http.listen[0].to_string(), "127.0.0.1:8080");
    EXPECT_TRUE(c->proxy.trusted.empty());
    EXPECT_TRUE(c->dyndns2.require_user_agent);
    EXPECT_EQ(c->sweep.interval, std::chrono::seconds(30));
    EXPECT_EQ(c->sweep.batch_size, 500u);
    EXPECT_EQ(c->reconcile.interval, std::chrono::seconds(300));
    EXPECT_EQ(c->reconcile.in_doubt_poll, std::chrono::seconds(5));
    EXPECT_EQ(c->reconcile.max_repairs, 1000u);
}

TEST(Config, ParsesEveryKey) {
    const auto c = parse_config(R"(# comment
; another comment
database.url = "host=127.0.0.1 dbname=ddns"
database.pool_size = 4
http.listen = 127.0.0.1:8080, [::1]:8081 ,0.0.0.0:1400
http.threads = 48
http.max_queued = 100
http.keepalive_timeout = 5
http.max_keepalive_requests = 0
http.realm = dyn
proxy.trusted = 10.0.0.0/8, ::1
proxy.header = x-forwarded-for
address.allow = 192.168.0.0/16
dyndns2.require_user_agent = no
dyndns2.agent_denylist = BadBot, evil
dns.timeout_ms = 500
dns.attempts = 3
auth.argon2_opslimit = 3
auth.argon2_memlimit_kib = 1024
auth.cache_ttl = 0
log.level = debug
sweep.interval = 0
sweep.batch_size = 7
reconcile.interval = 0
reconcile.in_doubt_poll = 2
reconcile.max_repairs = 50
)");
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->database.url, "host=127.0.0.1 dbname=ddns");
    EXPECT_EQ(c->database.pool_size, 4u);
    ASSERT_EQ(c->http.listen.size(), 3u);
    EXPECT_EQ(c->http.listen[1].to_string(), "[::1]:8081");
    EXPECT_EQ(c->http.listen[2].port, 1400);
    EXPECT_EQ(c->http.threads, 48u);
    EXPECT_EQ(c->http.max_queued, 100u);
    EXPECT_EQ(c->http.keepalive_timeout, std::chrono::seconds(5));
    EXPECT_EQ(c->http.max_keepalive_requests, 0u);
    EXPECT_EQ(c->http.realm, "dyn");
    EXPECT_TRUE(c->proxy.trusted.contains(*IpAddress::parse("10.1.2.3")));
    EXPECT_TRUE(c->proxy.trusted.contains(*IpAddress::parse("::1")));
    EXPECT_EQ(c->proxy.header, ProxyHeader::XForwardedFor);
    ASSERT_EQ(c->address.allow.size(), 1u);
    EXPECT_FALSE(c->dyndns2.require_user_agent);
    EXPECT_EQ(c->dyndns2.agent_denylist, (std::vector<std::string>{"BadBot", "evil"}));
    EXPECT_EQ(c->dns.timeout_ms, std::chrono::milliseconds(500));
    EXPECT_EQ(c->dns.attempts, 3);
    EXPECT_EQ(c->auth.argon2_opslimit, 3u);
    EXPECT_EQ(c->auth.argon2_memlimit_kib, 1024u);
    EXPECT_EQ(c->auth.cache_ttl, std::chrono::seconds(0));
    EXPECT_EQ(c->argon2_params().opslimit, 3u);
    EXPECT_EQ(c->argon2_params().memlimit, 1024u * 1024u) << "KiB become bytes";
    EXPECT_EQ(c->dns_client_options().timeout, std::chrono::milliseconds(500));
    EXPECT_EQ(c->dns_client_options().udp_attempts, 3);
    EXPECT_EQ(c->log.level, LogLevel::Debug);
    EXPECT_EQ(c->sweep.interval, std::chrono::seconds(0));
    EXPECT_EQ(c->sweep.batch_size, 7u);
    EXPECT_EQ(c->reconcile.interval, std::chrono::seconds(0));
    EXPECT_EQ(c->reconcile.in_doubt_poll, std::chrono::seconds(2));
    EXPECT_EQ(c->reconcile.max_repairs, 50u);
}

struct BadCase {
    const char* text;
    const char* expected_fragment;
};

class ConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, AreReportedClearly) {
    const auto c = parse_config(GetParam().text);
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().find(GetParam().expected_fragment), std::string::npos) << c.error();
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigErrors,
    ::testing::Values(
        BadCase{"", "database.url is required"},
        BadCase{"database.url = x\nnonsense\n", "line 2: expected `key = value`"},
        BadCase{"database.url = x\nhttp.lisen = 1.2.3.4:1\n", "unknown key `http.lisen`"},
        BadCase{"database.url = x\ndatabase.url = y\n", "set twice"},
        BadCase{"database.url = x\nhttp.listen = localhost:80\n", "http.listen"},
        BadCase{"database.url = x\nhttp.listen = 127.0.0.1:0\n", "http.listen"},
        BadCase{"database.url = x\nhttp.listen = 127.0.0.1:70000\n", "http.listen"},
        BadCase{"database.url = x\nhttp.listen =\n", "no address"},
        BadCase{"database.url = x\nproxy.trusted = 10.0.0.0/33\n", "proxy.trusted"},
        BadCase{"database.url = x\ndns.timeout_ms = fast\n", "dns.timeout_ms"},
        BadCase{"database.url = x\nproxy.header = x-real-ip\n", "proxy.header"},
        BadCase{"database.url = x\nlog.level = loud\n", "log.level"},
        BadCase{"database.url = x\nhttp.realm = a\"b\n", "http.realm"},
        // Found by the config_file fuzzer: a CR split the WWW-Authenticate header.
        BadCase{"database.url = x\nhttp.realm = a\rSet-Cookie: x\n", "http.realm"},
        BadCase{"database.url = x\nhttp.realm = a\\\n", "http.realm"},
        BadCase{"database.url = x\nsweep.interval = -1\n", "sweep.interval"},
        BadCase{"database.url = x\nsweep.batch_size = 0\n", "sweep.batch_size"},
        BadCase{"database.url = x\nreconcile.in_doubt_poll = 0\n", "reconcile.in_doubt_poll"},
        BadCase{"database.url = x\nreconcile.max_repairs = 0\n", "reconcile.max_repairs"},
        BadCase{"database.url =\n", "database.url must not be empty"}));

TEST(Config, SharedThrottleKeys) {
    const auto defaults = parse_config("database.url = x\n");
    ASSERT_TRUE(defaults) << defaults.error();
    EXPECT_TRUE(defaults->auth.shared_throttle);
    EXPECT_EQ(defaults->auth.throttle_sync_interval, std::chrono::seconds(2));
    const auto c = parse_config(
        "database.url = x\nauth.shared_throttle = false\nauth.throttle_sync_interval = 5\n");
    ASSERT_TRUE(c) << c.error();
    EXPECT_FALSE(c->auth.shared_throttle);
    EXPECT_EQ(c->auth.throttle_sync_interval, std::chrono::seconds(5));
    EXPECT_FALSE(parse_config("database.url = x\nauth.throttle_sync_interval = 0\n"));
    EXPECT_FALSE(parse_config("database.url = x\nauth.throttle_sync_interval = 61\n"));
    EXPECT_FALSE(parse_config("database.url = x\nauth.shared_throttle = maybe\n"));
}

TEST(Config, LockoutKeysBecomeThrottleOptions) {
    const auto defaults = parse_config("database.url = x\n");
    ASSERT_TRUE(defaults) << defaults.error();
    const auto d = defaults->throttle_options();
    EXPECT_EQ(d.address_failures, 5u);
    EXPECT_EQ(d.address_initial, std::chrono::seconds(1));
    EXPECT_EQ(d.address_max, std::chrono::seconds(900));
    EXPECT_EQ(d.account_failures, 20u);
    EXPECT_EQ(d.account_lock, std::chrono::seconds(60));
    EXPECT_EQ(d.network_failures, 50u);
    EXPECT_EQ(d.network_initial, std::chrono::seconds(1));
    EXPECT_EQ(d.network_max, std::chrono::seconds(300));

    const auto c = parse_config(R"(database.url = x
auth.lockout_failures = 3
auth.lockout_initial = 2
auth.lockout_max = 120
auth.account_lockout_failures = 0
auth.account_lockout = 30
auth.address_lockout_failures = 0
auth.address_lockout_initial = 5
auth.address_lockout_max = 10
)");
    ASSERT_TRUE(c) << c.error();
    const auto o = c->throttle_options();
    EXPECT_EQ(o.address_failures, 3u);
    EXPECT_EQ(o.address_initial, std::chrono::seconds(2));
    EXPECT_EQ(o.address_max, std::chrono::seconds(120));
    EXPECT_EQ(o.account_failures, 0u) << "0 turns account locks off";
    EXPECT_EQ(o.account_lock, std::chrono::seconds(30));
    EXPECT_EQ(o.network_failures, 0u) << "0 turns address-wide locks off";
    EXPECT_EQ(o.network_initial, std::chrono::seconds(5));
    EXPECT_EQ(o.network_max, std::chrono::seconds(10));
}

INSTANTIATE_TEST_SUITE_P(
    Lockout, ConfigErrors,
    ::testing::Values(
        BadCase{"database.url = x\nauth.lockout_failures = -1\n", "auth.lockout_failures"},
        BadCase{"database.url = x\nauth.lockout_initial = 0\n", "auth.lockout_initial"},
        BadCase{"database.url = x\nauth.lockout_max = 1d\n", "auth.lockout_max"},
        BadCase{"database.url = x\nauth.account_lockout = 3601\n", "auth.account_lockout"},
        BadCase{"database.url = x\nauth.lockout_initial = 60\nauth.lockout_max = 30\n",
                "auth.lockout_max must not be below auth.lockout_initial"},
        BadCase{"database.url = x\nauth.address_lockout_failures = many\n",
                "auth.address_lockout_failures"},
        BadCase{"database.url = x\nauth.address_lockout_max = 3601\n", "auth.address_lockout_max"},
        BadCase{"database.url = x\nauth.address_lockout_initial = 20\n"
                "auth.address_lockout_max = 10\n",
                "auth.address_lockout_max must not be below auth.address_lockout_initial"}));

TEST(Config, HttpsListenersTakeTheSameListFormAsHttp) {
    const auto c = parse_config(R"(database.url = x
http.listen = 0.0.0.0:80, 0.0.0.0:8080, 0.0.0.0:1400
https.listen = 0.0.0.0:443, [::]:443
tls.certificate = /etc/ddns-gateway/tls/fullchain.pem
tls.private_key = "/etc/ddns-gateway/tls/key.pem"
)");
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->http.listen.size(), 3u);
    ASSERT_EQ(c->https.listen.size(), 2u);
    EXPECT_EQ(c->https.listen[0].to_string(), "0.0.0.0:443");
    EXPECT_EQ(c->https.listen[1].to_string(), "[::]:443");
    EXPECT_EQ(c->tls.certificate, "/etc/ddns-gateway/tls/fullchain.pem");
    EXPECT_EQ(c->tls.private_key, "/etc/ddns-gateway/tls/key.pem");
}

TEST(Config, HttpsIsOffByDefault) {
    const auto c = parse_config("database.url = x\n");
    ASSERT_TRUE(c) << c.error();
    EXPECT_TRUE(c->https.listen.empty());
    EXPECT_TRUE(c->tls.certificate.empty());
    EXPECT_TRUE(c->tls.private_key.empty());
}

TEST(Config, HttpsOnlyIsAllowed) {
    const auto c = parse_config(
        "database.url = x\nhttp.listen =\nhttps.listen = 127.0.0.1:8443\n"
        "tls.certificate = c.pem\ntls.private_key = k.pem\n");
    ASSERT_TRUE(c) << c.error();
    EXPECT_TRUE(c->http.listen.empty());
    EXPECT_EQ(c->https.listen.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Tls, ConfigErrors,
    ::testing::Values(
        BadCase{"database.url = x\nhttps.listen = 127.0.0.1:8443\n",
                "https.listen needs both tls.certificate and tls.private_key"},
        BadCase{"database.url = x\nhttps.listen = 127.0.0.1:8443\ntls.certificate = c.pem\n",
                "https.listen needs both tls.certificate and tls.private_key"},
        BadCase{"database.url = x\nhttps.listen = 127.0.0.1:8443\ntls.private_key = k.pem\n",
                "https.listen needs both tls.certificate and tls.private_key"},
        BadCase{"database.url = x\ntls.certificate = c.pem\ntls.private_key = k.pem\n",
                "set but https.listen is not"},
        BadCase{"database.url = x\ntls.certificate =\n", "invalid value for `tls.certificate`"},
        BadCase{"database.url = x\ntls.private_key = \"\"\n",
                "invalid value for `tls.private_key`"},
        BadCase{"database.url = x\nhttps.listen = localhost:443\n", "https.listen"},
        BadCase{"database.url = x\nhttps.listen = 127.0.0.1:0\n", "https.listen"},
        BadCase{"database.url = x\nhttp.listen =\nhttps.listen =\n", "lists no address"},
        BadCase{"database.url = x\nhttp.listen = 127.0.0.1:8080, 127.0.0.1:8080\n",
                "127.0.0.1:8080 is listed twice"},
        BadCase{"database.url = x\nhttp.listen = 127.0.0.1:8443\nhttps.listen = 127.0.0.1:8443\n"
                "tls.certificate = c.pem\ntls.private_key = k.pem\n",
                "127.0.0.1:8443 is listed twice"}));

TEST(Config, AuditKeysTakeDurations) {
    const auto defaults = parse_config("database.url = x\n");
    ASSERT_TRUE(defaults) << defaults.error();
    EXPECT_EQ(defaults->audit.retention, std::chrono::hours(24 * 30));
    EXPECT_EQ(defaults->audit.prune_interval, std::chrono::hours(1));
    EXPECT_EQ(defaults->audit.queue_size, 10000u);

    const auto c = parse_config(
        "database.url = x\naudit.retention = 7d\naudit.prune_interval = 90\n"
        "audit.queue_size = 50\n");
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->audit.retention, std::chrono::hours(24 * 7));
    EXPECT_EQ(c->audit.prune_interval, std::chrono::seconds(90));
    EXPECT_EQ(c->audit.queue_size, 50u);

    const auto keep = parse_config("database.url = x\naudit.retention = 0\n");
    ASSERT_TRUE(keep) << keep.error();
    EXPECT_EQ(keep->audit.retention, std::chrono::seconds(0)) << "0 keeps the log forever";
}

INSTANTIATE_TEST_SUITE_P(
    Audit, ConfigErrors,
    ::testing::Values(BadCase{"database.url = x\naudit.retention = 30 days\n", "audit.retention"},
                      BadCase{"database.url = x\naudit.retention = -1d\n", "audit.retention"},
                      BadCase{"database.url = x\naudit.prune_interval = 0\n",
                              "audit.prune_interval"},
                      BadCase{"database.url = x\naudit.queue_size = 0\n", "audit.queue_size"}));

TEST(Config, ErrorsNeverEchoTheDatabaseUrl) {
    const auto c = parse_config("database.url = postgresql://u:s3cret@h/db\nbogus = 1\n");
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace ddns::gateway
