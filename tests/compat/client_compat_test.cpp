// Client compatibility: the real update clients routers and servers run (inadyn, ddclient, GNU
// wget as used by OpenWrt's ddns-scripts, curl) against the real gateway, a real named and a real
// PostgreSQL. Every case asserts both what the client reports (exit status, output) and what named
// serves afterwards. A missing client is a failure, never a skip: test.sh installs them all.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "../integration/stack_environment.hpp"

namespace ddns::test {
namespace {

namespace fs = std::filesystem;
using Strings = std::vector<std::string>;
using namespace std::chrono_literals;

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "compat-secret-42";

const auto* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new StackEnvironment(GatewayStackOptions{}));

// Clients in daemon-style packages live in sbin, which is not always on PATH.
std::string client_program(const std::string& name) {
    return find_program(name, {"/usr/local/sbin", "/usr/sbin", "/sbin"});
}

// A file only its owner may read, as inadyn and ddclient expect for files holding passwords.
void write_private_file(const fs::path& path, const std::string& content) {
    write_file(path, content);
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
}

// What clients do with a check-IP body: take the first token that looks like an IPv4 address.
std::string first_ipv4(const std::string& text) {
    static const std::regex ipv4(R"(\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\b)");
    std::smatch m;
    return std::regex_search(text, m, ipv4) ? m[1].str() : std::string();
}

std::string describe(const CommandResult& r) {
    return "exit " + std::to_string(r.exit_code) + (r.timed_out ? " (timed out)" : "") +
           ", output:\n" + r.output;
}

class ClientCompat : public StackTest {
protected:
    explicit ClientCompat(const char* client) : client_(client) {}

    // Finds the client (a missing one fails the test: test.sh installs them all) and gives the
    // test its own account and host.
    void SetUp() override {
        program = client_program(client_);
        ASSERT_FALSE(program.empty())
            << client_ << " is not installed (scripts/install-deps.sh installs it)";
        CreateAccount();
    }

    void CreateAccount() {
        user = unique_label();  // fresh on every --gtest_repeat iteration
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    std::string port() const { return std::to_string(g_stack->http_port()); }
    std::string server() const { return "127.0.0.1:" + port(); }
    Strings a(const std::string& name) { return stack().named().query(name, "A"); }
    Strings aaaa(const std::string& name) { return stack().named().query(name, "AAAA"); }
    std::uint32_t serial() { return stack().named().soa_serial(kZone).value_or(0); }
    // Sets the A record through the gateway itself, for tests that need a known prior state.
    void preset(const std::string& name, const std::string& owner, const std::string& address) {
        const auto r = stack().get("/nic/update?hostname=" + name + "&myip=" + address,
                                   std::pair{owner, std::string(kPassword)});
        ASSERT_EQ(r.body, "good " + address) << r.raw;
    }

    const char* client_;
    std::string program;
    std::string user;
    std::string host;
    TempDir dir{"ddns-compat"};
};

// ---------------------------------------------------------------------------------------------
// inadyn 2.x, custom provider (the generic dyndns2 mode of OpenWrt, Debian and many routers)

class Inadyn : public ClientCompat {
protected:
    Inadyn() : ClientCompat("inadyn") {}

    // What inadyn logs after a 200 response that matched ddns-response.
    std::string success_line(const std::string& address) const {
        return "Successful alias table update for " + host + " => new IP# " + address;
    }

    // One-shot run with `address` as the detected address. The cache directory persists between
    // runs of one test, as on a router.
    CommandResult run(const std::string& address, const std::string& password = kPassword,
                      bool ipv6 = false,
                      const std::string& path = "/nic/update?hostname=%h&myip=%i",
                      const std::string& success = "\"good\", \"nochg\"") {
        const fs::path cache = dir.path() / "cache";
        fs::create_directories(cache);
        const fs::path conf = dir.path() / "inadyn.conf";
        std::string c;
        if (ipv6) c += "allow-ipv6 = true\n";
        c += "custom compat {\n"
             "    ssl = false\n"
             "    checkip-ssl = false\n"
             "    ddns-server = \"" +
             server() +
             "\"\n"
             "    ddns-path = \"" +
             path + "\"\n    ddns-response = { " + success +
             " }\n"
             "    username = \"" +
             user + "\"\n    password = \"" + password + "\"\n    hostname = \"" + host +
             "\"\n    checkip-command = \"echo " + address + "\"\n}\n";
        write_private_file(conf, c);
        // inadyn does not exit on a server error but sleeps before retrying: the timeout turns
        // that into a failure instead of a hang.
        return run_command({program, "-1", "--foreground", "--no-pidfile", "-l", "debug",
                            "--cache-dir=" + cache.string(), "-f", conf.string()},
                           30s);
    }
};

TEST_F(Inadyn, UpdatesTheARecord) {
    const auto r = run("203.0.113.7");
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.output.find(success_line("203.0.113.7")), std::string::npos) << r.output;
    EXPECT_EQ(a(host), Strings{"203.0.113.7"});
}

TEST_F(Inadyn, SecondRunWithANewAddressUpdatesAgain) {
    const auto first = run("203.0.113.8");
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    ASSERT_EQ(a(host), Strings{"203.0.113.8"});
    const auto second = run("203.0.113.9");
    EXPECT_EQ(second.exit_code, 0) << describe(second);
    EXPECT_NE(second.output.find("Update needed for alias " + host), std::string::npos)
        << second.output;
    EXPECT_NE(second.output.find(success_line("203.0.113.9")), std::string::npos) << second.output;
    EXPECT_EQ(a(host), Strings{"203.0.113.9"});
}

TEST_F(Inadyn, Ipv6RunSetsTheAaaaAndLeavesTheARecord) {
    const auto v4 = run("203.0.113.10");
    ASSERT_EQ(v4.exit_code, 0) << describe(v4);
    // inadyn percent-encodes the colons of the address in custom mode (%3a).
    const auto v6 = run("2001:db8::10", kPassword, true);
    EXPECT_EQ(v6.exit_code, 0) << describe(v6);
    EXPECT_NE(v6.output.find("myip=2001%3adb8%3a%3a10"), std::string::npos) << v6.output;
    EXPECT_NE(v6.output.find(success_line("2001:db8::10")), std::string::npos) << v6.output;
    EXPECT_EQ(aaaa(host), Strings{"2001:db8::10"});
    EXPECT_EQ(a(host), Strings{"203.0.113.10"});
}

TEST_F(Inadyn, WrongPasswordIsNotReportedAsSuccessAndChangesNothing) {
    const auto before = serial();
    const auto r = run("203.0.113.11", "not-the-password");
    // inadyn treats the 401 as fatal: it logs an authentication failure and exits at once.
    EXPECT_NE(r.exit_code, 0) << describe(r);
    EXPECT_FALSE(r.timed_out) << describe(r);
    EXPECT_NE(r.output.find("Authentication failure"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("Successful alias table update"), std::string::npos) << r.output;
    EXPECT_TRUE(a(host).empty());
    EXPECT_EQ(serial(), before);
}

// inadyn 2.x against the Zerigo-style /dynamic endpoint: custom provider, update token as the
// password, success when the body says OK.
TEST_F(Inadyn, ZerigoStyleDynamicWithAnUpdateToken) {
    const std::string token = stack().add_token(user);
    const auto enabled = stack().admin({"account", "enable-updates", user});
    ASSERT_EQ(enabled.exit_code, 0) << enabled.output;
    const auto r = run("203.0.113.12", token, false, "/dynamic?host=%h&ip=%i", "\"OK\"");
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.output.find("/dynamic?host=" + host + "&ip=203.0.113.12"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find(success_line("203.0.113.12")), std::string::npos) << r.output;
    EXPECT_EQ(a(host), Strings{"203.0.113.12"});
    EXPECT_EQ(stack().sql("select host(ipv4) from hosts where name = '" + host + "'"),
              "203.0.113.12");
}

TEST_F(Inadyn, ZerigoStyleDynamicRefusesTheAccountPassword) {
    const auto enabled = stack().admin({"account", "enable-updates", user});
    ASSERT_EQ(enabled.exit_code, 0) << enabled.output;
    const auto before = serial();
    const auto r = run("203.0.113.13", kPassword, false, "/dynamic?host=%h&ip=%i", "\"OK\"");
    // 403 is an authentication failure for inadyn: it gives up at once, reporting no success.
    EXPECT_NE(r.exit_code, 0) << describe(r);
    EXPECT_FALSE(r.timed_out) << describe(r);
    EXPECT_NE(r.output.find("Authentication failure"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("Successful alias table update"), std::string::npos) << r.output;
    EXPECT_TRUE(a(host).empty());
    EXPECT_EQ(serial(), before);
}

// ---------------------------------------------------------------------------------------------
// ddclient 3.10, protocol dyndns2

class Ddclient : public ClientCompat {
protected:
    Ddclient() : ClientCompat("ddclient") {}

    // `hosts` is ddclient's host list, comma separated. The cache file persists between runs.
    CommandResult run(const std::string& address, const std::string& hosts) {
        const fs::path conf = dir.path() / "ddclient.conf";
        write_private_file(conf,
                           "daemon=0\n"
                           "syslog=no\n"
                           "protocol=dyndns2\n"
                           "server=" +
                               server() +
                               "\n"
                               "ssl=no\n"
                               "use=ip, ip=" +
                               address + "\nlogin=" + user + "\npassword='" + kPassword + "'\n" +
                               hosts + "\n");
        return run_command({program, "-daemon=0", "-foreground", "-verbose", "-noquiet", "-force",
                            "-file", conf.string(), "-cache", (dir.path() / "cache").string()},
                           60s);
    }
};

TEST_F(Ddclient, TwoHostsInOneRequestAreBothUpdated) {
    const std::string second = user + "-b." + kZone;
    stack().add_host(second, user);
    const auto r = run("198.51.100.20", host + "," + second);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(a(host), Strings{"198.51.100.20"});
    EXPECT_EQ(a(second), Strings{"198.51.100.20"});
    // One request for both names: hostname=a,b (in ddclient's order).
    std::smatch sent;
    ASSERT_TRUE(std::regex_search(r.output, sent, std::regex(R"(SENDING: +GET (/nic/update\S*))")))
        << r.output;
    EXPECT_TRUE(std::regex_search(sent[1].str(), std::regex("hostname=[^&]+,[^&]+"))) << sent[1];
    EXPECT_NE(sent[1].str().find(host), std::string::npos) << sent[1];
    EXPECT_NE(sent[1].str().find(second), std::string::npos) << sent[1];
    EXPECT_EQ(r.output.find("SENDING:  GET", static_cast<std::size_t>(sent.position(0)) + 1),
              std::string::npos)
        << "more than one request:\n"
        << r.output;
    EXPECT_TRUE(std::regex_search(r.output, std::regex("SUCCESS: +updating " + host))) << r.output;
    EXPECT_TRUE(std::regex_search(r.output, std::regex("SUCCESS: +updating " + second)))
        << r.output;
    EXPECT_EQ(r.output.find("FAILED"), std::string::npos) << r.output;
}

TEST_F(Ddclient, SameAddressAgainIsNochgAndStillSuccess) {
    const auto first = run("198.51.100.21", host);
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    const auto before = serial();
    const auto second = run("198.51.100.21", host);
    // ddclient logs nochg as a WARNING (not SUCCESS), but records the host as good and exits 0.
    EXPECT_EQ(second.exit_code, 0) << describe(second);
    EXPECT_TRUE(
        std::regex_search(second.output, std::regex("WARNING: +updating " + host + ": nochg")))
        << second.output;
    EXPECT_EQ(second.output.find("FAILED"), std::string::npos) << second.output;
    const std::string cache = read_file(dir.path() / "cache");
    EXPECT_TRUE(
        std::regex_search(cache, std::regex("ip=198\\.51\\.100\\.21,.*status=good.* " + host)))
        << cache;
    EXPECT_EQ(serial(), before);
    EXPECT_EQ(a(host), Strings{"198.51.100.21"});
}

TEST_F(Ddclient, HostOfAnotherAccountFailsAndChangesNothing) {
    const std::string other = user + "o";
    const std::string foreign = other + "." + kZone;
    stack().add_account(other, kPassword);
    stack().add_host(foreign, other);
    preset(foreign, other, "198.51.100.22");
    const auto before = serial();
    const auto r = run("198.51.100.23", foreign);
    EXPECT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_TRUE(
        std::regex_search(r.output, std::regex("FAILED: +updating " + foreign + ": nohost")))
        << r.output;
    EXPECT_EQ(a(foreign), Strings{"198.51.100.22"});
    EXPECT_EQ(serial(), before);
}

// ---------------------------------------------------------------------------------------------
// GNU wget, as OpenWrt's ddns-scripts call it: credentials in the URL. wget sends them only after
// a 401 challenge, so this works only because the gateway challenges.

class Wget : public ClientCompat {
protected:
    Wget() : ClientCompat("wget") {}
    CommandResult run(const std::vector<std::string>& args) {
        Strings argv{program, "--no-config", "--no-proxy", "-q", "-O", "-"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, 30s);
    }
    std::string update_path(const std::string& address) const {
        return server() + "/nic/update?hostname=" + host + "&myip=" + address;
    }
};

TEST_F(Wget, CredentialsInTheUrl) {
    const auto r = run({"http://" + user + ":" + kPassword + "@" + update_path("192.0.2.40")});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(r.output, "good 192.0.2.40");
    EXPECT_EQ(a(host), Strings{"192.0.2.40"});
}

TEST_F(Wget, UserAndPasswordOptions) {
    const auto r = run({"--user=" + user, std::string("--password=") + kPassword,
                        "http://" + update_path("192.0.2.41")});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(r.output, "good 192.0.2.41");
    EXPECT_EQ(a(host), Strings{"192.0.2.41"});
}

TEST_F(Wget, SendsTheCredentialsOnlyAfterTheChallenge) {
    // The same call with the server's responses logged (-S) and the body in a file.
    const fs::path log = dir.path() / "wget.log";
    const fs::path body = dir.path() / "body";
    const auto r = run_command(
        {program, "--no-config", "--no-proxy", "-S", "-o", log.string(), "-O", body.string(),
         "http://" + user + ":" + kPassword + "@" + update_path("192.0.2.43")},
        30s);
    const std::string trace = read_file(log);
    EXPECT_EQ(r.exit_code, 0) << describe(r) << trace;
    const auto challenge = trace.find("HTTP/1.1 401");
    const auto success = trace.find("HTTP/1.1 200");
    ASSERT_NE(challenge, std::string::npos) << trace;
    ASSERT_NE(success, std::string::npos) << trace;
    EXPECT_LT(challenge, success) << trace;
    EXPECT_NE(trace.find("WWW-Authenticate: Basic"), std::string::npos) << trace;
    EXPECT_EQ(read_file(body), "good 192.0.2.43");
    EXPECT_EQ(a(host), Strings{"192.0.2.43"});
}

TEST_F(Wget, WrongPasswordIsAnAuthenticationFailure) {
    const auto before = serial();
    const auto r = run({"http://" + user + ":wrong@" + update_path("192.0.2.42")});
    EXPECT_EQ(r.exit_code, 6) << describe(r);  // wget: "username/password authentication failure"
    EXPECT_TRUE(a(host).empty());
    EXPECT_EQ(serial(), before);
}

// ---------------------------------------------------------------------------------------------
// curl, the usual choice of scripts and cron jobs

class Curl : public ClientCompat {
protected:
    Curl() : ClientCompat("curl") {}
    // -q first: ignore any .curlrc. -f: an HTTP error status is a non-zero exit.
    CommandResult run(const std::vector<std::string>& args) {
        Strings argv{program, "-q", "-fsS", "--noproxy", "*", "--max-time", "20"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv, 30s);
    }
    CommandResult update(const std::string& secret, const std::string& address) {
        return run({"-u", user + ":" + secret,
                    "http://" + server() + "/nic/update?hostname=" + host + "&myip=" + address});
    }
};

TEST_F(Curl, BasicAuthWithThePassword) {
    const auto r = update(kPassword, "192.0.2.50");
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(r.output, "good 192.0.2.50");
    EXPECT_EQ(a(host), Strings{"192.0.2.50"});
}

TEST_F(Curl, BasicAuthWithAnUpdateToken) {
    const std::string token = stack().add_token(user);
    const auto r = update(token, "192.0.2.51");
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(r.output, "good 192.0.2.51");
    EXPECT_EQ(a(host), Strings{"192.0.2.51"});
    // A wrong secret is a 401, which -f turns into exit 22, and nothing changes.
    const auto bad = update(token + "x", "192.0.2.52");
    EXPECT_EQ(bad.exit_code, 22) << describe(bad);
    EXPECT_EQ(a(host), Strings{"192.0.2.51"});
}

TEST_F(Curl, Ipv6UpdateLeavesTheARecord) {
    ASSERT_EQ(update(kPassword, "192.0.2.53").output, "good 192.0.2.53");
    const auto r = update(kPassword, "2001:db8::53");
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(r.output, "good 2001:db8::53");
    EXPECT_EQ(aaaa(host), Strings{"2001:db8::53"});
    EXPECT_EQ(a(host), Strings{"192.0.2.53"});
}

TEST_F(Curl, CheckIpReportsThePeerAddress) {
    // Connect from another loopback address, so the answer is provably the TCP peer.
    const auto r = run({"--interface", "127.0.0.9", "http://" + server() + "/checkip"});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.output.find("Current IP Address: 127.0.0.9"), std::string::npos) << r.output;
    EXPECT_EQ(first_ipv4(r.output), "127.0.0.9") << r.output;
    const auto plain = run({"--interface", "127.0.0.9", "http://" + server() + "/myip"});
    EXPECT_EQ(plain.exit_code, 0) << describe(plain);
    EXPECT_EQ(first_ipv4(plain.output), "127.0.0.9") << plain.output;
}

}  // namespace
}  // namespace ddns::test
