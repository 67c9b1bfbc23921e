// The admin command table: help text and dispatch made from the rows, usage errors answered
// with exit 2 before any handler runs, and handlers run against an injected context (a fake
// DNS sender, a fixed clock, a database that is never reached because the input is refused).
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "admin_handler_fixture.hpp"
#include "ddns/gateway/cli/admin_table.hpp"

namespace ddns::gateway {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

TEST(AdminTable, HelpListsEveryRowOnceInTableOrder) {
    const auto lines = lines_of(admin_usage());
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines[0], "usage: ddns-gateway admin --config FILE OBJECT ACTION [ARGS]");
    std::size_t at = 0;
    for (const auto& c : admin_commands()) {
        std::string head = "  " + std::string(c.object);
        if (!c.action.empty()) head += " " + std::string(c.action);
        if (!c.synopsis.empty()) head += " " + std::string(c.synopsis);
        while (at < lines.size() && lines[at].rfind(head, 0) != 0) ++at;
        ASSERT_LT(at, lines.size()) << head << " missing or out of order";
        const std::string first_note(c.note.substr(0, c.note.find('\n')));
        const bool beside = lines[at].find(first_note) != std::string::npos;
        const bool below =
            at + 1 < lines.size() && lines[at + 1].find(first_note) != std::string::npos;
        EXPECT_TRUE(beside || below) << head << ": note " << first_note;
    }
}

TEST(AdminTable, RowsAreUniqueAndHaveHandlers) {
    std::set<std::pair<std::string_view, std::string_view>> seen;
    for (const auto& c : admin_commands()) {
        EXPECT_TRUE(seen.insert({c.object, c.action}).second) << c.object << " " << c.action;
        EXPECT_NE(c.handler, nullptr) << c.object << " " << c.action;
    }
    EXPECT_EQ(seen.size(), 49u);
}

struct Dispatched {
    int code = 0;
    int runs = 0;
    AdminHandler handler = nullptr;
    Args args;
    std::string out;
    std::string err;
};

Dispatched dispatch(const std::vector<std::string>& words) {
    Dispatched d;
    std::ostringstream out;
    std::ostringstream err;
    d.code = dispatch_admin(words, out, err, [&](AdminHandler handler, const Args& args) {
        ++d.runs;
        d.handler = handler;
        d.args = args;
        return 0;
    });
    d.out = out.str();
    d.err = err.str();
    return d;
}

TEST(AdminTable, EveryRowDispatchesToItsHandler) {
    for (const auto& c : admin_commands()) {
        std::vector<std::string> words{std::string(c.object)};
        if (!c.action.empty()) words.emplace_back(c.action);
        words.emplace_back("word");
        const auto d = dispatch(words);
        EXPECT_EQ(d.code, 0) << c.object << " " << c.action << ": " << d.err;
        EXPECT_EQ(d.handler, c.handler) << c.object << " " << c.action;
        EXPECT_EQ(d.args.words, std::vector<std::string>{"word"}) << "OBJECT ACTION are consumed";
    }
}

TEST(AdminTable, HelpAnswersOnStdout) {
    const auto help = dispatch({"--help"});
    EXPECT_EQ(help.code, 0);
    EXPECT_EQ(help.out, admin_usage());
    const auto nothing = dispatch({});
    EXPECT_EQ(nothing.code, 2) << "no command at all is a usage error";
    EXPECT_EQ(nothing.out, admin_usage());
}

struct UsageCase {
    std::vector<std::string> words;
    const char* message;
};

class AdminUsageErrors : public ::testing::TestWithParam<UsageCase> {};

TEST_P(AdminUsageErrors, AnswerTwoWithTheReasonAndTheHelpAndRunNothing) {
    const auto d = dispatch(GetParam().words);
    EXPECT_EQ(d.code, 2);
    EXPECT_EQ(d.runs, 0);
    EXPECT_EQ(d.out, "");
    EXPECT_EQ(d.err,
              "ddns-gateway admin: " + std::string(GetParam().message) + "\n" + admin_usage());
}

INSTANTIATE_TEST_SUITE_P(
    Table, AdminUsageErrors,
    ::testing::Values(UsageCase{{"zone"}, "expected OBJECT ACTION"},
                      UsageCase{{"--no-check"}, "expected OBJECT ACTION"},
                      UsageCase{{"zone", "frob"}, "unknown command: zone frob"},
                      UsageCase{{"zones", "list"}, "unknown command: zones list"},
                      UsageCase{{"Zone", "list"}, "unknown command: Zone list"},
                      UsageCase{{"zone", "add", "example.org", "--ttl"},
                                "option --ttl needs a value"}));

TEST_F(AdminHandlerTest, ZoneAddRefusesAHostNameAsServer) {
    EXPECT_EQ(
        run({"zone", "add", "example.org", "--server", "ns.example.org:53", "--key-file", "k"}), 1);
    EXPECT_EQ(err_.str(),
              "ddns-gateway admin: --server must be IP:PORT (an address, not a host name)\n");
    EXPECT_EQ(out_.str(), "");
    EXPECT_TRUE(dns_.sent.empty());
}

TEST_F(AdminHandlerTest, AccountAddRefusesAShortPasswordFromStdin) {
    EXPECT_EQ(run({"account", "add", "alice"}), 1);
    EXPECT_NE(err_.str().find("at least 8 characters"), std::string::npos) << err_.str();
    EXPECT_EQ(out_.str(), "");
}

TEST_F(AdminHandlerTest, AccountExpiryRefusesAnImpossibleDate) {
    EXPECT_EQ(run({"account", "expiry", "alice", "2026-13-01"}), 1);
    EXPECT_NE(err_.str().find("not 2026-13-01"), std::string::npos) << err_.str();
}

TEST_F(AdminHandlerTest, LogReadsTheInjectedClockForSince) {
    EXPECT_EQ(run({"log", "--since", "yesterday"}), 1);
    EXPECT_NE(err_.str().find("--since must be a duration"), std::string::npos) << err_.str();
    EXPECT_EQ(clock_reads_, 1) << "`--since` is relative to the context's clock";
}

TEST_F(AdminHandlerTest, UsageErrorsInsideAHandlerAnswerTwo) {
    EXPECT_EQ(run({"record", "add", "www.example.org", "A"}), 2);
    EXPECT_EQ(err_.str(), "ddns-gateway admin: missing DATA\n" + admin_usage());
    EXPECT_TRUE(dns_.sent.empty());
}

}  // namespace
}  // namespace ddns::gateway
