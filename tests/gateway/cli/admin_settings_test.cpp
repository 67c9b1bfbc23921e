// The settings commands' refusals (answered before the database or BIND is asked) and the two
// output forms of the list and show commands.
#include <gtest/gtest.h>

#include <sstream>

#include "admin_handler_fixture.hpp"
#include "admin_output.hpp"

namespace ddns::gateway {
namespace {

struct Refusal {
    std::vector<std::string> words;
    int code;
    const char* message;  // the start of what err says
};

class AdminSettingsRefusals : public AdminHandlerTest,
                              public ::testing::WithParamInterface<Refusal> {};

TEST_P(AdminSettingsRefusals, AnswerWithoutTouchingDnsOrTheDatabase) {
    EXPECT_EQ(run(GetParam().words), GetParam().code) << err_.str();
    EXPECT_EQ(err_.str().rfind(std::string("ddns-gateway admin: ") + GetParam().message, 0), 0u)
        << err_.str();
    EXPECT_EQ(out_.str(), "");
    EXPECT_TRUE(dns_.sent.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Commands, AdminSettingsRefusals,
    ::testing::Values(
        Refusal{{"account", "plan", "alice", "gold"}, 1, "the plan must be free or domain"},
        Refusal{{"account", "plan", "alice"}, 2, "missing free|domain"},
        Refusal{{"account", "disable"}, 2, "missing USER"},
        Refusal{{"host", "ttl", "h.example.org", "86401"}, 1, "the TTL must be a number"},
        Refusal{{"host", "ttl", "h.example.org", "-5"}, 1, "the TTL must be a number"},
        Refusal{{"host", "ttl", "h.example.org", "1e3"}, 1, "the TTL must be a number"},
        Refusal{{"zone", "ttl", "example.org", "ten"}, 1, "the TTL must be a number"},
        Refusal{{"zone", "update", "example.org"}, 2, "zone update needs --server"},
        Refusal{{"zone", "update", "example.org", "--port", "53"}, 2, "unknown option --port"},
        Refusal{{"zone", "check", "a.example", "b.example"}, 2, "zone check takes at most"},
        Refusal{{"host", "remove", "h.example.org", "--keep-dns", "--force"},
                2,
                "host remove takes --keep-dns or --force"}));

TEST(AdminOutput, TableAndJsonShowTheSameRows) {
    Listing list({{"NAME", "name"}, {"TTL", "ttl"}, {"SEEN", "last_seen"}, {"ON", "on"}});
    list.add({text_cell("a \"quoted\"\tname"), number_cell(60), time_cell(std::nullopt),
              bool_cell(true, "on", "off")});
    list.add({text_cell("b"), number_cell(0), time_cell(auth::TimePoint{}),
              bool_cell(false, "on", "off")});
    std::ostringstream table;
    list.print(table, false);
    EXPECT_EQ(table.str(),
              "NAME             TTL  SEEN                  ON\n"
              "a \"quoted\"\tname  60   -                     on\n"
              "b                0    1970-01-01T00:00:00Z  off\n");
    std::ostringstream json;
    list.print(json, true);
    EXPECT_EQ(json.str(),
              "[\n"
              "{\"name\":\"a \\\"quoted\\\"\\tname\",\"ttl\":60,\"last_seen\":null,\"on\":true},\n"
              "{\"name\":\"b\",\"ttl\":0,\"last_seen\":\"1970-01-01T00:00:00Z\",\"on\":false}\n"
              "]\n");
    std::ostringstream empty;
    Listing(std::vector<Column>{{"NAME", "name"}}).print(empty, true);
    EXPECT_EQ(empty.str(), "[]\n");
}

TEST(AdminOutput, FieldsAsLinesOrOneObject) {
    const Fields fields = {{"host", text_cell("h.example.org")},
                           {"ipv6", opt_text_cell(std::nullopt)}};
    std::ostringstream lines;
    print_fields(lines, fields, false);
    EXPECT_EQ(lines.str(), "host:             h.example.org\nipv6:             -\n");
    std::ostringstream json;
    print_fields(json, fields, true);
    EXPECT_EQ(json.str(), "{\"host\":\"h.example.org\",\"ipv6\":null}\n");
}

}  // namespace
}  // namespace ddns::gateway
