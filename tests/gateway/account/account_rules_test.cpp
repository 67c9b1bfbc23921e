// The input rules of the account layer, row by row: usernames, e-mail addresses, passwords.
#include "account_rules.hpp"

#include <gtest/gtest.h>

namespace ddns::gateway::account_rules {
namespace {

struct Row {
    const char* text;
    bool ok;
};

class Usernames : public ::testing::TestWithParam<Row> {};
TEST_P(Usernames, FollowTheRule) {
    EXPECT_EQ(!username_problem(GetParam().text).has_value(), GetParam().ok) << GetParam().text;
}
INSTANTIATE_TEST_SUITE_P(Table, Usernames,
                         ::testing::Values(Row{"alice", true}, Row{"a.b_c-1", true},
                                           Row{"Bob42", true}, Row{"ab", false},
                                           Row{"-alice", false}, Row{".alice", false},
                                           Row{"al ice", false}, Row{"al@ice", false},
                                           Row{"alice\n", false}, Row{"", false},
                                           Row{"a23456789012345678901234567890123", false},
                                           Row{"a2345678901234567890123456789012", true}));

class Emails : public ::testing::TestWithParam<Row> {};
TEST_P(Emails, FollowTheRule) {
    EXPECT_EQ(!email_problem(GetParam().text).has_value(), GetParam().ok) << GetParam().text;
}
INSTANTIATE_TEST_SUITE_P(
    Table, Emails,
    ::testing::Values(Row{"alice@example.org", true}, Row{"a+tag@mail.example.org", true},
                      Row{"alice@example", false}, Row{"@example.org", false},
                      Row{"alice@@example.org", false}, Row{"a@b@example.org", false},
                      Row{"alice@example.org\r\nBcc: x@y.z", false},
                      Row{"alice @example.org", false}, Row{"<alice@example.org>", false},
                      Row{"alice@.example.org", false}, Row{"alice@example.org.", false},
                      Row{"", false}));

class Passwords : public ::testing::TestWithParam<Row> {};
TEST_P(Passwords, FollowTheRule) {
    EXPECT_EQ(!password_problem(Secret(GetParam().text), "alice-user").has_value(), GetParam().ok)
        << GetParam().text;
}
INSTANTIATE_TEST_SUITE_P(Table, Passwords,
                         ::testing::Values(Row{"a long password", true}, Row{"0123456789", true},
                                           Row{"012345678", false}, Row{"alice-user", false},
                                           Row{"has\ta control", false},
                                           Row{"ümlaute sind ok", true}));

}  // namespace
}  // namespace ddns::gateway::account_rules
