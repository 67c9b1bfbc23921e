// Notices through the real binary: a host whose heartbeat is lost goes offline and comes back,
// and its subscribers hear it by mail (a real SMTP server) and by webhook (a loopback receiver
// that verifies the signature); a receiver that is down for a while gets the notice once it is
// back, under the same idempotency key; a flapping host gets one notice per period; bad
// credentials in a row, an address change (opt-in) and an expiring account are noticed; a
// webhook to loopback is refused unless the operator allows it, when made and when delivered.
#include <gtest/gtest.h>

#include <set>

#include "gateway_stack.hpp"
#include "smtp_server.hpp"
#include "test_support.hpp"
#include "web_client.hpp"
#include "webhook_receiver.hpp"

namespace ddns::test {
namespace {

const std::string kHost = "home.example.test";

std::string notice_config(const SmtpTestServer& smtp, const std::string& period,
                          bool allow_loopback = true) {
    return smtp.gateway_mail_config() +
           "notice.enabled = true\nnotice.interval = 1s\nnotice.period = " + period +
           "\nnotice.failing_after = 3\nnotice.retry_initial = 1s\nnotice.retry_max = 2s\n"
           "sweep.interval = 1\n" +
           (allow_loopback ? "notice.webhook_allow = 127.0.0.0/8\n" : "");
}

struct NoticeStack {
    SmtpTestServer smtp;
    WebhookReceiver receiver;
    std::unique_ptr<GatewayStack> stack;

    explicit NoticeStack(const std::string& period = "1h", int fail_first = 0,
                         bool allow_loopback = true, const std::string& extra = {})
        : receiver(fail_first) {
        GatewayStackOptions o;
        o.extra_config = notice_config(smtp, period, allow_loopback) + extra;
        stack = std::make_unique<GatewayStack>(o);
        EXPECT_EQ(stack
                      ->admin({"account", "add", "alice", "--email", "alice@example.test"},
                              "alice-password-1\n")
                      .exit_code,
                  0);
        stack->add_host(kHost, "alice");
    }

    // `admin notice add ARGS...`; with a webhook, hands the printed secret to the receiver.
    CommandResult subscribe(std::vector<std::string> args) {
        args.insert(args.begin(), {"notice", "add"});
        const auto r = stack->admin(args);
        const std::string marker = "X-DDNS-Signature with it): ";
        if (const auto pos = r.output.find(marker); pos != std::string::npos) {
            const auto start = pos + marker.size();
            receiver.set_secret(r.output.substr(start, r.output.find('\n', start) - start));
        }
        return r;
    }

    HttpReply update(const std::string& ip, const std::string& password = "alice-password-1") {
        return stack->get("/nic/update?hostname=" + kHost + "&myip=" + ip,
                          std::make_pair(std::string("alice"), password));
    }

    // A JSON API call with an API token.
    HttpReply api(const std::string& method, const std::string& path, const std::string& token,
                  const std::string& body = {}) {
        std::string request = method + " /api/v1/" + path +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                              "Authorization: Bearer " +
                              token + "\r\n";
        if (!body.empty())
            request +=
                "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n";
        return stack->raw(request + "\r\n" + body);
    }

    std::string logs() const { return stack->logs() + receiver.log() + smtp.log(); }
};

TEST(Notices, OfflineAndBackByMailAndSignedWebhook) {
    NoticeStack n;
    const auto sub = n.subscribe(
        {"--account", "alice", "--email", "alice@example.test", "--webhook", n.receiver.url()});
    ASSERT_EQ(sub.exit_code, 0) << sub.output;
    EXPECT_NE(sub.output.find("whsec_"), std::string::npos) << "the secret is shown once";
    ASSERT_EQ(n.stack->admin({"host", "heartbeat", kHost, "2s"}).exit_code, 0);
    ASSERT_NE(n.update("192.0.2.10").body.find("good"), std::string::npos);

    ASSERT_TRUE(wait_until([&] { return !n.receiver.accepted("host.offline").empty(); },
                           std::chrono::seconds(30)))
        << n.logs();
    const auto offline = n.receiver.accepted("host.offline").front();
    EXPECT_TRUE(offline.signature_ok);
    EXPECT_EQ(offline.content_type, "application/json");
    EXPECT_EQ(offline.field("host"), kHost);
    EXPECT_EQ(offline.field("account"), "alice");
    EXPECT_EQ(offline.field("reason"), "heartbeat");
    EXPECT_EQ(offline.field("id"), offline.key) << "the document names its idempotency key";
    const auto mail = n.smtp.wait_for("alice@example.test");
    ASSERT_TRUE(mail) << n.logs();
    EXPECT_NE(mail->header("Subject").value_or("").find(kHost + " is offline"), std::string::npos)
        << mail->header("Subject").value_or("");

    // The sweep's change reaches the principal cache by notification: until then its copy holds
    // the host online with this address and answers nochg, which changes nothing.
    std::string back;
    ASSERT_TRUE(wait_until([&] {
        back = n.update("192.0.2.10").body;
        return back.rfind("nochg", 0) != 0;
    }));
    ASSERT_NE(back.find("good"), std::string::npos) << back;
    ASSERT_TRUE(wait_until([&] { return !n.receiver.accepted("host.online").empty(); },
                           std::chrono::seconds(30)))
        << n.logs();
    EXPECT_TRUE(n.receiver.accepted("host.online").front().signature_ok);
    ASSERT_TRUE(wait_until([&] { return n.smtp.messages().size() >= 2; })) << n.logs();
    EXPECT_NE(n.smtp.messages()[1].header("Subject").value_or("").find("back online"),
              std::string::npos);
    // The secret is in no log.
    const auto secret_start = sub.output.find("whsec_");
    const std::string secret =
        sub.output.substr(secret_start, sub.output.find('\n', secret_start) - secret_start);
    EXPECT_EQ(n.stack->gateway_log().find(secret), std::string::npos);
    EXPECT_EQ(n.stack->admin({"notice", "list"}).output.find(secret), std::string::npos);
}

TEST(Notices, AReceiverDownForAWhileGetsTheNoticeOnceUnderOneKey) {
    NoticeStack n("1h", /*fail_first=*/1);
    ASSERT_EQ(n.subscribe({"--account", "alice", "--webhook", n.receiver.url()}).exit_code, 0);
    ASSERT_EQ(n.stack->admin({"host", "heartbeat", kHost, "2s"}).exit_code, 0);
    ASSERT_NE(n.update("192.0.2.11").body.find("good"), std::string::npos);
    // The first attempt is answered 503; then the receiver is down altogether.
    ASSERT_TRUE(
        wait_until([&] { return !n.receiver.requests().empty(); }, std::chrono::seconds(30)))
        << n.logs();
    n.receiver.stop();
    ASSERT_TRUE(wait_until(
        [&] {
            return n.stack->sql(
                       "SELECT attempts >= 2 AND state = 'pending' AND last_error IS NOT "
                       "NULL FROM webhook_outbox") == "t";
        },
        std::chrono::seconds(30)))
        << n.stack->sql("SELECT state, attempts, last_error FROM webhook_outbox") << n.logs();
    const auto queued = n.stack->admin({"notice", "queue"});
    EXPECT_NE(queued.output.find("pending"), std::string::npos) << queued.output;
    n.receiver.start();
    ASSERT_TRUE(wait_until([&] { return !n.receiver.accepted("host.offline").empty(); },
                           std::chrono::seconds(30)))
        << n.logs();
    ASSERT_TRUE(
        wait_until([&] { return n.stack->sql("SELECT state FROM webhook_outbox") == "sent"; }));
    const auto all = n.receiver.requests();
    ASSERT_GE(all.size(), 2u);
    EXPECT_EQ(all.front().status, 503);
    std::set<std::string> keys;
    for (const auto& r : all) keys.insert(r.key);
    EXPECT_EQ(keys.size(), 1u) << "every attempt carries the same idempotency key";
    EXPECT_EQ(*keys.begin(), n.stack->sql("SELECT idempotency_key FROM webhook_outbox"));
    EXPECT_EQ(n.receiver.accepted("host.offline").size(), 1u);
    EXPECT_TRUE(n.receiver.accepted("host.offline").front().signature_ok);
}

TEST(Notices, AFlappingHostGetsOneOfflineNoticePerPeriod) {
    NoticeStack n("1h", 0, true, "metrics.on_public_listeners = true\n");
    ASSERT_EQ(n.subscribe({"--account", "alice", "--webhook", n.receiver.url()}).exit_code, 0);
    ASSERT_EQ(n.stack->admin({"host", "heartbeat", kHost, "2s"}).exit_code, 0);
    const auto offline_seen = [&] {
        return n.stack->sql(
            "SELECT seen FROM notice_watch WHERE condition = 'offline' AND subject = "
            "(SELECT 'host:' || id FROM hosts WHERE name = '" +
            kHost + "')");
    };
    for (int round = 0; round < 2; ++round) {
        // Back online: the sweep's change of the round before reaches the principal cache by
        // notification, and until then its copy answers nochg, which changes nothing.
        std::string back;
        ASSERT_TRUE(wait_until([&] {
            back = n.update("192.0.2.12").body;
            return back.rfind("nochg", 0) != 0;
        }));
        ASSERT_NE(back.find("good"), std::string::npos) << back;
        ASSERT_TRUE(wait_until(
            [&] {
                const std::string seen = offline_seen();
                return !seen.empty() &&
                       seen == n.stack->sql(
                                   "SELECT to_char(offline_since AT TIME ZONE 'UTC', "
                                   "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM hosts WHERE name = '" +
                                   kHost + "'");
            },
            std::chrono::seconds(30)))
            << n.logs();
    }
    // Both episodes were seen by the watcher; the second fell inside the period.
    ASSERT_TRUE(wait_until([&] {
        return n.stack->sql(
                   "SELECT count(*) FROM webhook_outbox "
                   "WHERE state = 'pending'") == "0";
    }));
    EXPECT_EQ(n.receiver.accepted("host.offline").size(), 1u) << n.logs();
    EXPECT_EQ(n.receiver.accepted("host.online").size(), 1u);
    EXPECT_NE(n.stack->gateway_log().find("not sent: one was sent less than notice.period ago"),
              std::string::npos);
    std::string metrics;
    wait_until([&] {  // the sender's gauge is refreshed at the end of its pass
        metrics = n.stack->get("/metrics").body;
        return metrics.find("ddns_webhook_queue_depth 0\n") != std::string::npos;
    });
    EXPECT_NE(metrics.find("ddns_notices_suppressed_total 1\n"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("ddns_notices_total 2\n"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("ddns_webhook_deliveries_total{result=\"sent\"} 2\n"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("ddns_webhook_queue_depth 0\n"), std::string::npos) << metrics;
}

TEST(Notices, BadCredentialsInARowAddressChangesAndExpiryAreNoticed) {
    NoticeStack n("1h");
    ASSERT_EQ(n.subscribe({"--account", "alice", "--kinds", "failing,address,expiry", "--webhook",
                           n.receiver.url()})
                  .exit_code,
              0);
    ASSERT_NE(n.update("192.0.2.20").body.find("good"), std::string::npos);
    // The watcher must have seen the first address before the change counts as one.
    ASSERT_TRUE(wait_until([&] {
        return n.stack->sql("SELECT seen FROM notice_watch WHERE condition = 'address'") ==
               "192.0.2.20";
    })) << n.logs();
    ASSERT_NE(n.update("192.0.2.21").body.find("good"), std::string::npos);
    ASSERT_TRUE(wait_until([&] { return !n.receiver.accepted("host.address_changed").empty(); },
                           std::chrono::seconds(30)))
        << n.logs();
    const auto changed = n.receiver.accepted("host.address_changed").front();
    EXPECT_NE(changed.body.find("\"addresses\":[\"192.0.2.21\"]"), std::string::npos)
        << changed.body;
    EXPECT_NE(changed.body.find("\"previous\":[\"192.0.2.20\"]"), std::string::npos);

    for (int i = 0; i < 3; ++i) n.update("192.0.2.22", "an-old-password");
    ASSERT_TRUE(wait_until([&] { return !n.receiver.accepted("host.failing").empty(); },
                           std::chrono::seconds(30)))
        << n.logs();
    EXPECT_NE(n.receiver.accepted("host.failing").front().body.find("\"attempts\":3"),
              std::string::npos);

    ASSERT_EQ(n.stack
                  ->admin({"account", "expiry", "alice",
                           n.stack->sql("SELECT to_char((now() + interval '3 days') AT TIME "
                                        "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI')")})
                  .exit_code,
              0);
    ASSERT_TRUE(wait_until([&] { return !n.receiver.accepted("account.expiring").empty(); },
                           std::chrono::seconds(30)))
        << n.logs();
    EXPECT_EQ(n.receiver.accepted("account.expiring").front().field("host"), "");
}

std::string json_text(const std::string& body, const std::string& name) {
    const std::string head = "\"" + name + "\":\"";
    const auto pos = body.find(head);
    if (pos == std::string::npos) return {};
    const auto start = pos + head.size();
    return body.substr(start, body.find('"', start) - start);
}

TEST(Notices, UsersManageTheirSubscriptionsThroughTheApi) {
    NoticeStack n("1h", 0, true, "web.enabled = true\n");
    const std::string token = n.stack->admin({"apitoken", "add", "alice"}).output;
    const std::string alice = token.substr(0, token.find('\n'));
    ASSERT_EQ(n.stack->admin({"account", "add", "bob"}, "bob-password-12\n").exit_code, 0);
    const std::string bob_out = n.stack->admin({"apitoken", "add", "bob"}).output;
    const std::string bob = bob_out.substr(0, bob_out.find('\n'));

    const auto bad_kind = n.api("POST", "notices", alice, R"({"kinds":["reboot"],"mail":true})");
    EXPECT_EQ(bad_kind.status, 400) << bad_kind.body;
    const auto private_target =
        n.api("POST", "notices", alice, R"({"webhook_url":"http://10.1.2.3/hook"})");
    EXPECT_EQ(private_target.status, 400) << private_target.body;
    EXPECT_NE(private_target.body.find("not publicly routable"), std::string::npos);
    const auto nothing = n.api("POST", "notices", alice, R"({"kinds":["offline"]})");
    EXPECT_EQ(nothing.status, 400) << nothing.body;
    EXPECT_EQ(n.stack->sql("SELECT count(*) FROM notice_subscriptions"), "0");

    const auto made =
        n.api("POST", "notices", alice,
              R"({"kinds":["offline"],"mail":true,"webhook_url":")" + n.receiver.url() + R"("})");
    ASSERT_EQ(made.status, 201) << made.body;
    const std::string secret = json_text(made.body, "webhook_secret");
    ASSERT_EQ(secret.rfind("whsec_", 0), 0u) << made.body;
    n.receiver.set_secret(secret);
    const auto listed = n.api("GET", "notices", alice);
    EXPECT_EQ(listed.status, 200);
    EXPECT_NE(listed.body.find(n.receiver.url()), std::string::npos) << listed.body;
    EXPECT_EQ(listed.body.find(secret), std::string::npos) << "the secret is shown once";
    EXPECT_EQ(n.api("GET", "notices", bob).body.find(n.receiver.url()), std::string::npos);

    ASSERT_EQ(n.stack->admin({"host", "heartbeat", kHost, "2s"}).exit_code, 0);
    ASSERT_NE(n.update("192.0.2.30").body.find("good"), std::string::npos);
    ASSERT_TRUE(wait_until([&] { return !n.receiver.accepted("host.offline").empty(); },
                           std::chrono::seconds(30)))
        << n.logs();
    EXPECT_TRUE(n.receiver.accepted("host.offline").front().signature_ok);
    ASSERT_TRUE(n.smtp.wait_for("alice@example.test")) << n.logs();

    const std::string id = n.stack->sql("SELECT id FROM notice_subscriptions");
    EXPECT_EQ(n.api("DELETE", "notices/" + id, bob).status, 404) << "another account's";
    EXPECT_EQ(n.stack->sql("SELECT count(*) FROM notice_subscriptions"), "1");
    EXPECT_EQ(n.api("DELETE", "notices/" + id, alice).status, 204);
    EXPECT_EQ(n.stack->sql("SELECT count(*) FROM notice_subscriptions"), "0");
}

TEST(Notices, UsersManageTheirSubscriptionsOnThePages) {
    NoticeStack n("1h", 0, true, "web.enabled = true\n");
    WebClient web(*n.stack);
    ASSERT_EQ(web.log_in("alice", "alice-password-1").status, 303);
    const auto page = web.get("/notices");
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_NE(page.body.find("No subscriptions yet"), std::string::npos);
    const auto forged = web.post("/notices/add", {{"mail", "on"}, {"kind_offline", "on"}},
                                 std::string("not-the-token"));
    EXPECT_EQ(forged.status, 403);
    const auto refused = web.post(
        "/notices/add", {{"kind_offline", "on"}, {"webhook_url", "http://192.168.1.9/hook"}});
    EXPECT_NE(refused.body.find("not publicly routable"), std::string::npos) << refused.body;
    EXPECT_EQ(n.stack->sql("SELECT count(*) FROM notice_subscriptions"), "0");

    const auto made = web.post(
        "/notices/add",
        {{"kind_offline", "on"}, {"kind_address", "on"}, {"webhook_url", n.receiver.url()}});
    ASSERT_EQ(made.status, 200) << made.body;
    const auto at = made.body.find("whsec_");
    ASSERT_NE(at, std::string::npos) << made.body;
    const std::string secret = made.body.substr(at, made.body.find('<', at) - at);
    EXPECT_EQ(made.header("Cache-Control").value_or(""), "no-store");
    EXPECT_EQ(n.stack->sql("SELECT array_to_string(kinds, ',') || ' ' || mail FROM "
                           "notice_subscriptions"),
              "offline,address false");
    EXPECT_EQ(web.get("/notices").body.find(secret), std::string::npos) << "shown once";

    const std::string id = n.stack->sql("SELECT id FROM notice_subscriptions");
    EXPECT_EQ(web.post("/notices/remove", {{"id", id}}).status, 303);
    EXPECT_EQ(n.stack->sql("SELECT count(*) FROM notice_subscriptions"), "0");
}

TEST(Notices, WebhooksToLoopbackAreRefusedUnlessAllowed) {
    NoticeStack n("1h", 0, /*allow_loopback=*/false);
    const auto refused = n.subscribe({"--account", "alice", "--webhook", n.receiver.url()});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.output.find("not publicly routable"), std::string::npos) << refused.output;
    EXPECT_EQ(n.stack->sql("SELECT count(*) FROM notice_subscriptions"), "0");
    // A loopback target that got into the table anyway is refused again at delivery.
    n.stack->sql(
        "INSERT INTO notice_subscriptions (account_id, kinds, webhook_url, webhook_secret) "
        "SELECT id, '{offline}', '" +
        n.receiver.url() + "', 'whsec_x' FROM accounts");
    n.stack->sql(
        "INSERT INTO webhook_outbox (subscription_id, idempotency_key, body) "
        "SELECT id, 'k1', '{}' FROM notice_subscriptions");
    ASSERT_TRUE(wait_until([&] {
        return n.stack->sql("SELECT last_error IS NOT NULL FROM webhook_outbox") == "t";
    })) << n.logs();
    EXPECT_NE(n.stack->sql("SELECT last_error FROM webhook_outbox").find("may not reach"),
              std::string::npos)
        << n.stack->sql("SELECT last_error FROM webhook_outbox");
    EXPECT_TRUE(n.receiver.requests().empty());
}

}  // namespace
}  // namespace ddns::test
