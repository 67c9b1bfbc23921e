// The /readyz answer for each state of the readiness check.
#include "ddns/gateway/http/readiness.hpp"

#include <gtest/gtest.h>

namespace ddns::gateway {
namespace {

class FakeReadiness final : public ReadinessCheck {
public:
    explicit FakeReadiness(bool ready) : ready_(ready) {}
    bool ready() override {
        ++calls;
        return ready_;
    }
    int calls = 0;

private:
    bool ready_;
};

struct ReadinessCase {
    bool ready;
    int status;
    const char* body;
};

class Readyz : public ::testing::TestWithParam<ReadinessCase> {};

TEST_P(Readyz, AnswersWhatTheCheckSaysAndNothingMore) {
    FakeReadiness check(GetParam().ready);
    const Response response = render_readiness(check);
    EXPECT_EQ(check.calls, 1);  // asked on every request, never cached
    EXPECT_EQ(response.status, GetParam().status);
    EXPECT_EQ(response.body, GetParam().body);
    EXPECT_EQ(response.content_type.rfind("text/plain", 0), 0u) << response.content_type;
}

INSTANTIATE_TEST_SUITE_P(Table, Readyz,
                         ::testing::Values(ReadinessCase{true, 200, "ready\n"},
                                           ReadinessCase{false, 503, "database unavailable\n"}));

}  // namespace
}  // namespace ddns::gateway
