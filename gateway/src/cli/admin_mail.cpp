// `admin mail test ADDRESS` and `admin mail queue`: try the SMTP settings end to end, and see
// what waits in the outbox and why (never a body: it may hold a reset link).
#include <stdexcept>
#include <string>
#include <vector>

#include "admin_output.hpp"
#include "admin_support.hpp"
#include "ddns/auth/mail_queue.hpp"
#include "ddns/gateway/base/version.hpp"

namespace ddns::gateway {
namespace {

const char* state_text(auth::MailState s) {
    switch (s) {
        case auth::MailState::Pending:
            return "pending";
        case auth::MailState::Sent:
            return "sent";
        case auth::MailState::Failed:
            return "failed";
    }
    return "?";
}

// One table cell per line: an SMTP answer may span lines.
std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    return text;
}

}  // namespace

int mail_test(AdminContext& cx, const Args& a) {
    a.only({});
    const std::string& to = arg(a, 0, "ADDRESS");
    if (a.words.size() > 1) throw UsageError("mail test takes one ADDRESS");
    const auto at = to.find('@');
    if (!auth::header_safe(to) || at == std::string::npos || at == 0 || at + 1 == to.size() ||
        to.find_first_of(" <>,;\"") != std::string::npos)
        return cx.fail("mail test: " + to + " is not a mail address (local@domain)");
    if (cx.mail_outbox == nullptr) return cx.fail("mail test: no mail outbox here");
    const auth::OutgoingMail mail{
        to, "ddns-gateway test mail",
        std::string("This is a test mail from ddns-gateway ") + version() +
            ".\n\nIf it arrived, the gateway's SMTP settings (mail.* in its configuration) "
            "work.\n",
        "test"};
    try {
        cx.mail_outbox->enqueue(mail);
    } catch (const std::invalid_argument& e) {
        return cx.fail(std::string("mail test: ") + e.what());
    }
    cx.out << "queued a test mail to " << to;
    if (!cx.config.mail.enabled)
        cx.out << " (mail.enabled is false here: a gateway with mail.enabled = true sends it)";
    cx.out << "\n";
    return 0;
}

int mail_queue(AdminContext& cx, const Args& a) {
    a.only({"--limit"});
    if (!a.words.empty()) throw UsageError("mail queue takes no words");
    std::uint32_t limit = 50;
    if (const auto text = a.opt("--limit")) {
        const auto n = parse_number(*text, 100000);
        if (!n || *n == 0) throw UsageError("--limit must be a number from 1 to 100000");
        limit = *n;
    }
    if (cx.mail_queue == nullptr) return cx.fail("mail queue: no mail outbox here");
    const bool all = a.flags.count("--all") > 0 && a.flags.at("--all");
    Listing list({{"ID", "id"},
                  {"STATE", "state"},
                  {"ATTEMPTS", "attempts"},
                  {"CREATED", "created"},
                  {"NEXT", "next_attempt"},
                  {"KIND", "kind"},
                  {"TO", "to"},
                  {"SUBJECT", "subject"},
                  {"LAST ERROR", "last_error"}});
    for (const auto& m : cx.mail_queue->list(static_cast<int>(limit), all))
        list.add({number_cell(m.id), text_cell(state_text(m.state)), number_cell(m.attempts),
                  text_cell(m.created), opt_text_cell(m.next_attempt), text_cell(m.kind),
                  text_cell(m.to), text_cell(m.subject),
                  m.last_error ? text_cell(one_line(*m.last_error)) : opt_text_cell(std::nullopt)});
    const auto depth = cx.mail_queue->depth();
    if (wants_json(a)) {
        // One object: the counts cover the whole outbox, the rows only what --limit/--all show.
        cx.out << "{\"pending\":" << depth.pending << ",\"failed\":" << depth.failed
               << ",\"mails\":" << list.json_array() << "}\n";
        return 0;
    }
    list.print(cx.out, false);
    cx.out << depth.pending << " pending, " << depth.failed << " failed\n";
    return 0;
}

}  // namespace ddns::gateway
