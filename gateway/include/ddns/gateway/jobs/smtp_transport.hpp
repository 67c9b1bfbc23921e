// Delivers one mail over SMTP (the mail sender's transport). POCO's mail and TLS classes stay
// in smtp_transport.cpp: this header and its callers see plain values (docs/layout.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "ddns/auth/mail_outbox.hpp"

namespace ddns::gateway {

enum class SmtpTls {
    None,      // plain SMTP (a relay on the same host or a trusted network only)
    StartTls,  // plain connect, then STARTTLS before anything else; refused without it
    Implicit,  // TLS from the first byte (SMTPS, usually port 465)
};
enum class SmtpAuth { Plain, Login };

struct SmtpOptions {
    std::string host = "localhost";
    std::uint16_t port = 25;
    SmtpTls tls = SmtpTls::StartTls;
    std::string username;       // empty: no AUTH
    std::string password_file;  // the AUTH password, the file's first line
    SmtpAuth auth = SmtpAuth::Plain;
    std::string from;      // "Name <address>" or "address"
    std::string reply_to;  // empty: none
    std::string ca_file;   // PEM bundle to verify the server with; empty: the system's CAs
    std::string helo_name = "localhost";
    std::chrono::seconds timeout{30};  // connect, and each SMTP reply
};

// What became of one delivery attempt.
enum class Delivery {
    Sent,
    Retry,    // the server could not be reached, TLS or AUTH failed, or a 4xx answer: try later
    Refused,  // a 5xx answer to the sender, the recipient or the message, or a header that is
              // not safe to send: trying again cannot help
};
struct DeliveryResult {
    Delivery outcome = Delivery::Retry;
    std::string error;  // the server's answer or the local reason; never a password
};

class MailTransport {
public:
    virtual ~MailTransport() = default;
    // `id` makes the Message-ID unique. Never throws.
    virtual DeliveryResult deliver(std::int64_t id, const auth::OutgoingMail& mail) = 0;
};

class SmtpTransport final : public MailTransport {
public:
    // Reads the password file (throws std::runtime_error naming the file, never its content,
    // when it cannot be read) and checks From and Reply-To (std::invalid_argument).
    explicit SmtpTransport(SmtpOptions options);
    ~SmtpTransport() override;
    SmtpTransport(const SmtpTransport&) = delete;
    SmtpTransport& operator=(const SmtpTransport&) = delete;

    DeliveryResult deliver(std::int64_t id, const auth::OutgoingMail& mail) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ddns::gateway
