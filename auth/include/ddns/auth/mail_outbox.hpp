// Mail the gateway sends to its users (address verification, password reset, notices). Callers
// only enqueue: a background worker delivers from the outbox over SMTP with retries, so a
// request never waits for the mail server and a mail survives an SMTP outage.
#pragma once

#include <string>

namespace ddns::auth {

struct OutgoingMail {
    std::string to;       // one address, already validated by the caller
    std::string subject;  // one line, no CR/LF
    std::string body;     // plain text, UTF-8, lines separated by "\n"
    std::string kind;     // what it is for, e.g. "verify", "reset" (logged; never the body)
};

class MailOutbox {
public:
    virtual ~MailOutbox() = default;
    // Stores the mail for delivery; throws on a storage failure (nothing stored).
    virtual void enqueue(const OutgoingMail& mail) = 0;
    // A mail was stored by another store, in one transaction with what it is about
    // (SelfServiceStore::MailedLink): tells the deliverer, as enqueue does.
    virtual void stored_elsewhere() {}
};

}  // namespace ddns::auth
