// Answers made on the connection loop's own thread (http.answer_inline, http.loops): a cached
// no-change update is answered there, byte for byte as a worker answers it; anything that would
// wait (a cold principal, a wrong password's argon2 run, a change, a route without an inline
// handler) goes to a worker and is answered right, and the attempt that gave up left no trace:
// one update-log entry, one failed login and one metrics count per request. Two loops share the
// listeners, the per-address connection cap and drain on SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "raw_connection.hpp"
#include "second_instance.hpp"
#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config =
        "http.loops = 2\nhttp.answer_inline = true\nhttp.max_connections_per_address = 6\n"
        "metrics.on_public_listeners = true\nauth.lockout_failures = 3\n"
        "audit.merge_window_ms = 0\n";
    return o;
}()));

// One answer read from a keep-alive connection: the head and Content-Length bytes of body.
std::string read_answer(Connection& c) {
    std::string got;
    for (int i = 0; i < 100; ++i) {
        got += c.read(std::chrono::milliseconds(100));
        const auto end = got.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        const auto at = got.find("Content-Length: ");
        if (at == std::string::npos || at > end) continue;
        const auto length = std::stoul(got.substr(at + 16));
        if (got.size() >= end + 4 + length) return got;
    }
    return got;
}

std::string without_date(std::string answer) {
    const auto at = answer.find("\r\nDate: ");
    if (at != std::string::npos) answer.erase(at, answer.find("\r\n", at + 2) - at);
    return answer;
}

std::string body_of(const std::string& answer) {
    const auto end = answer.find("\r\n\r\n");
    return end == std::string::npos ? "" : answer.substr(end + 4);
}

class InlineServe : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    std::string request(const std::string& ip, const std::string& password = kPassword,
                        const std::string& version = "HTTP/1.1") const {
        return "GET /nic/update?hostname=" + host + "&myip=" + ip + " " + version +
               "\r\nHost: gw\r\nUser-Agent: inline-test\r\nAuthorization: Basic " +
               base64(user + ":" + password) + "\r\n\r\n";
    }
    // Requests this host's update log counts (merged repeats included).
    long logged() {
        return std::stol(stack().sql(
            "select coalesce(sum(l.repeats), 0) from update_log l join hosts h on h.id = "
            "l.host_id where h.name = '" +
            host + "'"));
    }
    // The value of the metrics line of `name` carrying every label of `labels` (0 when absent).
    double metric(const std::string& name, const std::vector<std::string>& labels) {
        std::istringstream text(
            http_exchange(stack().http_port(), "GET /metrics HTTP/1.0\r\n\r\n").body);
        std::string line;
        while (std::getline(text, line)) {
            if (line.rfind(name + "{", 0) != 0) continue;
            bool all = true;
            for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
            if (all) return std::stod(line.substr(line.rfind(' ') + 1));
        }
        return 0;
    }
    std::string user;
    std::string host;
};

// The same request answered on the loop (cached principal, no change) and by a worker (an
// instance with http.answer_inline off) gives the same bytes apart from Date.
TEST_F(InlineServe, AnInlineAnswerEqualsTheWorkersAnswer) {
    SecondInstance workers(stack(), [](std::string config) {
        config.replace(config.find("http.answer_inline = true"), 25, "http.answer_inline = false");
        return config;
    });
    ASSERT_TRUE(workers.ready()) << workers.log();
    ASSERT_EQ(
        stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.40", {{user, kPassword}}).body,
        "good 192.0.2.40");
    Connection here(stack().http_port());
    Connection there(workers.port());
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(here.send(request("192.0.2.40")));
        ASSERT_TRUE(there.send(request("192.0.2.40")));
        const std::string a = read_answer(here);
        const std::string b = read_answer(there);
        EXPECT_EQ(body_of(a), "nochg 192.0.2.40");
        EXPECT_EQ(without_date(a), without_date(b)) << "request " << i;
    }
}

// Connection per request and keep-alive, many answers in a row: each is nochg, and each is in
// the update log exactly once (an inline attempt that gave up wrote nothing).
TEST_F(InlineServe, EveryAnswerIsRightAndLoggedOnce) {
    ASSERT_EQ(
        stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.41", {{user, kPassword}}).body,
        "good 192.0.2.41");
    for (int i = 0; i < 60; ++i)
        ASSERT_EQ(
            http_exchange(stack().http_port(), request("192.0.2.41", kPassword, "HTTP/1.0")).body,
            "nochg 192.0.2.41")
            << "request " << i;
    Connection c(stack().http_port());
    for (int i = 0; i < 60; ++i) {
        ASSERT_TRUE(c.send(request("192.0.2.41")));
        ASSERT_EQ(body_of(read_answer(c)), "nochg 192.0.2.41") << "request " << i;
    }
    // Two requests in one write (pipelined), then a change on the same connection.
    ASSERT_TRUE(c.send(request("192.0.2.41") + request("192.0.2.42")));
    std::string both = read_answer(c);
    while (both.find("good 192.0.2.42") == std::string::npos && !c.closed()) {
        const std::string more = c.read(std::chrono::milliseconds(200));
        if (more.empty()) break;
        both += more;
    }
    EXPECT_NE(both.find("nochg 192.0.2.41"), std::string::npos) << both;
    EXPECT_NE(both.find("good 192.0.2.42"), std::string::npos) << both;
    EXPECT_EQ(a_records(host), std::vector<std::string>{"192.0.2.42"});
    EXPECT_TRUE(wait_until([&] { return logged() == 1 + 60 + 60 + 2; })) << logged();
}

// Many clients at once, a connection per request: every answer is nochg.
TEST_F(InlineServe, ConcurrentConnectionsPerRequestAreAllAnswered) {
    ASSERT_EQ(
        stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.46", {{user, kPassword}}).body,
        "good 192.0.2.46");
    std::atomic<int> wrong{0};
    std::string example;
    std::mutex mutex;
    std::vector<std::thread> clients;
    for (int t = 0; t < 16; ++t)
        clients.emplace_back([&, t] {
            const std::string source = "127.0.8." + std::to_string(1 + t);
            for (int i = 0; i < 40; ++i) {
                const auto reply =
                    http_exchange(stack().http_port(), request("192.0.2.46", kPassword, "HTTP/1.0"),
                                  std::chrono::seconds(15), source);
                if (reply.body == "nochg 192.0.2.46") continue;
                ++wrong;
                const std::lock_guard lock(mutex);
                example = reply.raw + reply.error;
            }
        });
    for (auto& c : clients) c.join();
    EXPECT_EQ(wrong, 0) << example;
}

// A change, a cold principal and a wrong password wait (BIND, PostgreSQL, argon2): each goes to
// a worker and is answered right; the wrong password counts one failure, not two.
TEST_F(InlineServe, WhatWouldWaitGoesToAWorkerAndCountsOnce) {
    const auto badauth = [&] {
        return metric("ddns_update_answers_total", {"dialect=\"dyndns2\"", "answer=\"badauth\""});
    };
    const double before = badauth();
    Connection c(stack().http_port());
    // First request of a new account: its principal is not cached yet.
    ASSERT_TRUE(c.send(request("192.0.2.43")));
    EXPECT_EQ(body_of(read_answer(c)), "good 192.0.2.43");
    ASSERT_TRUE(c.send(request("192.0.2.43")));
    EXPECT_EQ(body_of(read_answer(c)), "nochg 192.0.2.43");
    // Two wrong passwords stay below auth.lockout_failures = 3: the right one still works.
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(c.send(request("192.0.2.43", "wrong password")));
        EXPECT_EQ(body_of(read_answer(c)), "badauth") << i;
    }
    ASSERT_TRUE(c.send(request("192.0.2.44")));
    EXPECT_EQ(body_of(read_answer(c)), "good 192.0.2.44");
    EXPECT_EQ(a_records(host), std::vector<std::string>{"192.0.2.44"});
    EXPECT_EQ(badauth() - before, 2);
    EXPECT_TRUE(wait_until([&] { return logged() == 5; })) << logged();
}

// A user whose change waited has its next requests handed to a worker without an attempt on
// the loop, until a worker answered it without a change (base/wait_hints.hpp): changes and
// unchanged updates alternating on one connection and on new ones are each answered right, in
// DNS and logged once.
TEST_F(InlineServe, AfterAChangeTheNextRequestsAreAnsweredRightAndLoggedOnce) {
    Connection c(stack().http_port());
    const std::vector<std::pair<std::string, std::string>> steps{
        {"192.0.2.50", "good"},  {"192.0.2.50", "nochg"}, {"192.0.2.50", "nochg"},
        {"192.0.2.51", "good"},  {"192.0.2.52", "good"},  {"192.0.2.52", "nochg"},
        {"192.0.2.52", "nochg"}, {"192.0.2.53", "good"},  {"192.0.2.53", "nochg"}};
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const auto& [ip, word] = steps[i];
        ASSERT_TRUE(c.send(request(ip)));
        EXPECT_EQ(body_of(read_answer(c)), word + " " + ip) << "keep-alive request " << i;
        EXPECT_EQ(http_exchange(stack().http_port(), request(ip, kPassword, "HTTP/1.0")).body,
                  "nochg " + ip)
            << "request " << i << " on a new connection";
    }
    EXPECT_EQ(a_records(host), std::vector<std::string>{"192.0.2.53"});
    const long expected = static_cast<long>(2 * steps.size());
    EXPECT_TRUE(wait_until([&] { return logged() == expected; })) << logged();
}

// A change from a cached principal is tried on the loop (a cache hit), given up at the change
// and served by a worker (a cache hit again): one request, one hit counted. A no-change answer
// made on the loop is one hit too.
TEST_F(InlineServe, ACacheHitIsCountedOncePerRequest) {
    const auto hits = [&] {
        const auto value = metric_sample(stack().http_port(), "ddns_principal_cache_hits_total");
        if (!value) ADD_FAILURE() << "no ddns_principal_cache_hits_total in /metrics";
        return value.value_or(0.0);
    };
    Connection c(stack().http_port());
    ASSERT_TRUE(c.send(request("192.0.2.47")));  // a cold principal: a miss, then cached
    ASSERT_EQ(body_of(read_answer(c)), "good 192.0.2.47");
    const double before = hits();
    ASSERT_TRUE(c.send(request("192.0.2.48")));  // a change
    ASSERT_EQ(body_of(read_answer(c)), "good 192.0.2.48");
    EXPECT_EQ(hits() - before, 1);
    ASSERT_TRUE(c.send(request("192.0.2.48")));  // no change, answered on the loop
    ASSERT_EQ(body_of(read_answer(c)), "nochg 192.0.2.48");
    EXPECT_EQ(hits() - before, 2);
}

// A read that returned less than asked ends the read (no recv just to hear EAGAIN): nothing may
// be left unread. Pipelined requests beyond one read buffer (16 KiB) are all answered, and so is a
// request that arrives in pieces, twice on one connection.
TEST_F(InlineServe, PipelinedAndPiecewiseRequestsAreAllAnswered) {
    ASSERT_EQ(
        stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.49", {{user, kPassword}}).body,
        "good 192.0.2.49");
    Connection c(stack().http_port());
    std::string many;
    for (int i = 0; i < 90; ++i) many += request("192.0.2.49");
    ASSERT_GT(many.size(), 16u * 1024u);
    ASSERT_TRUE(c.send(many));
    std::string got;
    const auto count = [&] {
        std::size_t n = 0;
        for (auto at = got.find("nochg 192.0.2.49"); at != std::string::npos;
             at = got.find("nochg 192.0.2.49", at + 1))
            ++n;
        return n;
    };
    for (int i = 0; i < 100 && count() < 90 && !c.closed(); ++i)
        got += c.read(std::chrono::milliseconds(100));
    EXPECT_EQ(count(), 90u);
    for (int round = 0; round < 2; ++round) {
        const std::string one = request("192.0.2.49");
        for (std::size_t at = 0; at < one.size(); at += 9) {
            ASSERT_TRUE(c.send(one.substr(at, 9)));
            std::this_thread::sleep_for(std::chrono::milliseconds(3));
        }
        EXPECT_EQ(body_of(read_answer(c)), "nochg 192.0.2.49") << "round " << round;
    }
}

// The client's FIN right behind its request: the request is answered and the connection closed,
// whether the FIN came with the request's event or after it.
TEST_F(InlineServe, ARequestFollowedByTheClientsEndIsAnsweredAndClosed) {
    ASSERT_EQ(
        stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.50", {{user, kPassword}}).body,
        "good 192.0.2.50");
    for (int i = 0; i < 20; ++i) {
        Connection c(stack().http_port());
        ASSERT_TRUE(c.send(request("192.0.2.50")));
        if (i % 2 == 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ASSERT_EQ(::shutdown(c.fd(), SHUT_WR), 0);
        const std::string got = c.read(std::chrono::seconds(5));
        EXPECT_EQ(body_of(got), "nochg 192.0.2.50") << i;
        EXPECT_TRUE(c.closed()) << i;
    }
}

// Routes without an inline handler (here the health row) are served by a worker on a
// connection whose other requests were answered inline.
TEST_F(InlineServe, OtherRoutesAreServedByWorkersOnTheSameConnection) {
    ASSERT_EQ(
        stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.45", {{user, kPassword}}).body,
        "good 192.0.2.45");
    Connection c(stack().http_port());
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(c.send(request("192.0.2.45")));
        EXPECT_EQ(body_of(read_answer(c)), "nochg 192.0.2.45");
        ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n"));
        EXPECT_NE(read_answer(c).find("HTTP/1.1 200"), std::string::npos);
        ASSERT_TRUE(c.send("GET /no/such/page HTTP/1.1\r\nHost: gw\r\n\r\n"));
        EXPECT_NE(read_answer(c).find("HTTP/1.1 404"), std::string::npos);
    }
}

// Both loops count against one cap per address: six connections from one address are served,
// the seventh is refused, whichever loop accepted each.
TEST_F(InlineServe, LoopsShareTheConnectionCap) {
    const std::string source = "127.0.7." + std::to_string(10 + iteration_of("cap") % 200);
    std::vector<std::unique_ptr<Connection>> held;
    for (int i = 0; i < 6; ++i) {
        held.push_back(std::make_unique<Connection>(stack().http_port(), source));
        ASSERT_TRUE(held.back()->send("GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n"));
        ASSERT_NE(read_answer(*held.back()).find(" 200 "), std::string::npos) << i;
    }
    Connection seventh(stack().http_port(), source);
    EXPECT_NE(seventh.read(std::chrono::seconds(5)).find(" 503 "), std::string::npos);
    held.clear();
    EXPECT_TRUE(wait_until([&] {
        return http_exchange(stack().http_port(), "GET /healthz HTTP/1.0\r\n\r\n",
                             std::chrono::seconds(5), source)
                   .status == 200;
    }));
}

// SIGTERM with two loops: idle keep-alive connections on both are closed, a request begun is
// answered, and the process exits 0 within the grace.
TEST_F(InlineServe, TwoLoopsDrainOnSigterm) {
    SecondInstance instance(
        stack(), [](std::string config) { return config + "http.shutdown_grace = 10\n"; });
    ASSERT_TRUE(instance.ready()) << instance.log();
    std::vector<std::unique_ptr<Connection>> idle;
    for (int i = 0; i < 4; ++i) {
        idle.push_back(std::make_unique<Connection>(instance.port()));
        ASSERT_TRUE(idle.back()->send("GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n"));
        ASSERT_NE(read_answer(*idle.back()).find(" 200 "), std::string::npos);
    }
    Connection begun(instance.port());
    ASSERT_TRUE(begun.send("GET /healthz HTTP/1.1\r\nHost: gw\r\n"));  // head not finished
    ASSERT_TRUE(instance.signal(SIGTERM));
    for (auto& c : idle) {
        c->read(std::chrono::seconds(5));
        EXPECT_TRUE(c->closed());
    }
    ASSERT_TRUE(begun.send("\r\n"));
    const std::string answer = begun.read(std::chrono::seconds(5));
    EXPECT_NE(answer.find(" 200 "), std::string::npos) << answer;
    EXPECT_NE(answer.find("Connection: Close"), std::string::npos) << answer;
    EXPECT_TRUE(wait_until([&] { return !instance.running(); }, std::chrono::seconds(15)));
    EXPECT_EQ(instance.stop(), 0) << instance.log();
}

}  // namespace
}  // namespace ddns::test
