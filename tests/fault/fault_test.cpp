// Fault injection under load: three clients keep changing the addresses of their hosts through
// the real gateway while named is killed and restarted, PostgreSQL is killed (-m immediate) and
// restarted, the gateway is killed with SIGKILL and restarted, or many hosts' records in named
// are set back to old values. Afterwards, within 30 s, every host must agree three ways: what
// named serves, what the database holds, and the last success answer its client got (no client
// was ever told of a change that is not in DNS).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ddns/nsupdate/update_client.hpp"
#include "stack_environment.hpp"
#include "udp_relay.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct-horse-battery";
constexpr int kClients = 3;
constexpr int kHostsPerClient = 4;

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    // No credential cache: a zone's server moved to the relay is read by the next request.
    o.extra_config = "reconcile.interval = 2\nreconcile.in_doubt_poll = 1\nauth.cache_ttl = 0\n";
    return o;
}()));

using std::chrono::milliseconds;
using std::chrono::seconds;

// Clients updating their hosts in a loop until stopped; remembers each host's last success.
class Load {
public:
    Load(GatewayStack& stack, const std::string& prefix) : stack_(stack) {
        for (int c = 0; c < kClients; ++c) {
            const std::string user = prefix + "-c" + std::to_string(c);
            stack.add_account(user, kPassword);
            for (int h = 0; h < kHostsPerClient; ++h) {
                const std::string host = user + "-h" + std::to_string(h) + "." + kZone;
                stack.add_host(host, user);
                owner_[host] = user;
                last_success_[host] = "-";
            }
        }
    }
    ~Load() { stop(); }
    void start() {
        for (int c = 0; c < kClients; ++c) threads_.emplace_back([this, c] { run(c); });
    }
    void stop() {
        stop_ = true;
        for (auto& t : threads_) t.join();
        threads_.clear();
    }
    std::map<std::string, std::string> last_success() {
        std::lock_guard lock(mutex_);
        return last_success_;
    }
    int successes() const { return successes_.load(); }

private:
    void run(int client) {
        int n = 0;
        while (!stop_) {
            for (const auto& [host, user] : owner_) {
                if (stop_) break;
                if (user.size() < 2 || user.back() - '0' != client) continue;
                const std::string address = "198.51." + std::to_string(100 + client) + "." +
                                            std::to_string(1 + (n++ % 250));
                const auto reply = stack_.get("/nic/update?hostname=" + host + "&myip=" + address,
                                              std::pair{user, std::string(kPassword)});
                if (reply.body == "good " + address || reply.body == "nochg " + address) {
                    std::lock_guard lock(mutex_);
                    last_success_[host] = address;
                    ++successes_;
                } else {
                    // As real clients do after 911/dnserr (they back off far longer): without a
                    // pause, three clients make thousands of failing requests a second.
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                }
            }
        }
    }

    GatewayStack& stack_;
    std::map<std::string, std::string> owner_;
    std::map<std::string, std::string> last_success_;
    std::mutex mutex_;
    std::atomic<bool> stop_{false};
    std::atomic<int> successes_{0};
    std::vector<std::thread> threads_;
};

class Fault : public StackTest {
protected:
    // Hosts where named, the database and the last success answer do not all agree.
    std::vector<std::string> disagreeing(Load& load) {
        std::vector<std::string> out;
        for (const auto& [host, told] : load.last_success()) {
            const auto served = a_records(host);
            const std::string in_dns = served.empty() ? "-" : served.size() == 1 ? served[0] : "*";
            const std::string stored = stored_ipv4(host);
            if (in_dns != told || stored != told)
                out.push_back(host + ": named " + in_dns + ", database " + stored + ", told " +
                              told);
        }
        return out;
    }
    void expect_convergence(Load& load) {
        ASSERT_GT(load.successes(), 0) << "the load never succeeded";
        std::vector<std::string> last;
        const bool converged = wait_until(
            [&] {
                last = disagreeing(load);
                return last.empty();
            },
            seconds(30), milliseconds(250));
        std::string list;
        for (const auto& line : last) list += "  " + line + "\n";
        EXPECT_TRUE(converged) << last.size() << " hosts differ after 30 s:\n" << list;
    }
    // Runs the load around `fault`, then compares.
    // `settle` runs after the load stopped, before the comparison.
    template <typename F>
    void under_load(F fault, const std::function<void()>& settle = {}) {
        const std::string prefix = unique_label();
        Load load(stack(), prefix);
        load.start();
        wait_until([&] { return load.successes() >= 10; }, seconds(10));
        fault(prefix);
        std::this_thread::sleep_for(seconds(1));  // the load keeps going after the fault
        load.stop();
        if (settle) settle();
        expect_convergence(load);
    }
};

TEST_F(Fault, NamedKilledAndRestarted) {
    under_load([&](const std::string&) {
        stack().named().stop();
        std::this_thread::sleep_for(seconds(2));
        stack().named().start_again();
    });
}

TEST_F(Fault, NamedRepliesDropped) {
    // BIND applies the UPDATEs but the gateway never hears back, up to the clients' last requests:
    // they are told dnserr, the database keeps the old addresses, the hosts are marked in doubt,
    // and once the replies flow again BIND is settled to the database (with reconcile.interval = 0
    // the hosts whose last UPDATE was applied unseen differ for good, and this test fails).
    UdpRelay relay(stack().named().port());
    const auto route = [&](std::uint16_t port) {
        stack().sql("update zones set server_port = " + std::to_string(port) + " where name = '" +
                    kZone + "'");
    };
    route(relay.port());
    under_load([&](const std::string&) { relay.drop = true; },
               [&] {
                   relay.drop = false;
                   // The reconciler reads BIND over TCP, which the relay does not carry.
                   route(stack().named().port());
                   EXPECT_GT(relay.dropped.load(), 0) << "no reply was dropped";
               });
}

// Error and warning lines in `log` (the gateway's stderr).
std::size_t problem_lines(const std::string& log) {
    std::size_t n = 0;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
        if (line.find("Z error ") != std::string::npos ||
            line.find("Z warning ") != std::string::npos)
            ++n;
    }
    return n;
}

TEST_F(Fault, PostgresKilledImmediatelyAndRestarted) {
    // `-m immediate`: PostgreSQL quits like a crash, without closing its connections cleanly, and
    // recovers on the next start. While it is down every update is answered 911; afterwards the
    // gateway recovers without a restart, every request made during the outage is in the update
    // log (the writer kept them and retried), and the repeated error was not written once per
    // request.
    const std::string prober = unique_label() + "-probe";
    stack().add_account(prober, kPassword);
    stack().add_host(prober + "." + kZone, prober);
    int outage_requests = 0;
    int outage_911 = 0;
    std::size_t log_before = 0;
    std::string outage_log;
    under_load([&](const std::string&) {
        log_before = stack().gateway_log().size();
        stack().postgres().stop(PostgresServer::StopMode::Immediate);
        const auto until = std::chrono::steady_clock::now() + seconds(8);
        while (std::chrono::steady_clock::now() < until) {
            const auto reply =
                stack().get("/nic/update?hostname=" + prober + "." + kZone + "&myip=198.51.100." +
                                std::to_string(1 + outage_requests % 250),
                            std::pair{prober, std::string(kPassword)});
            ++outage_requests;
            if (reply.body == "911") ++outage_911;
            std::this_thread::sleep_for(milliseconds(50));
        }
        outage_log = stack().gateway_log().substr(log_before);
        stack().postgres().start_again();
    });
    EXPECT_GT(outage_requests, 20);
    EXPECT_EQ(outage_911, outage_requests) << "every update during the outage is answered 911";

    std::string logged;
    const bool complete = wait_until(
        [&] {
            logged =
                stack().sql("select count(*) from update_log where username = '" + prober + "'");
            return logged == std::to_string(outage_requests);
        },
        seconds(30), milliseconds(250));
    EXPECT_TRUE(complete) << logged << " of " << outage_requests
                          << " requests made during the outage are in the update log";

    // Four clients made hundreds of requests while the database was down, each failing the same
    // way; a handful of lines per kind of error is what an operator should read.
    const std::size_t lines = problem_lines(outage_log);
    EXPECT_LE(lines, 30u) << "error/warning lines during the outage:\n" << outage_log;
    if (HasFailure()) ADD_FAILURE() << stack().logs();
}

TEST_F(Fault, GatewayKilledAndRestarted) {
    under_load([&](const std::string&) {
        stack().kill_gateway();
        stack().start_gateway();
    });
}

TEST_F(Fault, RecordsSetBackInNamed) {
    // What restoring an old zone copy does to the hosts: addresses they no longer have. After the
    // load, or the clients' next updates would overwrite it before the reconciler looks.
    const std::string prefix = unique_label();
    Load load(stack(), prefix);
    load.start();
    wait_until([&] { return load.successes() >= 10; }, seconds(10));
    load.stop();
    auto key = parse_tsig_key_file(read_file(stack().named().key_file()));
    ASSERT_TRUE(key.has_value());
    UpdateRequest request{*DnsName::parse(kZone), {}, {}};
    std::istringstream names(
        stack().sql("select name from hosts where name like '" + prefix + "-%'"));
    for (std::string line; std::getline(names, line);) {
        const auto owner = *DnsName::parse(line);
        request.operations.emplace_back(DeleteRRset{owner, RecordType::A});
        request.operations.emplace_back(
            AddRecord{ResourceRecord::address(owner, 60, *IpAddress::parse("192.0.2.250"))});
    }
    UpdateClient client;
    const auto r =
        client.send(request, *key, {*IpAddress::parse("127.0.0.1"), stack().named().port()});
    ASSERT_TRUE(r.ok()) << r.detail;
    // Not asserted as visible here: the reconciler may repair it before twelve digs finish. With
    // reconcile.interval = 0 every host still differs after 30 s (the test fails).
    expect_convergence(load);
}

}  // namespace
}  // namespace ddns::test
