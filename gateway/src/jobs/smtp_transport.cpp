#include "ddns/gateway/jobs/smtp_transport.hpp"

#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "ddns/auth/mail_queue.hpp"
#include "ddns/nsupdate/secret.hpp"

namespace ddns::gateway {
namespace {

using Poco::Net::Context;

// POCO's own startTLS() verifies the certificate against the host name the session was opened
// with, which a session on an already connected socket (our connect timeout) does not have.
class Session : public Poco::Net::SMTPClientSession {
public:
    using SMTPClientSession::SMTPClientSession;

    void start_tls(const std::string& host, const Context::Ptr& context) {
        std::string response;
        const int status = sendCommand("STARTTLS", response);
        if (status / 100 != 2) throw Poco::Net::SMTPException("STARTTLS refused", response, status);
        // attach() does the handshake and checks the certificate and the host name.
        Poco::Net::SecureStreamSocket secure =
            Poco::Net::SecureStreamSocket::attach(socket(), host, context);
        socket() = secure;
    }

    // AUTH PLAIN (RFC 4616) or LOGIN, by the protocol: POCO's LOGIN waits for prompts worded
    // its way and sends the name as the next command when a server words them otherwise.
    void authenticate(SmtpAuth how, const std::string& user, const Secret& password) {
        std::string response;
        int status = 0;
        if (how == SmtpAuth::Plain) {
            std::string plain = std::string(1, '\0') + user + '\0';
            plain += password.expose_view();
            std::string line = "AUTH PLAIN " + base64(plain);
            wipe(plain);
            status = sendCommand(line, response);
            wipe(line);
        } else {
            status = sendCommand("AUTH LOGIN", response);
            if (status == 334) status = sendCommand(base64(user), response);
            if (status == 334) {
                std::string line = base64(std::string(password.expose_view()));
                status = sendCommand(line, response);
                wipe(line);
            }
        }
        if (status / 100 != 2) throw Poco::Net::SMTPException("AUTH refused", response, status);
    }

private:
    static void wipe(std::string& s) { std::fill(s.begin(), s.end(), '\0'); }
    static std::string base64(const std::string& text) {
        std::ostringstream out;
        Poco::Base64Encoder encoder(out);
        encoder.rdbuf()->setLineLength(0);
        encoder << text;
        encoder.close();
        return out.str();
    }
};

// Where the attempt was when it failed: only an answer about this mail itself (sender,
// recipient, content) is permanent; a failed connect, TLS or AUTH is the server's problem.
enum class Stage { Connect, Hello, Auth, Message };

std::string read_password(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    if (!in || !std::getline(in, line))
        throw std::runtime_error("mail.password_file: cannot read " + path);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) throw std::runtime_error("mail.password_file: " + path + " is empty");
    return line;
}

std::string domain_of(const std::string& from) {
    const auto at = from.rfind('@');
    if (at == std::string::npos) return "localhost";
    std::string domain = from.substr(at + 1);
    if (const auto end = domain.find('>'); end != std::string::npos) domain.resize(end);
    return domain.empty() ? "localhost" : domain;
}

// The SMTP status of a refusal: POCO passes it as the exception code; the text is the fallback.
int status_of(const Poco::Exception& e) {
    if (e.code() >= 200 && e.code() < 600) return e.code();
    const std::string& text = e.message();
    for (std::size_t i = 0; i + 3 <= text.size(); ++i)
        if (std::isdigit(static_cast<unsigned char>(text[i])) &&
            (i + 3 == text.size() || text[i + 3] == ' ' || text[i + 3] == '-')) {
            const int n = std::atoi(text.substr(i, 3).c_str());
            if (n >= 200 && n < 600) return n;
        }
    return 0;
}

}  // namespace

struct SmtpTransport::Impl {
    SmtpOptions options;
    Secret password;
    Context::Ptr context;
    std::string message_id_domain;
    std::mt19937_64 random{std::random_device{}()};

    void compose(Poco::Net::MailMessage& m, std::int64_t id, const auth::OutgoingMail& mail) {
        m.setSender(options.from);
        m.addRecipient(
            Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, mail.to));
        // RFC 2047 encoded word when the subject is not plain ASCII.
        m.setSubject(Poco::Net::MailMessage::encodeWord(mail.subject, "UTF-8"));
        if (!options.reply_to.empty()) m.set("Reply-To", options.reply_to);
        char unique[17];
        std::snprintf(unique, sizeof unique, "%016llx", static_cast<unsigned long long>(random()));
        m.set("Message-ID",
              "<" + std::to_string(id) + "." + unique + "@" + message_id_domain + ">");
        // POCO writes MIME-Version only for multipart mails; a plain one needs it too, or a
        // strict reader ignores the charset and the transfer encoding.
        m.set("MIME-Version", "1.0");
        m.setContentType("text/plain; charset=UTF-8");
        m.setContent(mail.body, Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
    }

    Poco::Net::StreamSocket connect() {
        const Poco::Net::SocketAddress address(options.host, options.port);
        const Poco::Timespan timeout(std::chrono::microseconds(options.timeout).count());
        if (options.tls == SmtpTls::Implicit) {
            Poco::Net::SecureStreamSocket secure(context);
            secure.setPeerHostName(options.host);
            secure.connect(address, timeout);  // the handshake checks certificate and host name
            return secure;
        }
        Poco::Net::StreamSocket plain;
        plain.connect(address, timeout);
        return plain;
    }

    void send(std::int64_t id, const auth::OutgoingMail& mail, Stage& stage) {
        Session session(connect());
        session.setTimeout(Poco::Timespan(std::chrono::microseconds(options.timeout).count()));
        stage = Stage::Hello;
        session.login(options.helo_name);  // greeting and EHLO
        if (options.tls == SmtpTls::StartTls) {
            session.start_tls(options.host, context);
            session.login(options.helo_name);  // EHLO again, over TLS
        }
        if (!options.username.empty()) {
            stage = Stage::Auth;
            session.authenticate(options.auth, options.username, password);
        }
        stage = Stage::Message;
        Poco::Net::MailMessage message;
        compose(message, id, mail);
        session.sendMessage(message);
        try {
            session.close();  // QUIT; the mail is accepted whatever happens now
        } catch (const Poco::Exception&) {
        }
    }
};

SmtpTransport::SmtpTransport(SmtpOptions options) : impl_(std::make_unique<Impl>()) {
    if (!auth::header_safe(options.from))
        throw std::invalid_argument("mail.from must be set and hold no control bytes");
    if (!options.reply_to.empty() && !auth::header_safe(options.reply_to))
        throw std::invalid_argument("mail.reply_to holds control bytes");
    if (!options.username.empty()) impl_->password = Secret(read_password(options.password_file));
    if (options.tls != SmtpTls::None) {
        try {
            impl_->context = new Context(Context::TLS_CLIENT_USE, options.ca_file,
                                         Context::VERIFY_RELAXED, 9, options.ca_file.empty());
            impl_->context->requireMinimumProtocol(Context::PROTO_TLSV1_2);
        } catch (const Poco::Exception& e) {
            throw std::runtime_error("mail.ca_file: cannot load " + options.ca_file + ": " +
                                     e.displayText());
        }
    }
    impl_->message_id_domain = domain_of(options.from);
    impl_->options = std::move(options);
}

SmtpTransport::~SmtpTransport() = default;

DeliveryResult SmtpTransport::deliver(std::int64_t id, const auth::OutgoingMail& mail) {
    if (!auth::header_safe(mail.to) || !auth::header_safe(mail.subject))
        return {Delivery::Refused, "recipient or subject holds control bytes"};
    Stage stage = Stage::Connect;
    try {
        impl_->send(id, mail, stage);
        return {Delivery::Sent, {}};
    } catch (const Poco::Net::SMTPException& e) {
        const int status = status_of(e);
        // 530/534/535/538 (TLS or AUTH required, RFC 3207 and 4954) are the configuration's
        // fault, not the mail's: they are retried like a failed login.
        const bool auth_or_tls = status == 530 || status == 534 || status == 535 || status == 538;
        const bool permanent = stage == Stage::Message && status >= 500 && !auth_or_tls;
        return {permanent ? Delivery::Refused : Delivery::Retry, e.displayText()};
    } catch (const Poco::Exception& e) {
        return {Delivery::Retry, e.displayText()};
    } catch (const std::exception& e) {
        return {Delivery::Retry, e.what()};
    }
}

}  // namespace ddns::gateway
