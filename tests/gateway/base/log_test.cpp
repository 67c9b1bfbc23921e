// The logger's two formats, its escaping of control characters and bad UTF-8, and reopening
// log.file after a rotation. That every JSON line parses and holds no secret is checked on the
// real binary in tests/integration/metrics_integration_test.cpp.
#include "ddns/gateway/base/log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "test_support.hpp"

namespace ddns::gateway {
namespace {

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct EscapeCase {
    std::string in;
    std::string out;
};

class JsonEscape : public ::testing::TestWithParam<EscapeCase> {};

TEST_P(JsonEscape, Escapes) {
    EXPECT_EQ(json_escape(GetParam().in), GetParam().out);
}

INSTANTIATE_TEST_SUITE_P(
    Table, JsonEscape,
    ::testing::Values(EscapeCase{"plain", "plain"}, EscapeCase{"a\"b", "a\\\"b"},
                      EscapeCase{"back\\slash", "back\\\\slash"},
                      EscapeCase{"line\nforged", "line\\nforged"}, EscapeCase{"\r\t", "\\r\\t"},
                      EscapeCase{std::string("nul\0x", 5), "nul\\u0000x"},
                      EscapeCase{"\x1b[31m", "\\u001b[31m"}, EscapeCase{"\x7f", "\\u007f"},
                      EscapeCase{"caf\xc3\xa9", "caf\xc3\xa9"},             // valid UTF-8 kept
                      EscapeCase{"bad\xff", "bad\\ufffd"},                  // not UTF-8
                      EscapeCase{"\xc3", "\\ufffd"},                        // cut sequence
                      EscapeCase{"\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd"},  // surrogate
                      // Lead bytes 0xF5-0xFF start no sequence (were taken as 3-byte leads).
                      EscapeCase{"\xfb\x8b\x93", "\\ufffd\\ufffd\\ufffd"},
                      EscapeCase{"\xf5\x80\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"}));

TEST(Logger, JsonLinesCarryTimeLevelMessageAndFields) {
    test::TempDir dir("ddns-log-test");
    const auto path = dir.path() / "gateway.log";
    Logger log(LogOptions{LogLevel::Info, LogFormat::Json, path.string()});
    log.event(LogLevel::Info, "access", {{"path", "/nic/update"}, {"status", "200", true}});
    log.debug("not written below the level");
    const std::string text = slurp(path);
    EXPECT_EQ(text.find("not written"), std::string::npos) << text;
    EXPECT_NE(text.find("\"level\":\"info\",\"msg\":\"access\",\"path\":\"/nic/update\","
                        "\"status\":200}\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.rfind("{\"time\":\"", 0), 0u) << text;
}

TEST(Logger, TextLinesEscapeControlCharacters) {
    test::TempDir dir("ddns-log-test");
    const auto path = dir.path() / "gateway.log";
    Logger log(LogOptions{LogLevel::Info, LogFormat::Text, path.string()});
    log.event(LogLevel::Warning, "evil\nline", {{"user_agent", "x\r\n2026 error forged"}});
    const std::string text = slurp(path);
    EXPECT_NE(text.find(" warning evil\\x0aline user_agent=\"x\\x0d\\x0a2026 error forged\"\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
}

// The time of a line (its second formatted once per second and thread) is the time it was
// written, to the millisecond, in UTC.
TEST(Logger, TextLinesStartWithTheirUtcTimeToTheMillisecond) {
    test::TempDir dir("ddns-log-test");
    const auto path = dir.path() / "gateway.log";
    Logger log(LogOptions{LogLevel::Info, LogFormat::Text, path.string()});
    const auto before = std::chrono::system_clock::now();
    for (int i = 0; i < 3; ++i) log.info("line " + std::to_string(i));
    const auto after = std::chrono::system_clock::now();
    std::istringstream lines(slurp(path));
    std::string line;
    int seen = 0;
    while (std::getline(lines, line)) {
        ++seen;
        ASSERT_TRUE(std::regex_search(
            line, std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info line \d$)")))
            << line;
        std::tm tm{};
        ASSERT_NE(::strptime(line.c_str(), "%Y-%m-%dT%H:%M:%S", &tm), nullptr) << line;
        const auto at = std::chrono::system_clock::from_time_t(::timegm(&tm)) +
                        std::chrono::milliseconds(std::stoi(line.substr(20, 3)));
        EXPECT_GE(at, std::chrono::floor<std::chrono::milliseconds>(before)) << line;
        EXPECT_LE(at, after) << line;
    }
    EXPECT_EQ(seen, 3);
}

TEST(Logger, ReopenWritesToTheNewFileAfterARotation) {
    test::TempDir dir("ddns-log-test");
    const auto path = dir.path() / "gateway.log";
    Logger log(LogOptions{LogLevel::Info, LogFormat::Text, path.string()});
    log.info("before");
    std::filesystem::rename(path, dir.path() / "gateway.log.1");
    log.info("still old");
    ASSERT_TRUE(log.reopen());
    log.info("after");
    EXPECT_NE(slurp(dir.path() / "gateway.log.1").find("still old"), std::string::npos);
    const std::string now = slurp(path);
    EXPECT_NE(now.find("after"), std::string::npos) << now;
    EXPECT_EQ(now.find("before"), std::string::npos) << now;
}

// A LogBatch keeps the thread's lines and writes them together when it ends (the connection
// loop opens one per turn: one write for the access lines of many answers).
TEST(LogBatch, LinesOfABatchAreWrittenTogetherWhenItEnds) {
    test::TempDir dir("ddns-log-test");
    const auto path = dir.path() / "gateway.log";
    Logger log(LogOptions{LogLevel::Info, LogFormat::Text, path.string()});
    log.info("before the batch");
    {
        const LogBatch batch;
        log.info("first");
        log.event(LogLevel::Info, "second", {{"k", "v", false}});
        {
            const LogBatch inner;  // nested: the outer one writes
            log.warning("third");
        }
        EXPECT_EQ(slurp(path).find("first"), std::string::npos) << "written before the end";
        EXPECT_EQ(slurp(path).find("third"), std::string::npos) << "the inner batch wrote";
    }
    const std::string text = slurp(path);
    const auto first = text.find("first");
    ASSERT_NE(first, std::string::npos) << text;
    EXPECT_LT(text.find("before the batch"), first);
    EXPECT_LT(first, text.find("second"));
    EXPECT_LT(text.find("second"), text.find("third"));
    log.info("after");  // no batch: at once
    EXPECT_NE(slurp(path).find("after"), std::string::npos);
}

// Lines for another logger's file end the first one's run: each file gets its own lines, in
// order. A batch that grew past its bound is written without waiting for the end.
TEST(LogBatch, EachLoggerGetsItsOwnLinesAndALargeBatchIsWrittenEarly) {
    test::TempDir dir("ddns-log-test");
    Logger a(LogOptions{LogLevel::Info, LogFormat::Text, (dir.path() / "a.log").string()});
    Logger b(LogOptions{LogLevel::Info, LogFormat::Text, (dir.path() / "b.log").string()});
    {
        const LogBatch batch;
        a.info("a1");
        b.info("b1");
        a.info("a2");
        EXPECT_NE(slurp(dir.path() / "a.log").find("a1"), std::string::npos);
        EXPECT_NE(slurp(dir.path() / "b.log").find("b1"), std::string::npos);
        const std::string long_line(1024, 'x');
        for (int i = 0; i < 100; ++i) a.info(long_line);
        EXPECT_GT(std::filesystem::file_size(dir.path() / "a.log"), 50u * 1024);
    }
    const std::string text_a = slurp(dir.path() / "a.log");
    EXPECT_LT(text_a.find("a1"), text_a.find("a2"));
    EXPECT_EQ(text_a.find("b1"), std::string::npos);
    EXPECT_EQ(std::count(text_a.begin(), text_a.end(), '\n'), 102);
}

TEST(Logger, AnUnwritableFileIsAnErrorNamingIt) {
    try {
        Logger log(LogOptions{LogLevel::Info, LogFormat::Text, "/nonexistent-dir/gateway.log"});
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/gateway.log"), std::string::npos);
    }
}

}  // namespace
}  // namespace ddns::gateway
