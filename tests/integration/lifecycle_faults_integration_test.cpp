// Host lifecycle against real named + PostgreSQL, continued: expiry, several sweepers on one
// database, records changed behind the gateway's back, BIND outages, the admin commands and the
// real binary sweeping on its own. The fixture is lifecycle_fixture.hpp; the stack's environment
// is registered in lifecycle_integration_test.cpp (same test program).
#include "lifecycle_fixture.hpp"

namespace ddns::test::lifecycle {
namespace {

TEST_F(Lifecycle, ExpiryTakesTheAccountsHostsOfflineAndRefusesItsUpdates) {
    const std::string second = user + "-2." + kZone;
    stack().add_host(second, user);
    ASSERT_EQ(update("hostname=" + host + "," + second + "&myip=192.0.2.57"),
              "good 192.0.2.57\ngood 192.0.2.57");
    const auto expires = std::chrono::duration_cast<std::chrono::microseconds>(
                             (TestClock::now() + minutes(60)).time_since_epoch())
                             .count();
    stack().sql("update accounts set expires_at = to_timestamp(" + std::to_string(expires) +
                " / 1000000.0) where username = '" + user + "'");
    sweep();
    EXPECT_EQ(state(host), "online 192.0.2.57 -") << "not expired yet";
    TestClock::advance(minutes(61));
    EXPECT_EQ(update("hostname=" + host + "&myip=192.0.2.58"), "badauth");
    sweep();
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_TRUE(a_records(second).empty());
    EXPECT_EQ(state(host), "expired - -");
    EXPECT_EQ(state(second), "expired - -");
    EXPECT_EQ(core->counting.accepted_for(host), 2) << "the update and one sweep";
}

// Two gateway instances (two connection pools, two sweepers) on one database: every due host
// is taken offline by exactly one UPDATE.
TEST_F(Lifecycle, TwoSweepersOnOneDatabaseTakeEachHostOfflineOnce) {
    admin_ok({"zone", "offline-action", kSentinelZone, "sentinel"});
    Strings names;
    for (int i = 0; i < 12; ++i) {
        names.push_back(user + "-" + std::to_string(i) + "." + (i % 2 ? kZone : kSentinelZone));
        stack().add_host(names.back(), user);
        admin_ok({"host", "heartbeat", names.back(), "1m"});
    }
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ",") + n;
    ASSERT_EQ(update("hostname=" + list + "&myip=192.0.2.59").find("good"), 0U);
    TestClock::advance(minutes(2));

    Core other(stack().conninfo());
    std::latch start(2);
    std::thread one([&] {
        start.arrive_and_wait();
        core->sweeper.sweep_once();
    });
    std::thread two([&] {
        start.arrive_and_wait();
        other.sweeper.sweep_once();
    });
    one.join();
    two.join();
    for (const auto& n : names) {
        EXPECT_EQ(core->counting.accepted_for(n) + other.counting.accepted_for(n), 2)
            << n << ": one update, then exactly one sweep";
        EXPECT_EQ(row(n, "offline_reason"), "heartbeat") << n;
    }
    EXPECT_TRUE(a_records(names[1]).empty());
    EXPECT_EQ(a_records(names[0]), Strings{"0.0.0.0"});
}

// Somebody changed the record in BIND directly: the prerequisite fails, the sweeper leaves that
// host as it is (and retries it next pass) while the other host of the message goes offline.
TEST_F(Lifecycle, ARecordChangedBehindTheGatewaysBackIsNotTouched) {
    const std::string other = user + "-x." + kZone;
    stack().add_host(other, user);
    admin_ok({"host", "heartbeat", host, "1m"});
    admin_ok({"host", "heartbeat", other, "1m"});
    ASSERT_EQ(update("hostname=" + host + "," + other + "&myip=192.0.2.60"),
              "good 192.0.2.60\ngood 192.0.2.60");
    auto key = parse_tsig_key_file(read_file(stack().named().key_file()));
    ASSERT_TRUE(key);
    const ServerEndpoint server{*IpAddress::parse("127.0.0.1"), stack().named().port()};
    const DnsName owner = *DnsName::parse(host);
    UpdateRequest manual{
        *DnsName::parse(kZone),
        {},
        {DeleteRRset{owner, RecordType::A},
         AddRecord{ResourceRecord::address(owner, 60, *IpAddress::parse("192.0.2.61"))}}};
    ASSERT_TRUE(core->dns.send(manual, *key, server).ok());

    TestClock::advance(minutes(2));
    const auto report = sweep();
    EXPECT_GE(report.failed, 1U);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.61"})
        << "the sweeper must not delete a foreign record";
    EXPECT_EQ(state(host), "online 192.0.2.60 -");
    EXPECT_TRUE(a_records(other).empty());
    EXPECT_EQ(state(other), "heartbeat - -");
    // Still due: tried again on the next pass, still refused.
    sweep();
    EXPECT_EQ(a_records(host), Strings{"192.0.2.61"});
    EXPECT_GE(core->counting.attempts_for(host), 3);
}

TEST_F(Lifecycle, WhileBindIsDownNothingIsRecordedAndTheNextPassRetries) {
    admin_ok({"host", "heartbeat", host, "1m"});
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.62"), "good 192.0.2.62");
    TestClock::advance(minutes(2));
    stack().named().stop();
    const auto failed = sweep();
    stack().named().start_again();
    EXPECT_GE(failed.failed, 1U);
    EXPECT_EQ(state(host), "online 192.0.2.62 -") << "nothing recorded without BIND's answer";
    EXPECT_EQ(a_records(host), Strings{"192.0.2.62"});
    sweep();
    EXPECT_TRUE(a_records(host).empty());
    EXPECT_EQ(state(host), "heartbeat - -");
}

TEST_F(Lifecycle, AdminSetsAndShowsHeartbeatsAndOfflineActions) {
    admin_ok({"zone", "heartbeat", "zonedefault.test", "20m"});
    const std::string inherits = user + "-i.zonedefault.test";
    const std::string own = user + "-o.zonedefault.test";
    const std::string off = user + "-f.zonedefault.test";
    for (const auto& n : {inherits, own, off}) stack().add_host(n, user);
    admin_ok({"host", "heartbeat", own, "90s"});
    admin_ok({"host", "heartbeat", off, "off"});
    auto r = stack().admin({"host", "list", "--account", user});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // The line that starts with `name`.
    auto line_of = [&](const std::string& name) {
        const auto at = r.output.find("\n" + name);
        return at == std::string::npos ? std::string()
                                       : r.output.substr(at + 1, r.output.find('\n', at + 1) - at);
    };
    EXPECT_NE(line_of(inherits).find("20m (zone)"), std::string::npos) << r.output;
    EXPECT_NE(line_of(own).find("90s"), std::string::npos) << r.output;
    EXPECT_NE(line_of(off).find(" off "), std::string::npos) << r.output;
    EXPECT_NE(line_of(host).find("online"), std::string::npos) << r.output;
    EXPECT_EQ(row(own, "heartbeat_seconds"), "90");
    EXPECT_EQ(row(off, "heartbeat_seconds"), "0");
    admin_ok({"host", "heartbeat", own, "zone"});
    EXPECT_EQ(row(own, "heartbeat_seconds"), "");

    r = stack().admin({"zone", "list"});
    EXPECT_NE(r.output.find("20m"), std::string::npos) << r.output;
    admin_ok({"zone", "heartbeat", "zonedefault.test", "off"});
    EXPECT_EQ(stack().sql("select heartbeat_seconds is null from zones where name = "
                          "'zonedefault.test'"),
              "t");

    // Bad input: a clear message, exit 1, nothing changed.
    r = stack().admin({"host", "heartbeat", host, "5 years"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("DURATION"), std::string::npos) << r.output;
    r = stack().admin({"host", "heartbeat", "nobody." + std::string(kZone), "20m"});
    EXPECT_EQ(r.exit_code, 1);
    r = stack().admin({"zone", "offline-action", kZone, "explode"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(stack().sql("select offline_action from zones where name = 'life.test'"), "delete");

    // The host's own offline action, or the zone's marked as such; bad input changes nothing.
    admin_ok({"host", "offline-action", own, "sentinel"});
    EXPECT_EQ(row(own, "offline_action"), "sentinel");
    r = stack().admin({"host", "list", "--account", user});
    EXPECT_NE(line_of(own).find("  sentinel  "), std::string::npos) << r.output;
    EXPECT_NE(line_of(inherits).find("delete (zone)"), std::string::npos) << r.output;
    r = stack().admin({"host", "show", own});
    EXPECT_NE(r.output.find("offline_action:   sentinel\n"), std::string::npos) << r.output;
    r = stack().admin({"host", "offline-action", own, "explode"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("delete, sentinel or zone"), std::string::npos) << r.output;
    EXPECT_EQ(row(own, "offline_action"), "sentinel");
    r = stack().admin({"host", "offline-action", "nobody." + std::string(kZone), "delete"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("not found"), std::string::npos) << r.output;
    admin_ok({"host", "offline-action", own, "zone"});
    EXPECT_EQ(row(own, "offline_action"), "");
    r = stack().admin({"host", "show", own});
    EXPECT_NE(r.output.find("offline_action:   delete (zone)\n"), std::string::npos) << r.output;

    // An offline host shows why and since when.
    admin_ok({"host", "heartbeat", host, "1m"});
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.63"), "good 192.0.2.63");
    TestClock::advance(minutes(2));
    sweep();
    r = stack().admin({"host", "list", "--account", user});
    EXPECT_NE(line_of(host).find("offline (heartbeat) since"), std::string::npos) << r.output;
}

// The real binary: `serve` sweeps on its own with a short real timeout and stops cleanly on
// SIGTERM. Runs a second gateway process on the stack's database.
TEST_F(Lifecycle, ServeSweepsInTheBackgroundAndStopsCleanly) {
    admin_ok({"host", "heartbeat", host, "2s"});
    TempDir dir;
    const std::uint16_t port = free_port();
    const auto conf = dir.path() / "sweeping.conf";
    write_file(conf, "database.url = " + stack().conninfo() +
                         "\nhttp.listen = 127.0.0.1:" + std::to_string(port) +
                         "\nsweep.interval = 1\nsweep.batch_size = 10\ndns.timeout_ms = 500\n"
                         "auth.argon2_opslimit = 1\nauth.argon2_memlimit_kib = 8\n");
    ChildProcess serve({gateway_binary(), "serve", "--config", conf.string()},
                       dir.path() / "serve.log");
    ASSERT_TRUE(wait_until([&] { return tcp_port_open(port) || !serve.running(); }));
    ASSERT_TRUE(serve.running()) << serve.log();
    auto http_update = [&](const std::string& ip) {
        return http_exchange(port,
                             "GET /nic/update?hostname=" + host + "&myip=" + ip +
                                 " HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nAuthorization: Basic " +
                                 base64(user + ":" + kPassword) + "\r\nConnection: close\r\n\r\n")
            .body;
    };
    ASSERT_EQ(http_update("192.0.2.64"), "good 192.0.2.64");
    EXPECT_TRUE(wait_until([&] { return row(host, "offline_reason") == "heartbeat"; }, seconds(20),
                           std::chrono::milliseconds(100)))
        << serve.log();
    EXPECT_TRUE(a_records(host).empty());
    // Heartbeat off first, or the 2 s timeout could take it offline again before we look.
    admin_ok({"host", "heartbeat", host, "off"});
    // The sweep's change reaches serve's principal cache by notification: until then its copy
    // holds the host online with this address and answers nochg, which changes nothing.
    std::string answer;
    EXPECT_TRUE(wait_until([&] {
        answer = http_update("192.0.2.64");
        return answer != "nochg 192.0.2.64";
    }));
    EXPECT_EQ(answer, "good 192.0.2.64");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.64"});
    EXPECT_EQ(serve.stop(), 0) << serve.log();
}

}  // namespace
}  // namespace ddns::test::lifecycle
