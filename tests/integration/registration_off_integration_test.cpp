// web.registration = off (the default) against the real binary and PostgreSQL: the JSON API's
// sign-up is refused with `registration_closed` and creates nothing, and the pages offer no
// sign-up form (the sign-up page says it is closed, the login page has no link to it).
#include <gtest/gtest.h>

#include <string>

#include "stack_environment.hpp"

namespace ddns::test {
namespace {

class ClosedEnvironment : public StackEnvironment {
public:
    ClosedEnvironment()
        : StackEnvironment([] {
              GatewayStackOptions o;
              o.zones = {"closed.test"};
              o.extra_config = "web.enabled = true\n";  // web.registration left at its default
              return o;
          }()) {}
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new ClosedEnvironment);

class RegistrationOff : public StackTest {};

TEST_F(RegistrationOff, ApiSignUpIsRefusedAndCreatesNothing) {
    const std::string body =
        R"({"username":"walter","email":"walter@mail.example.test","password":"a long enough password"})";
    const auto r = stack().raw(
        "POST /api/v1/signup HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    EXPECT_EQ(r.status, 403) << r.raw;
    EXPECT_NE(r.body.find("registration_closed"), std::string::npos) << r.body;
    EXPECT_EQ(stack().sql("select count(*) from accounts where username = 'walter'"), "0");
}

TEST_F(RegistrationOff, PagesOfferNoSignUp) {
    const auto signup = stack().get("/signup");
    EXPECT_EQ(signup.status, 200) << signup.raw;
    EXPECT_NE(signup.body.find("Sign-up is closed"), std::string::npos) << signup.body;
    EXPECT_EQ(signup.body.find("name=\"username\""), std::string::npos) << signup.body;
    const auto login = stack().get("/login");
    EXPECT_EQ(login.status, 200) << login.raw;
    EXPECT_EQ(login.body.find("/signup\""), std::string::npos) << login.body;
}

}  // namespace
}  // namespace ddns::test
