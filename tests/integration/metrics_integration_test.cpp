// Monitoring end to end on the real binary: /metrics on its own listener, read with the
// prometheus_client parser after traffic of every dialect and checked against what was sent;
// a stopped named moves the UPDATE failure counters; the JSON access log has every field, no
// secret of the run and no query string; SIGHUP reopens log.file after a rotation.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "metrics-pass-3f9a";

const std::uint16_t kMetricsPort = free_port();
const TempDir kLogDir("ddns-metrics-log");
const std::filesystem::path kLogFile = kLogDir.path() / "gateway.json.log";

// No background UPDATEs (sweeper, reconciler), so the UPDATE counters are the requests' alone.
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.extra_config = "metrics.listen = 127.0.0.1:" + std::to_string(kMetricsPort) +
                     "\nlog.format = json\nlog.file = " + kLogFile.string() +
                     "\nsweep.interval = 0\nreconcile.interval = 0\n"
                     "dns.attempts = 1\n";
    return o;
}()));

std::string script(const std::string& name) {
    return std::string(DDNS_TEST_SUPPORT_DIR) + "/" + name;
}

// Debian's interpreter: python3-prometheus-client is installed for it, not for another python3
// that may come first on PATH.
constexpr const char* kPython = "/usr/bin/python3";

// Samples as "name{a=x,b=y}" -> value, read by the real parser.
using Samples = std::map<std::string, double>;

class Metrics : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << "---- log.file ----\n" << read_file(kLogFile);
        StackTest::TearDown();
    }

    Samples scrape() {
        const auto reply = http_exchange(
            kMetricsPort, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        EXPECT_EQ(reply.status, 200) << reply.raw;
        EXPECT_EQ(reply.header("Content-Type").value_or(""),
                  "text/plain; version=0.0.4; charset=utf-8");
        const auto parsed = run_command({kPython, script("parse_metrics.py")},
                                        std::chrono::seconds(30), reply.body);
        EXPECT_EQ(parsed.exit_code, 0) << parsed.output << "\n" << reply.body;
        Samples out;
        std::istringstream lines(parsed.output);
        std::string name;
        std::string labels;
        std::string value;
        while (std::getline(lines, name, '\t') && std::getline(lines, labels, '\t') &&
               std::getline(lines, value))
            out[name + "{" + labels + "}"] = std::stod(value);
        return out;
    }
    static double at(const Samples& s, const std::string& key) {
        const auto it = s.find(key);
        return it == s.end() ? 0 : it->second;
    }
    // How much `key` grew from `before` to `after`.
    static double delta(const Samples& before, const Samples& after, const std::string& key) {
        return at(after, key) - at(before, key);
    }
    // The sum of every series of `name` whose labels contain `part`, grown since `before`.
    static double delta_sum(const Samples& before, const Samples& after, const std::string& name,
                            const std::string& part) {
        double sum = 0;
        for (const auto& [key, value] : after)
            if (key.rfind(name + "{", 0) == 0 && key.find(part) != std::string::npos)
                sum += value - at(before, key);
        return sum;
    }

    HttpReply dyndns2(const std::string& ip, const std::string& password = kPassword) {
        return stack().get("/nic/update?hostname=" + host + "&myip=" + ip,
                           std::pair{user, password});
    }

    std::string user;
    std::string host;
};

TEST_F(Metrics, CountersFollowTheTrafficOfEveryDialect) {
    const Samples before = scrape();
    for (const char* ip : {"192.0.2.1", "192.0.2.2", "192.0.2.3"})
        ASSERT_EQ(dyndns2(ip).body, std::string("good ") + ip);
    ASSERT_EQ(dyndns2("192.0.2.3").body, "nochg 192.0.2.3");
    ASSERT_EQ(dyndns2("192.0.2.3").body, "nochg 192.0.2.3");
    ASSERT_EQ(dyndns2("192.0.2.4", "wrong password").body, "badauth");
    const std::string token = stack().add_token(user);
    ASSERT_EQ(stack().admin({"account", "enable-updates", user}).exit_code, 0);
    const auto dynamic =
        stack().get("/dynamic?host=" + host + "&ip=192.0.2.5", std::pair{user, token});
    ASSERT_EQ(dynamic.status, 200) << dynamic.raw;
    const auto dynamip = stack().get("/login/updateip.asp?SiteID=" + host +
                                     "&Password=" + kPassword + "&IPAddr=192.0.2.6&ProgVer=1.0");
    ASSERT_EQ(dynamip.status, 200) << dynamip.raw;
    const auto myserver =
        stack().get("/dnslogin3.asp?Usr=" + user + "&Pwd=" + kPassword + "&FXN=Add&IP=192.0.2.7",
                    std::nullopt, {"User-Agent: Dynamic DNS App"});
    ASSERT_EQ(myserver.body, "DNS ADD:SUCCESS\r\n");
    ASSERT_EQ(stack().get("/myip").status, 200);
    ASSERT_EQ(stack().get("/checkip").status, 200);
    ASSERT_EQ(stack().get("/no/such/path").status, 404);
    // MyServer's Add adds an address beside the one DynamIP set (issue #8).
    ASSERT_EQ(a_records(host), (std::vector<std::string>{"192.0.2.6", "192.0.2.7"}));

    const Samples after = scrape();
    const auto answers = [&](const std::string& labels) {
        return delta(before, after, "ddns_update_answers_total{" + labels + "}");
    };
    EXPECT_EQ(answers("answer=good,dialect=dyndns2"), 3);
    EXPECT_EQ(answers("answer=nochg,dialect=dyndns2"), 2);
    EXPECT_EQ(answers("answer=badauth,dialect=dyndns2"), 1);
    EXPECT_EQ(delta_sum(before, after, "ddns_update_answers_total", "dialect=dynamic"), 1);
    EXPECT_EQ(delta_sum(before, after, "ddns_update_answers_total", "dialect=dynamip"), 1);
    EXPECT_EQ(delta_sum(before, after, "ddns_update_answers_total", "dialect=myserver"), 1);

    const auto requests = [&](const std::string& labels) {
        return delta(before, after, "ddns_http_requests_total{" + labels + "}");
    };
    EXPECT_GE(requests("route=dyndns2,status=200"), 5);
    EXPECT_EQ(delta_sum(before, after, "ddns_http_requests_total", "route=dyndns2,"), 6);
    EXPECT_EQ(requests("route=dynamic,status=200"), 1);
    EXPECT_EQ(requests("route=dynamip,status=200"), 1);
    EXPECT_EQ(requests("route=myserver,status=200"), 1);
    EXPECT_EQ(requests("route=checkip,status=200"), 2);
    EXPECT_EQ(requests("route=unknown,status=404"), 1);

    // Six changes, each its own UPDATE (the requests came one after another): 3 dyndns2, one
    // each of /dynamic, DynamIP and MyServer.
    const std::string zone = std::string("zone=") + kZone;
    EXPECT_EQ(delta(before, after, "ddns_dns_updates_total{rcode=success," + zone + "}"), 6);
    EXPECT_EQ(delta(before, after, "ddns_dns_update_duration_seconds_count{" + zone + "}"), 6);
    EXPECT_EQ(delta(before, after, "ddns_dns_update_changes_count{}"), 6);
    EXPECT_EQ(delta_sum(before, after, "ddns_dns_tsig_failures_total", zone), 0);

    // Present from the start, whatever their value.
    for (const char* name :
         {"ddns_process_start_time_seconds{}", "ddns_http_threads_busy{}",
          "ddns_http_connections_open{}", "ddns_db_pool_waits_total{pool=requests}",
          "ddns_update_log_queue_depth{}", "ddns_update_log_dropped_total{}",
          "ddns_sweeper_passes_total{}", "ddns_reconcile_repaired_total{}",
          "ddns_nochg_budget_refusals_total{}"})
        EXPECT_TRUE(after.count(name)) << name;
    EXPECT_GT(at(after, "ddns_process_start_time_seconds{}"), 1.7e9);
    EXPECT_EQ(delta_sum(before, after, "ddns_build_info", "version="), 0);
}

TEST_F(Metrics, AStoppedNamedMovesTheUpdateFailureCounters) {
    ASSERT_EQ(dyndns2("198.51.100.1").body, "good 198.51.100.1");
    const Samples before = scrape();
    stack().named().stop();
    const auto reply = dyndns2("198.51.100.2");
    stack().named().start_again();
    EXPECT_EQ(reply.body, "dnserr");
    const Samples after = scrape();
    const std::string zone = std::string("zone=") + kZone;
    const double failed =
        delta(before, after, "ddns_dns_updates_total{rcode=timeout," + zone + "}") +
        delta(before, after, "ddns_dns_updates_total{rcode=network-error," + zone + "}");
    EXPECT_EQ(failed, 1);
    EXPECT_EQ(delta(before, after, "ddns_dns_updates_total{rcode=success," + zone + "}"), 0);
    EXPECT_EQ(delta(before, after, "ddns_update_answers_total{answer=dnserr,dialect=dyndns2}"), 1);
}

TEST_F(Metrics, MetricsAreNotOnTheUpdateListener) {
    EXPECT_EQ(stack().get("/metrics").status, 404);
}

// Every line of the run so far, as objects of field -> value.
std::vector<std::map<std::string, std::string>> json_log() {
    const auto parsed = run_command({kPython, script("parse_json_log.py"), kLogFile.string()});
    EXPECT_EQ(parsed.exit_code, 0) << parsed.output;
    std::vector<std::map<std::string, std::string>> out(1);
    std::istringstream lines(parsed.output);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty()) {
            out.emplace_back();
            continue;
        }
        const auto tab = line.find('\t');
        out.back()[line.substr(0, tab)] = line.substr(tab + 1);
    }
    out.pop_back();
    return out;
}

TEST_F(Metrics, JsonAccessLinesHaveEveryFieldAndNoSecret) {
    const std::string token = stack().add_token(user, host);
    // Control bytes in a header are refused before any dialect sees them; a byte that is not
    // UTF-8 gets through and must still leave every line valid JSON.
    const std::string agent = "metrics-test/" + user + " caf\xe9";
    // Credentials in the query (DynamIP), in the Authorization header (dyndns2), a token as the
    // password (dyndns2), a wrong password: none may show up anywhere in the log.
    const auto by_header =
        stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.40",
                    std::pair{user, std::string(kPassword)}, {"User-Agent: " + agent});
    ASSERT_EQ(by_header.body, "good 192.0.2.40");
    const auto by_token = stack().get("/nic/update?hostname=" + host + "&myip=192.0.2.41",
                                      std::pair{user, token}, {"User-Agent: " + agent});
    ASSERT_EQ(by_token.body, "good 192.0.2.41");
    const std::string wrong = "wrong-" + user + "-secret";
    ASSERT_EQ(dyndns2("192.0.2.42", wrong).body, "badauth");
    const auto dynamip = stack().get("/login/updateip.asp?SiteID=" + host +
                                     "&Password=" + kPassword + "&IPAddr=192.0.2.43&ProgVer=1.0");
    ASSERT_EQ(dynamip.status, 200);

    const std::string text = read_file(kLogFile);
    for (const std::string& secret :
         {std::string(kPassword), token, wrong, base64(user + ":" + kPassword),
          base64(user + ":" + token), std::string("Authorization"), std::string("myip="),
          std::string("Password="), std::string("IPAddr=")})
        EXPECT_EQ(text.find(secret), std::string::npos) << "the log holds " << secret;

    std::vector<std::map<std::string, std::string>> mine;
    for (auto& line : json_log())
        if (line["msg"] == "access" && line["path"] == "/nic/update" &&
            line["user_agent"].find(user) != std::string::npos)
            mine.push_back(line);
    ASSERT_EQ(mine.size(), 2u);
    const std::string port = std::to_string(stack().http_port());
    for (auto& line : mine) {
        EXPECT_EQ(line["level"], "info");
        EXPECT_EQ(line["time"].size(), 24u) << line["time"];  // 2026-12-06T21:00:00.000Z
        EXPECT_EQ(line["listener"], "http:" + port);
        EXPECT_EQ(line["client"], "127.0.0.1");
        EXPECT_EQ(line["peer"], "127.0.0.1");
        EXPECT_EQ(line["method"], "GET");
        EXPECT_EQ(line["route"], "dyndns2");
        EXPECT_EQ(line["answer"], "good");
        EXPECT_EQ(line["status"], "200");
        EXPECT_GT(std::stod(line["duration_ms"]), 0.0);
        EXPECT_EQ(line["account"], user);
        // The Latin-1 byte became U+FFFD (shown escaped by the parser script).
        EXPECT_EQ(line["user_agent"], "metrics-test/" + user + " caf\\ufffd");
    }
    // The failed login names no account: a presented name is not a proven one.
    bool saw_badauth = false;
    for (auto& line : json_log())
        if (line["msg"] == "access" && line["answer"] == "badauth" &&
            line["path"] == "/nic/update") {
            saw_badauth = true;
            EXPECT_EQ(line.count("account"), 0u);
        }
    EXPECT_TRUE(saw_badauth);
}

TEST_F(Metrics, SighupReopensTheLogFile) {
    const auto rotated = kLogDir.path() / ("rotated-" + user + ".log");
    std::filesystem::rename(kLogFile, rotated);
    stack().signal_gateway(SIGHUP);
    ASSERT_TRUE(wait_until([] { return std::filesystem::exists(kLogFile); }));
    ASSERT_EQ(dyndns2("192.0.2.50").body, "good 192.0.2.50");
    const std::string mine = "\"account\":\"" + user + "\"";
    ASSERT_TRUE(wait_until([&] { return read_file(kLogFile).find(mine) != std::string::npos; }))
        << read_file(kLogFile);
    EXPECT_NE(read_file(kLogFile).find("log file reopened"), std::string::npos);
    EXPECT_EQ(read_file(rotated).find(mine), std::string::npos);
    EXPECT_TRUE(stack().get("/healthz").status == 200);
}

}  // namespace
}  // namespace ddns::test
