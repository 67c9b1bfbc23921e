// The browser test: a real headless Chromium walks the self-service pages of a real gateway
// (PostgreSQL, named, the SMTP test server receiving the mails): sign-up -> the mail's link ->
// login -> add a host -> create a token -> an update with curl using that token -> overview and
// history show the new address -> a second host made derived from the first on its page follows
// the router's new prefix (the FRITZ!Box request) -> logout -> password reset through the mail ->
// login with the new password; then a domain account adds and removes records of its zone on the
// records page; no page scrolls sideways on a phone (tests/browser/walk.py). Afterwards named and
// PostgreSQL are checked here.
// Screenshots of every page are kept in the build tree (DDNS_BROWSER_ARTEFACTS).
#include <gtest/gtest.h>

#include <filesystem>

#include "gateway_stack.hpp"
#include "smtp_server.hpp"

namespace ddns::test {
namespace {

constexpr const char* kZone = "dyn.example.test";
constexpr const char* kOwnZone = "own.example.test";  // the domain account's
constexpr const char* kOwner = "zoneowner";
constexpr const char* kOwnerPassword = "owner-Password-3";

TEST(WebBrowser, SignUpToPasswordResetInChromium) {
    SmtpTestServer smtp;
    GatewayStackOptions o;
    o.zones = {kZone};
    o.unregistered_zones = {kOwnZone};
    o.extra_config =
        "web.enabled = true\nweb.registration = open\n"
        "web.base_url = http://127.0.0.1\n"
        "mail.enabled = true\nmail.smtp_host = 127.0.0.1\nmail.smtp_port = " +
        std::to_string(smtp.port()) +
        "\nmail.tls = none\nmail.from = DDNS Gateway <gateway@example.test>\n"
        "mail.interval = 1s\nmail.timeout = 5s\n";
    GatewayStack stack(o);
    stack.sql("update zones set public = true where name = '" + std::string(kZone) + "'");
    stack.add_account(kOwner, kOwnerPassword, "domain");
    const auto own = stack.admin({"zone", "add", kOwnZone, "--server",
                                  "127.0.0.1:" + std::to_string(stack.named().port()), "--key-file",
                                  stack.named().key_file().string(), "--owner", kOwner});
    ASSERT_EQ(own.exit_code, 0) << own.output;
    // The links in mails must reach this gateway: its port is known only now.
    stack.stop_gateway();
    std::string config = read_file(stack.config_path());
    const std::string placeholder = "web.base_url = http://127.0.0.1\n";
    config.replace(config.find(placeholder), placeholder.size(),
                   "web.base_url = http://127.0.0.1:" + std::to_string(stack.http_port()) + "\n");
    write_file(stack.config_path(), config);
    stack.start_gateway();

    const std::filesystem::path out = DDNS_BROWSER_ARTEFACTS;
    std::filesystem::remove_all(out);
    std::filesystem::create_directories(out);
    const auto walk =
        run_command({"/usr/bin/python3", DDNS_BROWSER_WALK, "--base",
                     "http://127.0.0.1:" + std::to_string(stack.http_port()), "--maildir",
                     smtp.maildir().string(), "--zone", kZone, "--dns-port",
                     std::to_string(stack.named().port()), "--out", out.string(), "--domain-user",
                     kOwner, "--domain-password", kOwnerPassword, "--domain-zone", kOwnZone},
                    std::chrono::minutes(5));
    EXPECT_EQ(walk.exit_code, 0) << walk.output << "\n" << stack.logs() << smtp.log();
    std::cout << walk.output;

    // The sources of truth, read here and not by the walk.
    const std::string host = std::string("walkhome.") + kZone;
    EXPECT_EQ(stack.named().query(host, "A"), std::vector<std::string>{"203.0.113.77"});
    EXPECT_EQ(stack.sql("select host(ipv4) from hosts where name = '" + host + "'"),
              "203.0.113.77");
    EXPECT_EQ(stack.sql("select verified from accounts where username = 'walker'"), "t");
    // The host made derived on its page follows the router's prefix (the FRITZ!Box request).
    const std::string nas = std::string("walknas.") + kZone;
    EXPECT_EQ(stack.named().query(nas, "AAAA"),
              std::vector<std::string>{"2001:db8:77:100:1:2:3:4"});
    EXPECT_EQ(stack.sql("select p.name from hosts h join hosts p on p.id = h.derive_from where "
                        "h.name = '" +
                        nas + "'"),
              host);
    EXPECT_EQ(smtp.messages().size(), 2u) << "the verification and the reset mail";
    const std::string www = std::string("www.") + kOwnZone;
    EXPECT_EQ(stack.named().query(www, "TXT"),
              std::vector<std::string>{"\"hello from a browser\""});
    EXPECT_TRUE(stack.named().query(www, "A").empty()) << "removed on the page";
    EXPECT_EQ(stack.named().query(std::string("shop.") + kOwnZone, "MX"),
              std::vector<std::string>{"10 mx.example.net."});
    std::size_t shots = 0;
    for (const auto& entry : std::filesystem::directory_iterator(out))
        if (entry.path().extension() == ".png") ++shots;
    EXPECT_GE(shots, 21u);
}

}  // namespace
}  // namespace ddns::test
