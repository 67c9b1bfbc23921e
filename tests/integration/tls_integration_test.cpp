// Plain and TLS listeners of the real gateway: two http.listen ports and one https.listen port
// (certificate made at test time), driven with curl. Assertions on what named serves, the rows in
// PostgreSQL, the bytes of the answers, and the TLS versions the gateway refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <regex>
#include <sstream>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "example.test";
constexpr const char* kPassword = "tls test password";

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new StackEnvironment([] {
    GatewayStackOptions o;
    o.zones = {kZone};
    o.http_listeners = 2;
    o.tls = true;
    o.extra_config = "proxy.trusted = 127.0.0.2/32\n";
    return o;
}()));

using Strings = std::vector<std::string>;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// The protocols.md §0 framing rules: exact length, never chunked, no address literal in any header.
void expect_plain_framing(const HttpReply& r) {
    EXPECT_EQ(r.header("Content-Length"), std::to_string(r.body.size())) << r.head;
    EXPECT_FALSE(r.header("Transfer-Encoding")) << r.head;
    EXPECT_FALSE(std::regex_search(r.head, std::regex(R"(\d+\.\d+\.\d+\.\d+)"))) << r.head;
    EXPECT_FALSE(
        std::regex_search(r.head, std::regex(R"([0-9a-fA-F]*:[0-9a-fA-F]*:[0-9a-fA-F]*:)")))
        << r.head;
}

class Tls : public StackTest {
protected:
    void SetUp() override {
        user = unique_label();
        host = user + "." + kZone;
        stack().add_account(user, kPassword);
        stack().add_host(host, user);
    }
    std::optional<std::pair<std::string, std::string>> credentials() const {
        return std::pair{user, std::string(kPassword)};
    }
    HttpReply https_update(const std::string& ip) {
        return stack().https_get("/nic/update?hostname=" + host + "&myip=" + ip, credentials());
    }
    // A dyndns2 update through one particular plain HTTP port.
    HttpReply http_update(std::uint16_t port, const std::string& ip) {
        return http_exchange(port, "GET /nic/update?hostname=" + host + "&myip=" + ip +
                                       " HTTP/1.1\r\nHost: gw\r\nUser-Agent: t\r\n"
                                       "Authorization: Basic " +
                                       base64(user + ":" + kPassword) +
                                       "\r\nConnection: close\r\n\r\n");
    }
    // A TLS client limited to the given curl arguments, asking for /healthz.
    HttpReply https_healthz(const std::vector<std::string>& curl_args) {
        return https_exchange(stack().https_port(), stack().ca_file(), "/healthz", {},
                              {"User-Agent: t"}, "127.0.0.1", curl_args);
    }
    // The stack's configuration with `key`'s value replaced, in the test's scratch directory.
    std::filesystem::path config_with(const std::string& key, const std::string& value) {
        std::istringstream in(read_file(stack().config_path()));
        std::string out;
        for (std::string line; std::getline(in, line);) {
            out += line.rfind(key + " =", 0) == 0 ? key + " = " + value : line;
            out += "\n";
        }
        auto path = scratch_.path() / "variant.conf";
        write_file(path, out);
        return path;
    }

    std::string user;
    std::string host;
    TempDir scratch_{"ddns-tls-test"};
};

TEST_F(Tls, Dyndns2UpdateOverHttpsReachesBindAndTheDatabase) {
    const auto before = zone_serial(kZone);
    const auto r = https_update("192.0.2.30");
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "good 192.0.2.30");
    expect_plain_framing(r);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.30"});
    EXPECT_EQ(zone_serial(kZone), before + 1);
    EXPECT_EQ(stored_ipv4(host), "192.0.2.30");
    // The same address again is decided from the database: no DNS traffic.
    EXPECT_EQ(https_update("192.0.2.30").body, "nochg 192.0.2.30");
    EXPECT_EQ(zone_serial(kZone), before + 1);
}

// The other dialects over the TLS port: each update reaches BIND, and `admin host show` says the
// last change came over TLS (after a plain one, so the flag is seen to move).
class TlsDialects : public Tls {
protected:
    // `send(address, https)` sends the dialect's update and returns its body.
    void expect_update_over_tls(
        const std::string& success,
        const std::function<std::string(const std::string& address, bool https)>& send) {
        ASSERT_NE(send("192.0.2.31", false).find(success), std::string::npos);
        ASSERT_TRUE(wait_until([&] { return last_update_tls() == "no"; })) << last_update_tls();
        const std::string body = send("192.0.2.32", true);
        EXPECT_NE(body.find(success), std::string::npos) << body;
        EXPECT_EQ(a_records(host), Strings{"192.0.2.32"});
        EXPECT_EQ(stored_ipv4(host), "192.0.2.32");
        EXPECT_TRUE(wait_until([&] { return last_update_tls() == "yes"; })) << last_update_tls();
    }
    HttpReply get(const std::string& target, bool https) {
        return https ? stack().https_get(target) : stack().get(target);
    }
    // `admin host show`'s last_update_tls line, written by the asynchronous update-log writer.
    std::string last_update_tls() {
        std::istringstream lines(stack().admin({"host", "show", host}).output);
        for (std::string line; std::getline(lines, line);)
            if (line.rfind("last_update_tls:", 0) == 0)
                return line.substr(line.find_first_not_of(' ', sizeof("last_update_tls:") - 1));
        return "(missing)";
    }
    static std::string pct(const std::string& text) {
        return std::regex_replace(text, std::regex(" "), "%20");
    }
};

TEST_F(TlsDialects, DynamicUpdateOverHttps) {
    ASSERT_EQ(stack().admin({"account", "enable-updates", user}).exit_code, 0);
    const std::string token = stack().add_token(user);
    expect_update_over_tls("OK", [&](const std::string& address, bool https) {
        return get("/dynamic?host=" + host + "&ip=" + address + "&user=" + user +
                       "&password=" + token,
                   https)
            .body;
    });
}

TEST_F(TlsDialects, MyServerLoginAndAddOverHttps) {
    const auto login =
        stack().https_get("/dnslogin3.asp?FXN=Login&Usr=" + user + "&Pwd=" + pct(kPassword));
    EXPECT_EQ(login.error, "");
    EXPECT_EQ(login.body.rfind("DNS LOGIN:SUCCESS\r\n", 0), 0u) << login.body;
    EXPECT_TRUE(contains(login.body, "UserName:" + user + "\r\n")) << login.body;
    // As the legacy client changes an address: Delete the old record, then Add (a free
    // account's Add is additive: round robin).
    expect_update_over_tls("DNS ADD:SUCCESS", [&](const std::string& address, bool https) {
        const std::string credentials = "&Usr=" + user + "&Pwd=" + pct(kPassword);
        get("/dnslogin3.asp?FXN=Delete" + credentials + "&Host=" + host + "&Type=A", https);
        return get("/dnslogin3.asp?FXN=Add" + credentials + "&Host=" + host +
                       "&Type=A&IP=" + address,
                   https)
            .body;
    });
}

TEST_F(TlsDialects, DynamipUpdateOverHttps) {
    expect_update_over_tls("IP Address for " + host, [&](const std::string& address, bool https) {
        return get("/Login/updateip.asp?SiteID=" + host + "&Password=" + pct(kPassword) +
                       "&IPAddr=" + address + "&ProgVer=1.0",
                   https)
            .body;
    });
}

TEST_F(Tls, MissingCredentialsOverHttpsGetTheBasicChallenge) {
    const auto r = stack().https_get("/nic/update?hostname=" + host + "&myip=192.0.2.31");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, "badauth");
    EXPECT_EQ(r.header("WWW-Authenticate").value_or("").rfind("Basic realm=", 0), 0u);
    EXPECT_TRUE(a_records(host).empty());
}

TEST_F(Tls, CheckIpEndpointsOverHttpsUseTheClientAddressRules) {
    const auto html = stack().https_get("/checkip");
    EXPECT_EQ(html.status, 200) << html.error;
    EXPECT_TRUE(contains(html.body, "Current IP Address: 127.0.0.1")) << html.body;
    expect_plain_framing(html);
    const auto plain = stack().https_get("/myip");
    EXPECT_EQ(plain.body, "127.0.0.1\n");
    expect_plain_framing(plain);
    // From the trusted proxy (127.0.0.2) the forwarded address counts, as over plain HTTP.
    const auto forwarded = stack().https_get(
        "/myip", {}, {"User-Agent: t", "X-Forwarded-For: 198.51.100.32"}, "127.0.0.2");
    EXPECT_EQ(forwarded.body, "198.51.100.32\n");
}

TEST_F(Tls, EveryPlainAndTlsListenerServesUpdates) {
    const auto ports = stack().http_ports();
    ASSERT_EQ(ports.size(), 2u);
    ASSERT_NE(ports[0], ports[1]);
    const auto before = zone_serial(kZone);
    EXPECT_EQ(http_update(ports[0], "192.0.2.33").body, "good 192.0.2.33");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.33"});
    EXPECT_EQ(http_update(ports[1], "192.0.2.34").body, "good 192.0.2.34");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.34"});
    EXPECT_EQ(https_update("192.0.2.35").body, "good 192.0.2.35");
    EXPECT_EQ(a_records(host), Strings{"192.0.2.35"});
    EXPECT_EQ(zone_serial(kZone), before + 3);
    EXPECT_EQ(stored_ipv4(host), "192.0.2.35");
}

TEST_F(Tls, Http10AbsoluteFormWithoutHostIsServedOverHttps) {
    // inadyn 1.x style request line, sent over TLS.
    const auto r = https_exchange(
        stack().https_port(), stack().ca_file(), "/", credentials(), {"User-Agent: inadyn/1.99"},
        "127.0.0.1",
        {"--http1.0", "-H", "Host:", "--request-target",
         "http://update.example:80/nic/update?hostname=" + host + "&myip=192.0.2.36"});
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, "good 192.0.2.36");
    expect_plain_framing(r);
    EXPECT_EQ(a_records(host), Strings{"192.0.2.36"});
}

TEST_F(Tls, Tls11ClientIsRefusedWithAProtocolVersionAlert) {
    // SECLEVEL=0 lets curl's OpenSSL offer TLS 1.1 at all; without it curl refuses locally and
    // the gateway would never be asked.
    const auto old =
        https_healthz({"--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0"});
    EXPECT_EQ(old.status, 0);
    EXPECT_TRUE(contains(old.error, "alert protocol version")) << old.error;
    // The same client allowed TLS 1.2, and a TLS 1.3 client, are served.
    const auto v12 =
        https_healthz({"--tlsv1.2", "--tls-max", "1.2", "--ciphers", "DEFAULT@SECLEVEL=0"});
    EXPECT_EQ(v12.status, 200) << v12.error;
    const auto v13 = https_healthz({"--tlsv1.3"});
    EXPECT_EQ(v13.status, 200) << v13.error;
}

TEST_F(Tls, PlainHttpToTheHttpsPortGetsNoHttpAnswer) {
    const auto r = http_exchange(stack().https_port(),
                                 "GET /healthz HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n",
                                 std::chrono::seconds(5));
    EXPECT_EQ(r.status, 0);
    EXPECT_FALSE(contains(r.raw, "HTTP/")) << r.raw;
    // The failed handshake cost nothing: the port still serves TLS clients.
    EXPECT_EQ(stack().https_get("/healthz").status, 200);
}

TEST_F(Tls, MissingCertificateFileStopsServeAndCheckConfigNamingIt) {
    const std::string missing = "/nonexistent/" + user + "/gateway.crt";
    const auto config = config_with("tls.certificate", missing);
    const auto checked =
        run_command({gateway_binary(), "check-config", "--config", config.string()});
    EXPECT_EQ(checked.exit_code, 1);
    EXPECT_TRUE(contains(checked.output, "cannot read the TLS certificate file " + missing +
                                             ": No such file or directory"))
        << checked.output;
    const auto served = run_command({gateway_binary(), "serve", "--config", config.string()});
    EXPECT_EQ(served.exit_code, 1) << served.output;
    EXPECT_TRUE(contains(served.output, "cannot read the TLS certificate file " + missing))
        << served.output;
}

TEST_F(Tls, KeyProblemsAreOneSentenceNamingTheFileNeverTheKey) {
    const auto dir = scratch_.path();
    const auto stray = make_self_signed_certificate(dir, "stray");  // same key type, other key
    const auto rsa = dir / "rsa.key";                               // other key type
    const auto encrypted = dir / "encrypted.key";
    ASSERT_EQ(run_command({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                           "rsa_keygen_bits:2048", "-out", rsa.string()})
                  .exit_code,
              0);
    ASSERT_EQ(run_command({"openssl", "pkey", "-in", stack().tls_files().private_key.string(),
                           "-aes256", "-passout", "pass:not-asked-for", "-out", encrypted.string()})
                  .exit_code,
              0);
    const std::string cert = stack().ca_file().string();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {stray.private_key.string(), "the TLS private key file " + stray.private_key.string() +
                                         " does not belong to the certificate in " + cert},
        {rsa.string(), "the TLS private key file " + rsa.string() +
                           " does not belong to the certificate in " + cert},
        {cert, "cannot load the TLS private key file " + cert},
        // No passphrase prompt (stdin is empty): an encrypted key is refused at once.
        {encrypted.string(), "cannot load the TLS private key file " + encrypted.string()},
    };
    for (const auto& [key, expected] : cases) {
        const auto config = config_with("tls.private_key", key);
        const auto checked =
            run_command({gateway_binary(), "check-config", "--config", config.string()});
        EXPECT_EQ(checked.exit_code, 1) << key;
        EXPECT_TRUE(contains(checked.output, expected)) << checked.output;
        EXPECT_EQ(std::count(checked.output.begin(), checked.output.end(), '\n'), 1)
            << "one line: " << checked.output;
        EXPECT_FALSE(contains(checked.output, "-----")) << checked.output;
    }
}

TEST_F(Tls, CheckConfigLoadsTheCertificateAndListsEveryListener) {
    const auto r =
        run_command({gateway_binary(), "check-config", "--config", stack().config_path().string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    for (auto port : stack().http_ports())
        EXPECT_TRUE(contains(r.output, "127.0.0.1:" + std::to_string(port))) << r.output;
    EXPECT_TRUE(contains(r.output, "https://127.0.0.1:" + std::to_string(stack().https_port())))
        << r.output;
}

}  // namespace
}  // namespace ddns::test
