// How a notice reads: the JSON document a webhook receives (docs/notices.md is its contract)
// and the mail a subscriber gets, both made from one observation of the notice watcher.
#pragma once

#include <string>

#include "ddns/auth/mail_outbox.hpp"
#include "ddns/auth/notice.hpp"

namespace ddns::gateway {

struct NoticeFacts {
    auth::NoticeEvent event = auth::NoticeEvent::HostOffline;
    std::string id;    // the idempotency key of this delivery
    std::string time;  // when the watcher saw it, ISO 8601 UTC
    const auth::NoticeObservation* observation = nullptr;
};

// {"id":..., "event":..., "time":..., "account":..., "host":..., ...event fields}
std::string notice_json(const NoticeFacts& facts);
// The mail to `to`, kind "notice".
auth::OutgoingMail notice_mail(const NoticeFacts& facts, const std::string& to,
                               const std::string& site_name);
// Time as "YYYY-MM-DDTHH:MM:SSZ".
std::string iso_utc(auth::TimePoint t);
// A JSON string literal (quotes included), control characters and non-ASCII bytes escaped.
std::string json_string(const std::string& text);

}  // namespace ddns::gateway
