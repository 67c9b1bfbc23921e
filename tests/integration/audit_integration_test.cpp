// Fault accounting and the update log end to end: updates through the real gateway, then what
// `admin host show` and `admin log` print once the background writer caught up, the counters in
// PostgreSQL, and pruning by age.
#include <gtest/gtest.h>

#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "correct horse battery";

// denied.test is served by named but refuses the key the gateway will be given for it. Pruning
// runs every second so the test can watch an old row go.
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.unregistered_zones = {"denied.test", "records.test"};
    o.extra_config = "audit.retention = 30d\naudit.prune_interval = 1s\n";
    return o;
}()));

using Strings = std::vector<std::string>;

// A password as a query value (the test passwords contain spaces).
std::string pct(const std::string& text) {
    std::string out;
    for (char c : text) out += c == ' ' ? std::string("%20") : std::string(1, c);
    return out;
}

// One row of `admin log`: the columns before DETAIL (which may contain spaces), DETAIL, and the
// two after it.
struct LogRow {
    Strings columns;  // TIME HOST USER CLIENT DIALECT OUTCOME FAULT CHANGED TLS AGENT
    std::string detail;
    Strings tail;  // REPEATS FIRST
    const std::string& repeats() const { return tail.at(0); }
    const std::string& host() const { return columns.at(1); }
    const std::string& user() const { return columns.at(2); }
    const std::string& outcome() const { return columns.at(5); }
    const std::string& fault() const { return columns.at(6); }
    const std::string& changed() const { return columns.at(7); }
};

std::vector<LogRow> parse_log(const std::string& output) {
    std::vector<LogRow> rows;
    std::istringstream lines(output);
    std::string line;
    std::getline(lines, line);  // header
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        LogRow row;
        std::string word;
        while (row.columns.size() < 10 && words >> word) row.columns.push_back(word);
        std::getline(words >> std::ws, row.detail);
        // REPEATS and FIRST follow DETAIL: the last two words.
        for (int tail = 0; tail < 2; ++tail) {
            const auto cut = row.detail.find_last_of(' ');
            row.tail.insert(row.tail.begin(), row.detail.substr(cut + 1));
            row.detail = cut == std::string::npos ? "" : row.detail.substr(0, cut);
            while (!row.detail.empty() && row.detail.back() == ' ') row.detail.pop_back();
        }
        if (row.columns.size() == 10) rows.push_back(row);
    }
    return rows;
}

class Audit : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    HttpReply update(const std::string& query, const std::string& password = kPassword) {
        return stack().get("/nic/update?" + query, std::pair{user, password});
    }
    std::string show(const std::string& name) {
        const auto r = stack().admin({"host", "show", name});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return r.output;
    }
    // The value printed after "key:" by `admin host show`.
    static std::string field(const std::string& shown, const std::string& key) {
        std::istringstream lines(shown);
        std::string line;
        while (std::getline(lines, line))
            if (line.rfind(key + ":", 0) == 0) {
                const auto value = line.find_first_not_of(' ', key.size() + 1);
                return value == std::string::npos ? "" : line.substr(value);
            }
        return "(no " + key + ")";
    }
    std::vector<LogRow> log(const Strings& filter) {
        Strings args{"log"};
        args.insert(args.end(), filter.begin(), filter.end());
        const auto r = stack().admin(args);
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return parse_log(r.output);
    }
    // The background writer is asynchronous: wait until the log holds `n` rows for the host.
    std::vector<LogRow> wait_for_log(const std::string& name, std::size_t n) {
        std::vector<LogRow> rows;
        wait_until(
            [&] {
                rows = log({"--host", name, "--since", "1h"});
                return rows.size() >= n;
            },
            std::chrono::seconds(20), std::chrono::milliseconds(100));
        return rows;
    }

    std::string user;
    std::string host;
};

TEST_F(Audit, HostShowAndLogTellWhatHappened) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.60").body, "good 192.0.2.60");
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.60").body, "nochg 192.0.2.60");
    const auto denied = update("hostname=" + host + "&myip=192.0.2.61", "wrong password");
    ASSERT_EQ(denied.status, 401);
    ASSERT_EQ(update("hostname=" + host + "&myip=10.0.0.1").body, "dnserr");

    const auto rows = wait_for_log(host, 4);
    ASSERT_EQ(rows.size(), 4u) << stack().admin({"log"}).output;
    // Newest first.
    EXPECT_EQ(rows[0].outcome(), "dnserr");
    EXPECT_EQ(rows[0].fault(), "client");
    EXPECT_EQ(rows[0].detail, "address 10.0.0.1 is not publicly routable");
    EXPECT_EQ(rows[1].outcome(), "badauth");
    EXPECT_EQ(rows[1].fault(), "auth") << "wrong password naming a host of that account";
    EXPECT_EQ(rows[1].detail, "wrong credentials");
    EXPECT_EQ(rows[2].outcome(), "nochg");
    EXPECT_EQ(rows[2].fault(), "none");
    EXPECT_EQ(rows[2].changed(), "-");
    EXPECT_EQ(rows[3].outcome(), "good");
    EXPECT_EQ(rows[3].changed(), "A");
    for (const auto& row : rows) {
        EXPECT_EQ(row.host(), host);
        EXPECT_EQ(row.user(), user);
        EXPECT_EQ(row.columns[3], "127.0.0.1");
        EXPECT_EQ(row.columns[4], "dyndns2");
        EXPECT_EQ(row.columns[8], "no") << "plain HTTP";
        EXPECT_EQ(row.columns[9], "ddns-test/1.0");
    }
    // The badauth attempt is also found under the account it named.
    EXPECT_EQ(log({"--account", user, "--since", "1h"}).size(), 4u);
    EXPECT_EQ(log({"--host", host, "--limit", "2"}).size(), 2u);

    const std::string shown = show(host);
    EXPECT_EQ(field(shown, "host"), host);
    EXPECT_EQ(field(shown, "zone"), kZone);
    EXPECT_EQ(field(shown, "account"), user);
    EXPECT_EQ(field(shown, "ttl"), "60");
    EXPECT_EQ(field(shown, "ipv4"), "192.0.2.60");
    EXPECT_EQ(field(shown, "ipv6"), "-");
    EXPECT_NE(field(shown, "last_seen"), "-");
    EXPECT_NE(field(shown, "updated_at"), "-");
    EXPECT_EQ(field(shown, "last_update_ipv4"), field(shown, "updated_at"));
    EXPECT_EQ(field(shown, "last_update_ipv6"), "-");
    EXPECT_EQ(field(shown, "last_update_tls"), "no");
    EXPECT_EQ(field(shown, "client_faults"), "1");
    EXPECT_EQ(field(shown, "server_faults"), "0");
    EXPECT_EQ(field(shown, "auth_faults"), "1");
    EXPECT_EQ(field(shown, "last_fault"),
              "client fault: dnserr (address 10.0.0.1 is not publicly routable)");
    EXPECT_NE(field(shown, "last_fault_at"), "-");
    // What BIND serves is untouched by the refused requests.
    EXPECT_EQ(stack().named().query(host, "A"), Strings{"192.0.2.60"});
}

TEST_F(Audit, ABindThatRefusesRaisesOnlyTheServerFaultCounter) {
    const auto added =
        stack().admin({"zone", "add", "denied.test", "--server",
                       "127.0.0.1:" + std::to_string(stack().named().port()), "--key-file",
                       stack().named().ungranted_key_file().string(), "--no-check"});
    if (added.exit_code != 0) {
        ASSERT_NE(added.output.find("already exists"), std::string::npos) << added.output;
    }
    const std::string denied_host = user + ".denied.test";
    stack().add_host(denied_host, user);
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(update("hostname=" + denied_host + "&myip=192.0.2.62").body, "dnserr");

    const auto rows = wait_for_log(denied_host, 3);
    ASSERT_EQ(rows.size(), 3u);
    for (const auto& row : rows) {
        EXPECT_EQ(row.fault(), "server");
        EXPECT_EQ(row.detail, "DNS update failed: refused");
    }
    const std::string shown = show(denied_host);
    EXPECT_EQ(field(shown, "server_faults"), "3");
    EXPECT_EQ(field(shown, "client_faults"), "0") << "BIND's refusal is not the client's fault";
    EXPECT_EQ(field(shown, "auth_faults"), "0");
    EXPECT_EQ(field(shown, "last_fault"), "server fault: dnserr (DNS update failed: refused)");
    EXPECT_EQ(field(shown, "last_update_ipv4"), "-");
    EXPECT_EQ(stack().sql("select client_faults || '/' || server_faults || '/' || auth_faults "
                          "from host_counters c join hosts h on h.id = c.host_id where name = '" +
                          denied_host + "'"),
              "0/3/0");
}

// The other dialects through the same path. `send(name, address, password)` sends one update
// of the dialect as `user`; it returns the body. Checks a change, wrong credentials, a refused
// address and a BIND refusal, each with its fault class, under the dialect's name.
class AuditDialects : public Audit {
protected:
    using Send = std::function<std::string(const std::string& name, const std::string& address,
                                           const std::string& password)>;

    void add_denied_zone() {
        const auto added =
            stack().admin({"zone", "add", "denied.test", "--server",
                           "127.0.0.1:" + std::to_string(stack().named().port()), "--key-file",
                           stack().named().ungranted_key_file().string(), "--no-check"});
        if (added.exit_code != 0) {
            ASSERT_NE(added.output.find("already exists"), std::string::npos) << added.output;
        }
    }

    void expect_faults_by_class(const std::string& dialect, const std::string& good_word,
                                const Send& send) {
        add_denied_zone();
        const std::string denied_host = user + ".denied.test";
        stack().add_host(denied_host, user);
        EXPECT_NE(send(host, "192.0.2.64", kPassword).find(good_word), std::string::npos);
        send(host, "192.0.2.65", "wrong password");
        send(host, "10.0.0.1", kPassword);
        send(denied_host, "192.0.2.66", kPassword);

        const auto rows = wait_for_log(host, 3);
        ASSERT_EQ(rows.size(), 3u) << stack().admin({"log"}).output;
        EXPECT_EQ(rows[0].fault(), "client") << "refused address";
        EXPECT_EQ(rows[1].fault(), "auth") << "wrong credentials for a host of that account";
        EXPECT_EQ(rows[2].fault(), "none");
        EXPECT_EQ(rows[2].changed(), "A");
        for (const auto& row : rows) {
            EXPECT_EQ(row.host(), host);
            EXPECT_EQ(row.columns[4], dialect);
        }
        const std::string shown = show(host);
        EXPECT_EQ(field(shown, "client_faults"), "1");
        EXPECT_EQ(field(shown, "auth_faults"), "1");
        EXPECT_EQ(field(shown, "server_faults"), "0");
        // The update log's time is taken when the answer is logged, the host's updated_at when
        // the change commits: the same change, moments apart (shown to the second, they can
        // straddle a second boundary on a busy machine).
        EXPECT_EQ(stack().sql("select abs(extract(epoch from last_update_ipv4 - updated_at)) < 5 "
                              "from hosts h left join host_counters c on c.host_id = h.id "
                              "where name = '" +
                              host + "'"),
                  "t")
            << field(shown, "last_update_ipv4") << " vs " << field(shown, "updated_at");
        EXPECT_EQ(stack().named().query(host, "A"), Strings{"192.0.2.64"});

        const auto denied = wait_for_log(denied_host, 1);
        ASSERT_EQ(denied.size(), 1u);
        EXPECT_EQ(denied[0].columns[4], dialect);
        EXPECT_EQ(denied[0].fault(), "server");
        EXPECT_EQ(denied[0].detail, "DNS update failed: refused");
        EXPECT_EQ(stack().sql("select client_faults || '/' || server_faults || '/' || auth_faults "
                              "from host_counters c join hosts h on h.id = c.host_id "
                              "where name = '" +
                              denied_host + "'"),
                  "0/1/0")
            << "BIND's refusal is only the server's fault";
    }
};

TEST_F(AuditDialects, DynamicUpdatesAreLoggedWithTheirFaultClass) {
    ASSERT_EQ(stack().admin({"account", "enable-updates", user}).exit_code, 0);
    const std::string token = stack().add_token(user);
    expect_faults_by_class(
        "dynamic", "OK", [&](const auto& name, const auto& address, const std::string& password) {
            const std::string secret = password == kPassword ? token : "ddns_wrongtoken";
            return stack()
                .get("/dynamic?host=" + name + "&ip=" + address + "&user=" + user +
                     "&password=" + secret)
                .body;
        });
}

TEST_F(AuditDialects, DynamipUpdatesAreLoggedWithTheirFaultClass) {
    expect_faults_by_class("dynamip", "IP Address for",
                           [&](const auto& name, const auto& address, const std::string& password) {
                               return stack()
                                   .get("/Login/updateip.asp?SiteID=" + name + "&Password=" +
                                        pct(password) + "&IPAddr=" + address + "&ProgVer=1.0")
                                   .body;
                           });
}

TEST_F(AuditDialects, MyServerUpdatesAreLoggedWithTheirFaultClass) {
    expect_faults_by_class("myserver", "DNS ADD:SUCCESS",
                           [&](const auto& name, const auto& address, const std::string& password) {
                               return stack()
                                   .get("/dnslogin3.asp?FXN=Add&Usr=" + user + "&Pwd=" +
                                        pct(password) + "&Host=" + name + "&Type=A&IP=" + address)
                                   .body;
                           });
}

// A domain account's records have no host row: the log names the account and the record.
TEST_F(AuditDialects, MyServerRecordOperationsAreLoggedUnderTheAccount) {
    const std::string owner = user + "-domain";
    stack().add_account(owner, kPassword, "domain");
    const auto added =
        stack().admin({"zone", "add", "records.test", "--server",
                       "127.0.0.1:" + std::to_string(stack().named().port()), "--key-file",
                       stack().named().key_file().string(), "--ttl", "60", "--owner", owner});
    ASSERT_EQ(added.exit_code, 0) << added.output;
    const std::string pwd = pct(kPassword);
    ASSERT_EQ(stack()
                  .get("/dnslogin3.asp?FXN=Add&Usr=" + owner + "&Pwd=" + pwd +
                       "&Host=www&Type=A&IP=192.0.2.67")
                  .body,
              "DNS ADD:SUCCESS\r\n");
    ASSERT_EQ(stack().named().query("www.records.test", "A"), Strings{"192.0.2.67"});
    std::vector<LogRow> rows;
    wait_until([&] {
        rows = log({"--account", owner, "--since", "1h"});
        return !rows.empty();
    });
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].host(), "www.records.test");
    EXPECT_EQ(rows[0].columns[4], "myserver");
    EXPECT_EQ(rows[0].outcome(), "dns-add-success");
    EXPECT_EQ(rows[0].fault(), "none");
    EXPECT_NE(rows[0].detail.find("A record 192.0.2.67"), std::string::npos) << rows[0].detail;
}

TEST_F(Audit, RowsOlderThanTheRetentionArePruned) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.63").body, "good 192.0.2.63");
    ASSERT_EQ(wait_for_log(host, 1).size(), 1u);
    stack().sql(
        "insert into update_log (logged_at, host_id, hostname, client, dialect, outcome, fault, "
        "tls) select now() - interval '31 days', id, name, '192.0.2.1', 'dyndns2', 'good', "
        "'none', false from hosts where name = '" +
        host + "'");
    const std::string count_old =
        "select count(*) from update_log l join hosts h on h.id = l.host_id where h.name = '" +
        host + "' and l.logged_at < now() - interval '30 days'";
    EXPECT_TRUE(wait_until([&] { return stack().sql(count_old) == "0"; }))
        << "the pruner did not delete the 31-day-old row";
    EXPECT_EQ(log({"--host", host}).size(), 1u) << "the recent row stays";
}

TEST_F(Audit, AdminSaysClearlyWhatItCannotShow) {
    auto r = stack().admin({"host", "show", "nothere." + std::string(kZone)});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("host nothere.example.test: not found"), std::string::npos) << r.output;
    r = stack().admin({"log", "--host", "nothere." + std::string(kZone)});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("not found"), std::string::npos) << r.output;
    r = stack().admin({"log", "--account", user + "-nobody"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("account " + user + "-nobody: not found"), std::string::npos)
        << r.output;
    r = stack().admin({"log", "--since", "yesterday"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("--since must be a duration"), std::string::npos) << r.output;
    r = stack().admin({"log", "--limit", "0"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("--limit must be a number"), std::string::npos) << r.output;
}

// Many identical no-change answers written as one row (the writer merges them while they wait):
// `admin log` shows how many requests the row stands for and when the first of them came.
TEST_F(Audit, LogShowsTheCountOfAMergedRow) {
    ASSERT_EQ(update("hostname=" + host + "&myip=192.0.2.90").body, "good 192.0.2.90");
    ASSERT_EQ(wait_for_log(host, 1).size(), 1u);
    stack().sql(
        "insert into update_log (logged_at, first_logged_at, repeats, host_id, hostname, client, "
        "dialect, outcome, fault, tls) select now(), now() - interval '37 seconds', 37, id, name, "
        "'192.0.2.90', 'dyndns2', 'nochg', 'none', false from hosts where name = '" +
        host + "'");
    const auto rows = wait_for_log(host, 2);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].outcome(), "nochg");
    EXPECT_EQ(rows[0].repeats(), "37");
    EXPECT_NE(rows[0].tail.at(1), rows[0].columns.at(0)) << "first and last time differ";
    EXPECT_EQ(rows[1].repeats(), "1");
    const auto json = stack().admin({"log", "--host", host, "--json"});
    EXPECT_NE(json.output.find("\"repeats\":37"), std::string::npos) << json.output;
}

}  // namespace
}  // namespace ddns::test
