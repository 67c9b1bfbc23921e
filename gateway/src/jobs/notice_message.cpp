#include "ddns/gateway/jobs/notice_message.hpp"

#include <cstdio>
#include <ctime>
#include <vector>

namespace ddns::gateway {
namespace {

std::vector<std::string> words(const std::string& text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto space = text.find(' ', pos);
        out.push_back(text.substr(pos, space - pos));
        if (space == std::string::npos) break;
        pos = space + 1;
    }
    return out;
}

std::string json_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const auto& i : items) out += (out.size() > 1 ? "," : "") + json_string(i);
    return out + "]";
}

// The event's own fields, each as `,"name":value`.
std::string event_fields(auth::NoticeEvent event, const auth::NoticeObservation& ob) {
    using E = auth::NoticeEvent;
    switch (event) {
        case E::HostOffline:
            return ",\"since\":" + json_string(ob.value) + ",\"reason\":" + json_string(ob.detail);
        case E::HostOnline:
            return "";
        case E::HostFailing:
            return ",\"since\":" + json_string(ob.value) + ",\"attempts\":" + ob.detail;
        case E::HostOverBudget:
            return ",\"window_start\":" + json_string(ob.value) +
                   ",\"unchanged_updates\":" + ob.detail;
        case E::AddressChanged:
            return ",\"addresses\":" + json_list(words(ob.value)) +
                   ",\"previous\":" + json_list(words(ob.previous.value_or("")));
        case E::AccountExpiring:
            return ",\"expires\":" + json_string(ob.value);
    }
    return "";
}

std::string mail_subject(auth::NoticeEvent event, const auth::NoticeObservation& ob) {
    using E = auth::NoticeEvent;
    switch (event) {
        case E::HostOffline:
            return ob.host + " is offline";
        case E::HostOnline:
            return ob.host + " is back online";
        case E::HostFailing:
            return ob.host + ": updates keep failing with wrong credentials";
        case E::HostOverBudget:
            return ob.host + ": too many updates that change nothing";
        case E::AddressChanged:
            return ob.host + " has a new address";
        case E::AccountExpiring:
            return "your account " + ob.account + " expires soon";
    }
    return "notice";
}

std::string mail_text(auth::NoticeEvent event, const auth::NoticeObservation& ob) {
    using E = auth::NoticeEvent;
    switch (event) {
        case E::HostOffline:
            return "The host " + ob.host + " was taken offline at " + ob.value + " (" +
                   (ob.detail == "expired" ? "the account expired"
                                           : "no update within its heartbeat timeout") +
                   "). Its addresses are no longer published until it updates again.\n";
        case E::HostOnline:
            return "The host " + ob.host + " updated again and is back online.\n";
        case E::HostFailing:
            return "The last " + ob.detail + " updates for " + ob.host + " (since " + ob.value +
                   ") were refused: wrong user name, password or token. A router or client "
                   "still uses old credentials.\n";
        case E::HostOverBudget:
            return "The host " + ob.host + " sent " + ob.detail +
                   " updates that changed nothing since " + ob.value +
                   ", more than the gateway allows; it is refused until the window ends. "
                   "Please let the client update only when the address changes.\n";
        case E::AddressChanged:
            return "The host " + ob.host + " now points to " + ob.value +
                   " (before: " + ob.previous.value_or("") + ").\n";
        case E::AccountExpiring:
            return "The account " + ob.account + " expires at " + ob.value +
                   ". After that its hosts stop updating and go offline.\n";
    }
    return "";
}

}  // namespace

std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte >= 0x7f) {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\u%04x", byte);
            out += buffer;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string iso_utc(auth::TimePoint t) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(t));
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

std::string notice_json(const NoticeFacts& f) {
    const auth::NoticeObservation& ob = *f.observation;
    std::string out = "{\"id\":" + json_string(f.id) +
                      ",\"event\":" + json_string(std::string(auth::to_string(f.event))) +
                      ",\"time\":" + json_string(f.time) +
                      ",\"account\":" + json_string(ob.account);
    if (!ob.host.empty()) out += ",\"host\":" + json_string(ob.host);
    return out + event_fields(f.event, ob) + "}";
}

auth::OutgoingMail notice_mail(const NoticeFacts& f, const std::string& to,
                               const std::string& site_name) {
    const auth::NoticeObservation& ob = *f.observation;
    std::string body = "Hello " + ob.account + ",\n\n" + mail_text(f.event, ob) +
                       "\nEvent: " + std::string(auth::to_string(f.event)) + " at " + f.time +
                       "\n\nYou get this mail because of a notice subscription of your account; "
                       "change it on the account's notices page.\n\n-- \n" +
                       site_name + "\n";
    return {to, "[" + site_name + "] " + mail_subject(f.event, ob), std::move(body), "notice"};
}

}  // namespace ddns::gateway
