// A real SMTP server for tests (tests/support/smtp_server.py on Debian's python3-aiosmtpd): it
// listens on a free loopback port, optionally with STARTTLS or implicit TLS (a certificate made
// at test time) and AUTH, and stores each message it accepts as a file. Tests wait for a message
// to a recipient and follow the link in its body; stop() and start() simulate an outage.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "test_support.hpp"

namespace ddns::test {

enum class SmtpTestTls { None, StartTls, Implicit };

struct SmtpTestServerOptions {
    SmtpTestTls tls = SmtpTestTls::None;
    // AUTH PLAIN/LOGIN with this user and password, required before MAIL FROM.
    std::optional<std::pair<std::string, std::string>> auth;
};

// One stored message: the envelope recipients, the raw headers, and the body as the reader sees
// it (quoted-printable and CRLF undone).
struct ReceivedMail {
    std::filesystem::path file;
    std::vector<std::string> recipients;
    std::string raw;
    std::string headers;
    std::string body;
    // The first header of that name (case-insensitive), unfolded; nullopt when absent.
    std::optional<std::string> header(const std::string& name) const;
};

class SmtpTestServer {
public:
    explicit SmtpTestServer(SmtpTestServerOptions options = {});  // started
    ~SmtpTestServer();
    SmtpTestServer(const SmtpTestServer&) = delete;
    SmtpTestServer& operator=(const SmtpTestServer&) = delete;

    std::uint16_t port() const { return port_; }
    // The certificate the server presents (its own CA): what the client must trust.
    const std::filesystem::path& ca_file() const { return cert_; }
    const std::filesystem::path& maildir() const { return maildir_; }

    // Down, then up again on the same port with the same messages.
    void stop();
    void start();
    bool running() const { return process_ != nullptr; }

    std::vector<ReceivedMail> messages() const;
    // The first message (in arrival order) delivered to `recipient`, waiting up to `timeout`.
    std::optional<ReceivedMail> wait_for(
        const std::string& recipient,
        std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;
    std::string log() const;

    // The mail.* lines of a gateway configuration that delivers here: host, port, TLS mode, the
    // CA file, and with AUTH the user and a password file (holding `password` when given, else
    // the server's own), with retries a second apart.
    std::string gateway_mail_config(const std::optional<std::string>& password = {}) const;

private:
    SmtpTestServerOptions options_;
    TempDir dir_{"ddns-smtp"};
    std::filesystem::path maildir_;
    std::filesystem::path cert_;
    std::filesystem::path key_;
    std::uint16_t port_ = 0;
    std::unique_ptr<ChildProcess> process_;
    int starts_ = 0;
    mutable int password_files_ = 0;
};

// Reads one stored message file.
ReceivedMail read_received_mail(const std::filesystem::path& file);
// Undoes quoted-printable (soft line breaks and =XX) and turns CRLF into LF.
std::string decode_quoted_printable(const std::string& text);
// The first http:// or https:// link in `body` that starts with `prefix` (any link when empty),
// up to the first whitespace, quote or angle bracket.
std::optional<std::string> extract_link(const std::string& body, const std::string& prefix = {});

}  // namespace ddns::test
