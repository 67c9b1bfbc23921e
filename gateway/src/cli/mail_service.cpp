#include "ddns/gateway/cli/mail_service.hpp"

#include <algorithm>

#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_mail_outbox.hpp"

namespace ddns::gateway {

SmtpOptions smtp_options(const MailSection& mail) {
    SmtpOptions o;
    o.host = mail.smtp_host;
    o.port = mail.smtp_port;
    o.tls = mail.tls == MailTls::None       ? SmtpTls::None
            : mail.tls == MailTls::StartTls ? SmtpTls::StartTls
                                            : SmtpTls::Implicit;
    o.username = mail.username;
    o.password_file = mail.password_file;
    o.auth = mail.auth == MailAuth::Login ? SmtpAuth::Login : SmtpAuth::Plain;
    o.from = mail.from;
    o.reply_to = mail.reply_to;
    o.ca_file = mail.ca_file;
    o.timeout = mail.timeout;
    return o;
}

MailSenderOptions mail_sender_options(const MailSection& mail) {
    MailSenderOptions o;
    o.interval = mail.interval;
    o.batch_size = static_cast<int>(mail.batch_size);
    o.retry_initial = mail.retry_initial;
    o.retry_max = mail.retry_max;
    o.give_up_after = mail.give_up_after;
    o.keep = mail.keep;
    // One delivery is a connect and about ten replies, each within the timeout.
    o.lease = std::max(std::chrono::seconds(600), mail.timeout * 12);
    return o;
}

struct MailService::Impl {
    // Two connections of its own: the sender never takes one from requests, and an enqueue
    // never waits for the sender's.
    sql::Database db;
    sql::PgMailOutbox store{db};
    std::unique_ptr<SmtpTransport> transport;
    std::unique_ptr<MailSender> sender;
    std::unique_ptr<WakingMailOutbox> outbox;

    Impl(const Config& config, const Logger& log) : db(config.database.url, 2) {
        if (config.mail.enabled) {
            transport = std::make_unique<SmtpTransport>(smtp_options(config.mail));
            sender = std::make_unique<MailSender>(store, *transport, log,
                                                  mail_sender_options(config.mail));
        }
        outbox = std::make_unique<WakingMailOutbox>(store, sender.get());
    }
};

MailService::MailService(const Config& config, const Logger& log)
    : impl_(std::make_unique<Impl>(config, log)) {
    if (impl_->sender) impl_->sender->start();
}

MailService::~MailService() {
    stop();
}

auth::MailOutbox& MailService::outbox() {
    return *impl_->outbox;
}

MailSender* MailService::sender() {
    return impl_->sender.get();
}

void MailService::stop() {
    if (impl_->sender) impl_->sender->stop();
}

}  // namespace ddns::gateway
