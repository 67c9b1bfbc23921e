// The access line's fields for one request (ObservedRouter writes them with Logger::event): one
// row per duration, printed as milliseconds with three decimals without printf.
#include <gtest/gtest.h>

#include <string>

#include "ddns/gateway/http/observed_router.hpp"

namespace ddns::gateway {
namespace {

std::string field(const AccessFields& access, const std::string& key) {
    for (const auto& f : access.fields())
        if (f.key == key) return std::string(f.value);
    return "(none)";
}

struct DurationRow {
    long long micros;
    const char* text;
};

class AccessDuration : public ::testing::TestWithParam<DurationRow> {};

TEST_P(AccessDuration, IsMillisecondsWithThreeDecimals) {
    RequestView request;
    request.client = request.peer = *IpAddress::parse("192.0.2.7");
    request.method = "GET";
    request.path = "/nic/update";
    request.local_port = 8080;
    request.headers = {{"user-agent", "a router's agent, longer than a short string keeps inline"}};
    const Response response = Response::text(200, "OK", "nochg 192.0.2.7");
    const AccessFields fields(request, response, "dyndns2",
                              std::chrono::microseconds(GetParam().micros));
    EXPECT_EQ(field(fields, "duration_ms"), GetParam().text);
    EXPECT_EQ(field(fields, "client"), "192.0.2.7");
    EXPECT_EQ(field(fields, "listener"), "http:8080");
    EXPECT_EQ(field(fields, "status"), "200");
    EXPECT_EQ(field(fields, "path"), "/nic/update");
    EXPECT_EQ(field(fields, "user_agent"),
              "a router's agent, longer than a short string keeps inline");
    EXPECT_EQ(field(fields, "account"), "(none)");
}

INSTANTIATE_TEST_SUITE_P(Table, AccessDuration,
                         ::testing::Values(DurationRow{0, "0.000"}, DurationRow{5, "0.005"},
                                           DurationRow{40, "0.040"}, DurationRow{999, "0.999"},
                                           DurationRow{1000, "1.000"}, DurationRow{12345, "12.345"},
                                           DurationRow{1000000, "1000.000"},
                                           DurationRow{-3, "0.000"}));

}  // namespace
}  // namespace ddns::gateway
