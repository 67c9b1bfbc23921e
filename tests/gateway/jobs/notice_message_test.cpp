// The webhook document and the mail of each notice event: the fields docs/notices.md promises,
// valid JSON whatever a name holds, and a subject line a mail header can carry.
#include "ddns/gateway/jobs/notice_message.hpp"

#include <gtest/gtest.h>

#include "ddns/auth/mail_queue.hpp"

namespace ddns::gateway {
namespace {

using E = auth::NoticeEvent;

auth::NoticeObservation observation(std::string value, std::string detail,
                                    std::optional<std::string> previous = std::nullopt) {
    auth::NoticeObservation ob;
    ob.subject = "host:7";
    ob.account = "alice";
    ob.host = "home.example.test";
    ob.value = std::move(value);
    ob.detail = std::move(detail);
    ob.previous = std::move(previous);
    return ob;
}

struct DocumentRow {
    E event;
    auth::NoticeObservation ob;
    std::string fields;  // what follows "host"
};

class NoticeDocuments : public ::testing::TestWithParam<DocumentRow> {};

TEST_P(NoticeDocuments, CarryTheirEventsFields) {
    const auto& r = GetParam();
    const NoticeFacts facts{r.event, "abc-1", "2026-12-07T01:00:00Z", &r.ob};
    EXPECT_EQ(
        notice_json(facts),
        R"({"id":"abc-1","event":")" + std::string(auth::to_string(r.event)) +
            R"(","time":"2026-12-07T01:00:00Z","account":"alice","host":"home.example.test")" +
            r.fields + "}");
    const auto mail = notice_mail(facts, "alice@example.test", "DDNS");
    EXPECT_TRUE(auth::header_safe(mail.subject)) << mail.subject;
    EXPECT_EQ(mail.subject.rfind("[DDNS] ", 0), 0u);
    EXPECT_EQ(mail.kind, "notice");
    EXPECT_NE(mail.body.find(std::string(auth::to_string(r.event))), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, NoticeDocuments,
    ::testing::Values(
        DocumentRow{E::HostOffline, observation("2026-12-07T00:59:00Z", "heartbeat"),
                    R"(,"since":"2026-12-07T00:59:00Z","reason":"heartbeat")"},
        DocumentRow{E::HostOnline, observation("", ""), ""},
        DocumentRow{E::HostFailing, observation("2026-12-07T00:50:00Z", "5"),
                    R"(,"since":"2026-12-07T00:50:00Z","attempts":5)"},
        DocumentRow{E::HostOverBudget, observation("2026-12-07T00:40:00Z", "12"),
                    R"(,"window_start":"2026-12-07T00:40:00Z","unchanged_updates":12)"},
        DocumentRow{E::AddressChanged,
                    observation("192.0.2.2 2001:db8::2", "", std::string("192.0.2.1")),
                    R"(,"addresses":["192.0.2.2","2001:db8::2"],"previous":["192.0.2.1"])"}));

TEST(NoticeDocument, AnAccountEventHasNoHostAndNamesAreEscaped) {
    auth::NoticeObservation ob = observation("2026-12-14T00:00:00Z", "2026-12-14T00:00:00Z");
    ob.host.clear();
    ob.account = "we\"ird\\\x01\xc3\xa9\xff";
    const NoticeFacts facts{E::AccountExpiring, "k", "t", &ob};
    EXPECT_EQ(notice_json(facts), R"({"id":"k","event":"account.expiring","time":"t",)"
                                  "\"account\":\"we\\\"ird\\\\\\u0001\xc3\xa9\\ufffd\",\"expires\":"
                                  "\"2026-12-14T00:00:00Z\"}");
}

TEST(NoticeDocument, TimesAreUtc) {
    EXPECT_EQ(iso_utc(auth::TimePoint(std::chrono::seconds(1796605862))), "2026-12-07T01:11:02Z");
}

}  // namespace
}  // namespace ddns::gateway
