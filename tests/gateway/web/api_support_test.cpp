// The JSON API's answer helpers (api_support.hpp): every status the API sends carries its own
// reason phrase from one table, the error() answers and the failure() mapping alike.
#include "api_support.hpp"

#include <gtest/gtest.h>

namespace ddns::gateway {
namespace {

struct ReasonRow {
    int status;
    const char* reason;
};

class ApiReasons : public ::testing::TestWithParam<ReasonRow> {};
TEST_P(ApiReasons, AnErrorCarriesTheReasonOfItsStatus) {
    const Response r = api::error(GetParam().status, "code", "message");
    EXPECT_EQ(r.status, GetParam().status);
    EXPECT_EQ(r.reason, GetParam().reason);
}
INSTANTIATE_TEST_SUITE_P(
    Table, ApiReasons,
    ::testing::Values(ReasonRow{400, "Bad Request"}, ReasonRow{401, "Unauthorized"},
                      ReasonRow{403, "Forbidden"}, ReasonRow{404, "Not Found"},
                      ReasonRow{409, "Conflict"}, ReasonRow{422, "Unprocessable Content"},
                      ReasonRow{429, "Too Many Requests"}, ReasonRow{500, "Internal Server Error"},
                      ReasonRow{502, "Bad Gateway"}, ReasonRow{503, "Service Unavailable"}));

// failure() takes its reason from the same table as error(): each account error's answer has
// the reason of its status.
TEST(ApiFailures, EachAccountErrorHasTheReasonOfItsStatus) {
    for (int e = static_cast<int>(AccountError::BadInput);
         e <= static_cast<int>(AccountError::Unavailable); ++e) {
        const auto error = static_cast<AccountError>(e);
        const Response r = api::failure(AccountFailure{error, "m", {}});
        EXPECT_EQ(r.reason, api::error(r.status, "c", "m").reason) << to_string(error);
    }
    EXPECT_EQ(api::failure(AccountFailure{AccountError::DnsFailed, "m", {}}).status, 502);
}

}  // namespace
}  // namespace ddns::gateway
