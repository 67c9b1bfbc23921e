// The operator's command line against the real stack: every admin command, its errors, and the
// rule that removing a name clears it in BIND before the database forgets it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "ddns/nsupdate/update_client.hpp"
#include "stack_environment.hpp"

namespace ddns::test {
namespace {

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {"example.test"};
    o.unregistered_zones = {"spare.test"};
    o.extra_config = kCacheMaxLagConfig;
    return o;
}()));

constexpr const char* kPassword = "admin-test-password";
using Strings = std::vector<std::string>;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Where each cell of a table line starts: columns are separated by two or more spaces.
std::vector<std::size_t> cell_starts(const std::string& line) {
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < line.size(); ++i)
        if (line[i] != ' ' && (i == 0 || (i >= 2 && line[i - 1] == ' ' && line[i - 2] == ' ')))
            starts.push_back(i);
    return starts;
}

// The header line of `table` and the line that starts with `first_cell`.
std::pair<std::string, std::string> header_and_row(const std::string& table,
                                                   const std::string& first_cell) {
    const std::string header = table.substr(0, table.find('\n'));
    const auto at = table.find("\n" + first_cell + " ");
    if (at == std::string::npos) return {header, {}};
    return {header, table.substr(at + 1, table.find('\n', at + 1) - at - 1)};
}

class Admin : public StackTest {
protected:
    CommandResult gateway(const std::vector<std::string>& args) {
        std::vector<std::string> argv{gateway_binary()};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv);
    }
    // Gives `name` a TXT record in BIND, as the zone's operator would by hand.
    void add_txt_in_bind(const std::string& name) {
        auto key = parse_tsig_key_file(read_file(stack().named().key_file()));
        ASSERT_TRUE(key.has_value());
        const auto txt = ResourceRecord::make(*DnsName::parse(name), RecordType::TXT, 300,
                                              TxtData{{"given out by hand"}});
        ASSERT_TRUE(txt.has_value());
        UpdateRequest request{*DnsName::parse("example.test"), {}, {AddRecord{*txt}}};
        UpdateClient client;
        const auto r =
            client.send(request, *key, {*IpAddress::parse("127.0.0.1"), stack().named().port()});
        ASSERT_TRUE(r.ok()) << r.detail;
        ASSERT_FALSE(stack().named().query(name, "TXT").empty());
    }
    std::string update(const std::string& user, const std::string& secret, const std::string& host,
                       const std::string& ip) {
        return stack()
            .get("/nic/update?hostname=" + host + "&myip=" + ip, std::pair{user, secret})
            .body;
    }
};

TEST_F(Admin, CheckConfigAndUsageErrorsExitNonZeroWithAMessage) {
    auto r = gateway({"check-config", "--config", stack().config_path().string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "configuration OK"));
    TempDir dir;
    write_file(dir.path() / "bad.conf", "database.url = x\nhttp.listen = nowhere\n");
    r = gateway({"check-config", "--config", (dir.path() / "bad.conf").string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "line 2")) << r.output;
    r = gateway({"check-config", "--config", (dir.path() / "missing.conf").string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "cannot read config file")) << r.output;
    r = run_command({gateway_binary(), "serve"}, std::chrono::seconds(30), {},
                    {{"DDNS_GATEWAY_CONFIG", ""}});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(contains(r.output, "needs --config")) << r.output;
    // The environment variable stands in for --config.
    r = run_command({gateway_binary(), "check-config"}, std::chrono::seconds(30), {},
                    {{"DDNS_GATEWAY_CONFIG", stack().config_path().string()}});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = stack().admin({"frobnicate", "now"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(contains(r.output, "unknown command")) << r.output;
}

// Issue #12: check-config parses database.url (a postgresql:// URI or key=value settings) and,
// with --connect, connects; the password in it is never echoed.
TEST_F(Admin, CheckConfigParsesTheDatabaseUrlAndConnectsOnRequest) {
    TempDir dir;
    for (const char* url : {"mysql://ddns:s3cret-pw@db/ddns", "postgresql//ddns:s3cret-pw@db/ddns",
                            "host=127.0.0.1 no_such_key=1 password=s3cret-pw"}) {
        write_file(dir.path() / "url.conf", std::string("database.url = ") + url + "\n");
        const auto r = gateway({"check-config", "--config", (dir.path() / "url.conf").string()});
        EXPECT_EQ(r.exit_code, 1) << url << ": " << r.output;
        EXPECT_TRUE(contains(r.output, "database.url")) << r.output;
        EXPECT_FALSE(contains(r.output, "s3cret-pw")) << r.output;
    }
    // The stack's own configuration connects.
    auto r = gateway({"check-config", "--config", stack().config_path().string(), "--connect"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "database reachable")) << r.output;
    // A well-formed URL of a server that is not there: fine without --connect, not with it.
    write_file(dir.path() / "down.conf",
               "database.url = postgresql://ddns:s3cret-pw@127.0.0.1:1/ddns?connect_timeout=2\n");
    r = gateway({"check-config", "--config", (dir.path() / "down.conf").string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = gateway({"check-config", "--config", (dir.path() / "down.conf").string(), "--connect"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_FALSE(contains(r.output, "s3cret-pw")) << r.output;
    r = gateway({"check-config", "--config", stack().config_path().string(), "--frob"});
    EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST_F(Admin, ServeRefusesAnUnmigratedDatabaseAndMigrateIsIdempotent) {
    std::string database = unique_label();
    std::replace(database.begin(), database.end(), '-', '_');
    const std::string conninfo = stack().postgres().create_database(database);
    TempDir dir;
    const auto conf = dir.path() / "g.conf";
    write_file(conf, "database.url = " + conninfo +
                         "\nhttp.listen = 127.0.0.1:" + std::to_string(free_port()) + "\n");
    auto r = gateway({"serve", "--config", conf.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "run `ddns-gateway migrate")) << r.output;
    r = gateway({"migrate", "--config", conf.string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "applied migrations")) << r.output;
    r = gateway({"migrate", "--config", conf.string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "up to date")) << r.output;
}

TEST_F(Admin, ZoneAddChecksTheKeyWithBindAndRefusesDuplicates) {
    const std::string server = "127.0.0.1:" + std::to_string(stack().named().port());
    auto r = stack().admin({"zone", "list"});
    EXPECT_TRUE(contains(r.output, "example.test")) << r.output;
    // The probe that zone add sends must not change the zone.
    const auto serial = stack().named().soa_serial("spare.test");
    r = stack().admin({"zone", "add", "example.test", "--server", server, "--key-file",
                       stack().named().key_file().string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "already exists")) << r.output;
    // BIND does not grant this key for spare.test: the probe UPDATE is refused, nothing added.
    r = stack().admin({"zone", "add", "spare.test", "--server", server, "--key-file",
                       stack().named().ungranted_key_file().string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "did not accept")) << r.output;
    EXPECT_FALSE(contains(stack().admin({"zone", "list"}).output, "spare.test"));
    r = stack().admin({"zone", "add", "spare.test", "--server", server, "--key-file",
                       stack().named().key_file().string(), "--ttl", "300"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(stack().named().soa_serial("spare.test"), serial);
    r = stack().admin({"zone", "remove", "spare.test"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    TempDir dir;
    write_file(dir.path() / "junk.key", "this is not a key file");
    r = stack().admin({"zone", "add", "spare.test", "--server", server, "--key-file",
                       (dir.path() / "junk.key").string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "junk.key")) << r.output;
    r = stack().admin({"zone", "add", "spare.test", "--server", "localhost:53", "--key-file",
                       stack().named().key_file().string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "--server")) << r.output;
}

TEST_F(Admin, AccountsNeedAReasonablePasswordAndUniqueNames) {
    const std::string user = unique_label();
    auto r = stack().admin({"account", "add", user}, "short\n");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "at least 8")) << r.output;
    r = stack().admin({"account", "add", user, "--plan", "gold"}, "long enough password\n");
    EXPECT_EQ(r.exit_code, 1);
    r = stack().admin({"account", "add", user, "--email", "a@example.test", "--plan", "domain"},
                      "long enough password\n");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    r = stack().admin({"account", "add", user}, "long enough password\n");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "already exists")) << r.output;
    r = stack().admin({"account", "list"});
    EXPECT_TRUE(contains(r.output, user)) << r.output;
    EXPECT_TRUE(contains(r.output, "domain")) << r.output;
    // The hash, never the password, is stored.
    const std::string hash =
        stack().sql("select password_hash from accounts where username = '" + user + "'");
    EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
}

// An account past its expiry is listed as expired, not active (every dialect refuses it).
TEST_F(Admin, AccountListShowsAnExpiredAccountAsExpired) {
    const std::string user = unique_label();
    stack().add_account(user, kPassword);
    auto r = stack().admin({"account", "expiry", user, "2001-01-01"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = stack().admin({"account", "list"});
    std::istringstream lines(r.output);
    std::string row;
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(user + " ", 0) == 0) row = line;
    ASSERT_FALSE(row.empty()) << r.output;
    EXPECT_TRUE(contains(row, "expired")) << row;
    EXPECT_FALSE(contains(row, "active")) << row;
}

TEST_F(Admin, HostAddNeedsAZoneAndAnAccount) {
    const std::string user = unique_label();
    stack().add_account(user, kPassword);
    auto r = stack().admin({"host", "add", user + ".nowhere.invalid", "--account", user});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "no zone")) << r.output;
    r = stack().admin({"host", "add", user + ".example.test", "--account", user + "-nobody"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "no such account")) << r.output;
    r = stack().admin({"host", "add", "bad_name.example.test", "--account", user});
    EXPECT_EQ(r.exit_code, 1);
    stack().add_host(user + ".example.test", user);
    r = stack().admin({"host", "add", user + ".example.test", "--account", user});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "already exists")) << r.output;
    r = stack().admin({"host", "list", "--account", user});
    EXPECT_TRUE(contains(r.output, user + ".example.test")) << r.output;
}

TEST_F(Admin, HostAddRefusesTheZoneApexEvenWithTheOverride) {
    const std::string user = unique_label();
    stack().add_account(user, kPassword);
    for (const Strings& extra : {Strings{}, Strings{"--allow-existing"}}) {
        Strings args{"host", "add", "example.test", "--account", user};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto r = stack().admin(args);
        EXPECT_EQ(r.exit_code, 1) << r.output;
        EXPECT_TRUE(contains(r.output, "apex")) << r.output;
    }
    EXPECT_FALSE(
        contains(stack().admin({"host", "list", "--account", user}).output, "example.test"));
}

TEST_F(Admin, HostAddRefusesANameThatHoldsRecordsInBind) {
    const std::string user = unique_label();
    stack().add_account(user, kPassword);
    // The name server's own address record.
    auto r = stack().admin({"host", "add", "ns.example.test", "--account", user});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "already holds records in BIND")) << r.output;
    // A name the operator gave a record by hand, of a type the gateway never writes.
    const std::string taken = user + "-taken.example.test";
    add_txt_in_bind(taken);
    r = stack().admin({"host", "add", taken, "--account", user});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "--allow-existing")) << r.output;
    EXPECT_EQ(stack().sql("select count(*) from hosts where name in ('ns.example.test', '" + taken +
                          "')"),
              "0");
    // The operator's explicit override takes it knowingly; BIND's records stay as they were.
    r = stack().admin({"host", "add", taken, "--account", user, "--allow-existing"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(stack().admin({"host", "list", "--account", user}).output, taken));
    EXPECT_EQ(stack().named().query(taken, "TXT"), Strings{"\"given out by hand\""});
    EXPECT_EQ(stack().named().query("ns.example.test", "A"), Strings{"127.0.0.1"});
    // A fresh name still needs no override.
    r = stack().admin({"host", "add", user + "-fresh.example.test", "--account", user});
    EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(Admin, HostAddRefusesWhenBindCannotSayWhetherTheNameIsFree) {
    const std::string user = unique_label();
    const std::string host = user + ".example.test";
    stack().add_account(user, kPassword);
    stack().named().stop();
    const auto r = stack().admin({"host", "add", host, "--account", user});
    stack().named().start_again();
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(contains(r.output, "could not ask BIND")) << r.output;
    EXPECT_FALSE(contains(stack().admin({"host", "list", "--account", user}).output, host));
    stack().add_host(host, user);
}

TEST_F(Admin, ListsKeepTheirColumnsForLongNames) {
    const std::string user = unique_label() + "-long-name-column-test";
    const std::string host = user + ".example.test";
    // With an e-mail address: an empty last cell would end the row early.
    const auto added =
        stack().admin({"account", "add", user, "--email", user + "@mail.example.test"},
                      kPassword + std::string("\n"));
    ASSERT_EQ(added.exit_code, 0) << added.output;
    stack().add_host(host, user);
    stack().add_token(user, host);
    const auto check = [&](const std::vector<std::string>& args, const std::string& first_cell,
                           std::size_t columns) {
        const auto r = stack().admin(args);
        ASSERT_EQ(r.exit_code, 0) << r.output;
        const auto [header, row] = header_and_row(r.output, first_cell);
        ASSERT_FALSE(row.empty()) << r.output;
        EXPECT_EQ(cell_starts(header).size(), columns) << header;
        EXPECT_EQ(cell_starts(row), cell_starts(header)) << r.output;
    };
    check({"account", "list"}, user, 7);
    check({"host", "list", "--account", user}, host, 8);
    const std::string id = stack().sql(
        "select t.id from tokens t join accounts a on a.id = t.account_id where a.username = '" +
        user + "'");
    check({"token", "list", "--account", user}, id, 11);
    check({"zone", "list"}, "example.test", 10);
}

TEST_F(Admin, HostRemoveDeletesTheRecordsInBindFirst) {
    const std::string user = unique_label();
    const std::string host = user + ".example.test";
    stack().add_account(user, kPassword);
    stack().add_host(host, user);
    ASSERT_EQ(update(user, kPassword, host, "192.0.2.60,2001:db8::60"),
              "good 192.0.2.60,2001:db8::60");
    // With BIND down nothing is removed.
    stack().named().stop();
    auto r = stack().admin({"host", "remove", host});
    stack().named().start_again();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "host kept")) << r.output;
    EXPECT_EQ(stack().named().query(host, "A"), Strings{"192.0.2.60"});
    r = stack().admin({"host", "remove", host});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(stack().named().query(host, "A").empty());
    EXPECT_TRUE(stack().named().query(host, "AAAA").empty());
    EXPECT_FALSE(contains(stack().admin({"host", "list"}).output, host));
    EXPECT_EQ(update(user, kPassword, host, "192.0.2.61"), "nohost");
}

// A host with wildcard=ON has its addresses at *.<host> too: removing the host (or its account)
// deletes them in the same UPDATE message as the host's own, and nothing else.
TEST_F(Admin, HostAndAccountRemoveDeleteTheWildcardMirrorInTheSameUpdate) {
    ASSERT_EQ(stack().admin({"zone", "wildcard", "example.test", "on"}).exit_code, 0);
    const std::string user = unique_label();
    const std::string host = user + ".example.test";
    const std::string second = user + "-2.example.test";
    stack().add_account(user, kPassword);
    stack().add_host(host, user);
    stack().add_host(second, user);
    for (const auto& h : {host, second})
        ASSERT_EQ(
            stack()
                .get("/nic/update?hostname=" + h + "&myip=192.0.2.66,2001:db8::66&wildcard=ON",
                     std::pair{user, std::string(kPassword)})
                .body,
            "good 192.0.2.66,2001:db8::66");
    ASSERT_EQ(stack().named().query("*." + host, "A"), Strings{"192.0.2.66"});
    const auto serial = stack().named().soa_serial("example.test").value_or(0);
    auto r = stack().admin({"host", "remove", host});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(stack().named().query("*." + host, "A").empty());
    EXPECT_TRUE(stack().named().query("*." + host, "AAAA").empty());
    EXPECT_TRUE(stack().named().query("any." + host, "A").empty());
    EXPECT_TRUE(stack().named().query(host, "A").empty());
    EXPECT_EQ(stack().named().soa_serial("example.test").value_or(0), serial + 1)
        << "name and mirror in one UPDATE";
    EXPECT_EQ(stack().named().query("*." + second, "A"), Strings{"192.0.2.66"});

    r = stack().admin({"account", "remove", user});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(stack().named().query("*." + second, "A").empty());
    EXPECT_TRUE(stack().named().query("*." + second, "AAAA").empty());
}

TEST_F(Admin, TokensArePrintedOnceStoredHashedAndRevocable) {
    const std::string user = unique_label();
    const std::string host = user + ".example.test";
    stack().add_account(user, kPassword);
    stack().add_host(host, user);
    const std::string token = stack().add_token(user, host);
    ASSERT_EQ(token.size(), 32u);
    EXPECT_EQ(stack().sql("select count(*) from tokens where digest = '" + token + "'"), "0")
        << "the token itself is never stored";
    EXPECT_EQ(update(user, token, host, "192.0.2.62"), "good 192.0.2.62");
    auto r = stack().admin({"token", "list", "--account", user});
    EXPECT_TRUE(contains(r.output, host)) << r.output;
    EXPECT_FALSE(contains(r.output, token)) << "token list never shows the token";
    const std::string id = stack().sql(
        "select t.id from tokens t join accounts a on a.id = t.account_id "
        "where a.username = '" +
        user + "'");
    r = stack().admin({"token", "remove", id});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    // The running gateway holds the token in its principal cache and sees the removal within
    // cache.max_lag_ms; asked with the address the host has, an answer from the old copy
    // changes nothing.
    expect_seen_within_max_lag(
        std::chrono::steady_clock::now(), [&] { return update(user, token, host, "192.0.2.62"); },
        "badauth");
    EXPECT_EQ(update(user, token, host, "192.0.2.63"), "badauth");
    r = stack().admin({"token", "remove", id});
    EXPECT_EQ(r.exit_code, 1);
    r = stack().admin({"token", "add", user + "-nobody"});
    EXPECT_EQ(r.exit_code, 1);
}

TEST_F(Admin, TokenLimitsAreKeptListedAndEnforcedByTheRunningGateway) {
    const std::string user = unique_label();
    const std::string host = user + ".example.test";
    stack().add_account(user, kPassword);
    stack().add_host(host, user);
    const auto token_for = [&](const std::vector<std::string>& options) {
        std::vector<std::string> args{"token", "add", user, "--host", host};
        args.insert(args.end(), options.begin(), options.end());
        const auto r = stack().admin(args);
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return r.output.substr(0, r.output.find('\n'));
    };
    const std::string away = token_for({"--name", "away", "--from", "10.9.9.0/24"});
    const std::string here = token_for({"--name", "here", "--from", "127.0.0.0/8, ::1"});
    const std::string acme = token_for({"--name", "acme", "--purpose", "acme"});
    // From outside its network a token is a wrong password; from inside it updates.
    EXPECT_EQ(update(user, away, host, "192.0.2.70"), "badauth");
    EXPECT_EQ(update(user, here, host, "192.0.2.71"), "good 192.0.2.71");
    EXPECT_EQ(update(user, acme, host, "192.0.2.72"), "nohost");
    EXPECT_EQ(stack().named().query(host, "A"), Strings{"192.0.2.71"});

    const auto r = stack().admin({"token", "list", "--account", user});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "10.9.9.0/24")) << r.output;
    EXPECT_TRUE(contains(r.output, "127.0.0.0/8,::1/128")) << r.output;
    EXPECT_TRUE(contains(r.output, "acme")) << r.output;
    EXPECT_EQ(stack().sql("select host(last_used_address) from tokens where name = 'here' and "
                          "account_id = (select id from accounts where username = '" +
                          user + "')"),
              "127.0.0.1");
    EXPECT_EQ(stack().sql("select count(*) from tokens where name = 'away' and last_used is null "
                          "and account_id = (select id from accounts where username = '" +
                          user + "')"),
              "1")
        << "a refused attempt is no use";

    // Limits that do not parse make no token.
    for (const auto& bad : std::vector<std::vector<std::string>>{{"--purpose", "admin"},
                                                                 {"--from", "10.0.0.0/33"},
                                                                 {"--max-age", "soon"},
                                                                 {"--max-unused", "0"}}) {
        std::vector<std::string> args{"token", "add", user};
        args.insert(args.end(), bad.begin(), bad.end());
        const auto refused = stack().admin(args);
        EXPECT_EQ(refused.exit_code, 1) << refused.output;
    }
    EXPECT_EQ(stack().sql("select count(*) from tokens where account_id = (select id from "
                          "accounts where username = '" +
                          user + "')"),
              "3");
}

TEST_F(Admin, PasswdReplacesThePasswordAndTheOldOneStopsWorkingWithinTheCachesBound) {
    const std::string user = unique_label();
    const std::string host = user + ".example.test";
    stack().add_account(user, kPassword);
    stack().add_host(host, user);
    // The first success is cached by the running gateway (the principal with its hash)...
    ASSERT_EQ(update(user, kPassword, host, "192.0.2.66"), "good 192.0.2.66");
    auto r = stack().admin({"account", "passwd", user}, "a brand new password\n");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    // ...and the new hash reaches that copy within cache.max_lag_ms (asked with the address the
    // host has, an answer from the old copy changes nothing); then the old password fails.
    expect_seen_within_max_lag(
        std::chrono::steady_clock::now(),
        [&] { return update(user, kPassword, host, "192.0.2.66"); }, "badauth");
    EXPECT_EQ(update(user, kPassword, host, "192.0.2.67"), "badauth");
    EXPECT_EQ(update(user, "a brand new password", host, "192.0.2.67"), "good 192.0.2.67");
    r = stack().admin({"account", "passwd", user}, "short\n");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(update(user, "a brand new password", host, "192.0.2.67"), "nochg 192.0.2.67");
    r = stack().admin({"account", "passwd", user + "-nobody"}, "long enough password\n");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "no such account")) << r.output;
}

TEST_F(Admin, AccountRemoveClearsItsHostsInBind) {
    const std::string user = unique_label();
    const std::string host = user + ".example.test";
    stack().add_account(user, kPassword);
    stack().add_host(host, user);
    ASSERT_EQ(update(user, kPassword, host, "192.0.2.64"), "good 192.0.2.64");
    auto r = stack().admin({"account", "remove", user});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const auto changed = std::chrono::steady_clock::now();
    EXPECT_TRUE(stack().named().query(host, "A").empty());
    EXPECT_EQ(stack().sql("select count(*) from hosts where name = '" + host + "'"), "0");
    // The running gateway's cached copy of the account goes within cache.max_lag_ms; asked with
    // the address the host had, an answer from it writes nothing (the row is gone).
    expect_seen_within_max_lag(
        changed, [&] { return update(user, kPassword, host, "192.0.2.64"); }, "badauth");
    EXPECT_EQ(update(user, kPassword, host, "192.0.2.65"), "badauth");
}

TEST_F(Admin, ZoneRemoveRefusesWhileHostsExist) {
    const std::string user = unique_label();
    stack().add_account(user, kPassword);
    stack().add_host(user + ".example.test", user);
    auto r = stack().admin({"zone", "remove", "example.test"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.output, "still has hosts")) << r.output;
    r = stack().admin({"zone", "remove", "nosuch.test"});
    EXPECT_EQ(r.exit_code, 1);
}

}  // namespace
}  // namespace ddns::test
