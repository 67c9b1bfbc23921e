// The mail part of `serve`: the outbox on its own database connections and, with mail.enabled,
// the SMTP transport and the sender thread. What the account layer gets is outbox(): it stores
// the mail and wakes this process's sender.
#pragma once

#include <memory>

#include "ddns/auth/mail_outbox.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/config/config.hpp"
#include "ddns/gateway/jobs/mail_sender.hpp"
#include "ddns/gateway/jobs/smtp_transport.hpp"

namespace ddns::gateway {

// The mail.* keys as the transport and the sender take them.
SmtpOptions smtp_options(const MailSection& mail);
MailSenderOptions mail_sender_options(const MailSection& mail);

class MailService {
public:
    // Throws std::runtime_error / std::invalid_argument when the settings cannot work (an
    // unreadable mail.password_file, a From with control bytes): serve refuses to start.
    MailService(const Config& config, const Logger& log);
    ~MailService();  // stop()
    MailService(const MailService&) = delete;
    MailService& operator=(const MailService&) = delete;

    auth::MailOutbox& outbox();
    // Null when mail.enabled is false.
    MailSender* sender();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ddns::gateway
