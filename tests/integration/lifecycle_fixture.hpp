// The fixture of the host lifecycle tests (lifecycle_integration_test.cpp and
// lifecycle_faults_integration_test.cpp, one test program): the gateway's core built in-process
// around a virtual clock the tests move, on the stack of StackEnvironment. A named namespace, not
// an anonymous one, so that both files share one clock.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

#include "ddns/auth/authenticator.hpp"
#include "ddns/gateway/core/address_policy.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "ddns/gateway/dialects/dyndns2_dialect.hpp"
#include "ddns/gateway/jobs/offline_sweeper.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_lifecycle_store.hpp"
#include "ddns/sql/pg_store.hpp"
#include "stack_environment.hpp"

namespace ddns::test::lifecycle {

using std::chrono::minutes;
using std::chrono::seconds;
using Strings = std::vector<std::string>;

constexpr const char* kZone = "life.test";              // offline action: delete (the default)
constexpr const char* kSentinelZone = "sentinel.test";  // offline action: sentinel
constexpr const char* kPassword = "lifecycle password";

// Process-wide virtual time: the real time (whole seconds) when the tests started, plus what
// they added. It stands still otherwise, so "exactly 20 minutes later" is exact, and it only
// moves forward, so rows written by one test never lie in another test's future.
class TestClock {
public:
    static auth::TimePoint now() {
        std::lock_guard lock(mutex());
        return current();
    }
    static void advance(auth::Clock::duration d) {
        std::lock_guard lock(mutex());
        current() += d;
    }

private:
    static std::mutex& mutex() {
        static std::mutex m;
        return m;
    }
    static auth::TimePoint& current() {
        static auth::TimePoint t = std::chrono::floor<seconds>(auth::Clock::now());
        return t;
    }
};

// The real UpdateClient, recording every message and its result, so tests can say which hosts
// an UPDATE touched and how often.
class CountingSender final : public UpdateSender {
public:
    explicit CountingSender(UpdateSender& inner) : inner_(inner) {}
    UpdateResult send(const UpdateRequest& request, const TsigKey& key,
                      const ServerEndpoint& server) override {
        UpdateResult result = inner_.send(request, key, server);
        std::lock_guard lock(mutex_);
        sent_.emplace_back(request, result.status);
        return result;
    }
    // Messages that BIND accepted and that touched `name`.
    int accepted_for(const std::string& name) const {
        std::lock_guard lock(mutex_);
        int n = 0;
        for (const auto& [request, status] : sent_)
            if (status == UpdateStatus::Success && touches(request, name)) ++n;
        return n;
    }
    int attempts_for(const std::string& name) const {
        std::lock_guard lock(mutex_);
        int n = 0;
        for (const auto& [request, status] : sent_) n += touches(request, name) ? 1 : 0;
        return n;
    }

private:
    static bool touches(const UpdateRequest& request, const std::string& name) {
        for (const auto& op : request.operations)
            if (const auto* d = std::get_if<DeleteRRset>(&op); d && d->owner.str() == name)
                return true;
        return false;
    }
    UpdateSender& inner_;
    mutable std::mutex mutex_;
    std::vector<std::pair<UpdateRequest, UpdateStatus>> sent_;
};

// The gateway's core as `serve` builds it, on its own connection pool.
struct Core {
    explicit Core(const std::string& conninfo)
        : db(conninfo, 4),
          store(db),
          lifecycle(db),
          hasher(auth::Argon2Params{1, 8 * 1024}),
          authenticator(store, hasher, &TestClock::now),
          dns([] {
              UpdateClientOptions o;
              o.timeout = std::chrono::milliseconds(500);
              o.udp_attempts = 1;
              return o;
          }()),
          counting(dns),
          updates(counting, store, log),
          dyndns2(authenticator, updates, policy, log, &TestClock::now, gateway::Dyndns2Options{}),
          sweeper(counting, lifecycle, log, &TestClock::now,
                  gateway::SweeperOptions{seconds(30), 3}) {}

    sql::Database db;
    sql::PgStore store;
    sql::PgLifecycleStore lifecycle;
    auth::PasswordHasher hasher;
    auth::Authenticator authenticator;
    gateway::Logger log{gateway::LogLevel::Warning};
    UpdateClient dns;
    CountingSender counting;
    gateway::UpdateService updates;
    gateway::AddressPolicy policy;
    gateway::Dyndns2Dialect dyndns2;
    gateway::OfflineSweeper sweeper;
};

class Lifecycle : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
        core = std::make_unique<Core>(stack().conninfo());
    }

    // A dyndns2 request straight into the dialect (no HTTP), as `who`.
    std::string update(const std::string& query, const std::string& who = {}) {
        gateway::RequestView r;
        r.method = "GET";
        r.path = "/nic/update";
        r.query = gateway::QueryParams::parse(query);
        r.headers = {
            {"Authorization", "Basic " + base64((who.empty() ? user : who) + ":" + kPassword)},
            {"User-Agent", "lifecycle-test/1.0"}};
        r.peer = *IpAddress::parse("127.0.0.1");
        r.client = *IpAddress::parse("203.0.113.99");
        return core->dyndns2.handle(r).body;
    }
    void admin_ok(const std::vector<std::string>& args) {
        const auto r = stack().admin(args);
        ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    std::string row(const std::string& name, const std::string& columns) {
        return stack().sql("select " + columns + " from hosts where name = '" + name + "'");
    }
    // "online"/"offline <reason>" and the stored addresses.
    std::string state(const std::string& name) {
        return row(name,
                   "coalesce(offline_reason, 'online') || ' ' || coalesce(host(ipv4), '-') || ' ' "
                   "|| coalesce(host(ipv6), '-')");
    }
    gateway::SweepReport sweep() { return core->sweeper.sweep_once(); }

    std::string user;
    std::string host;
    std::unique_ptr<Core> core;
};

}  // namespace ddns::test::lifecycle
