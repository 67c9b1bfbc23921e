// Thread-safe logger: one line per event, to stderr or a file (log.file, reopened on SIGHUP so
// logrotate can move it), as text or as one JSON object per line (log.format). Callers pass only
// values that are safe to log: never passwords, tokens, TSIG secrets or the database URL.
// Control characters in any value are escaped, so a client's user agent cannot forge a line.
// With a RepeatFilter, a warning or error repeated within its interval is written once, with a
// count of the suppressed ones on the next line of that kind (repeat_filter.hpp).
#pragma once

#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "ddns/gateway/base/repeat_filter.hpp"

namespace ddns::gateway {

enum class LogLevel { Debug, Info, Warning, Error };
enum class LogFormat { Text, Json };

// One named value of a structured event. `number` values are written without quotes in JSON.
// The field only points at its text: what it names must outlive the event() call.
struct LogField {
    std::string_view key;
    std::string_view value;
    bool number = false;
};

struct LogOptions {
    LogLevel level = LogLevel::Info;
    LogFormat format = LogFormat::Text;
    std::string file;  // empty: stderr
};

class Logger {
public:
    explicit Logger(LogLevel level = LogLevel::Info,
                    std::shared_ptr<RepeatFilter> repeats = nullptr);
    // Opens options.file for appending; throws std::runtime_error naming it when it cannot.
    explicit Logger(const LogOptions& options, std::shared_ptr<RepeatFilter> repeats = nullptr);
    ~Logger();
    Logger(const Logger&) = delete;
    Logger& operator=(const Logger&) = delete;

    bool enabled(LogLevel level) const noexcept { return level >= level_; }
    void log(LogLevel level, std::string_view message) const;
    // A message with named fields: JSON members, or `key="value"` pairs after the text.
    void event(LogLevel level, std::string_view message, std::span<const LogField> fields) const;
    void event(LogLevel level, std::string_view message,
               std::initializer_list<LogField> fields) const {
        event(level, message, std::span<const LogField>(fields.begin(), fields.size()));
    }
    void debug(std::string_view m) const { log(LogLevel::Debug, m); }
    void info(std::string_view m) const { log(LogLevel::Info, m); }
    void warning(std::string_view m) const { log(LogLevel::Warning, m); }
    void error(std::string_view m) const { log(LogLevel::Error, m); }
    // Reopens log.file (after a rotation moved it); nothing to do on stderr. False, with the old
    // file kept, when it cannot be opened.
    bool reopen() const;

    // Null when repeated lines are not limited.
    const RepeatFilter* repeats() const noexcept { return repeats_.get(); }

private:
    friend class LogBatch;
    struct Sink;
    void write(LogLevel level, std::string_view message, std::span<const LogField> fields) const;
    void emit(std::string_view lines) const;  // to the file (or stderr), flushed

    LogLevel level_;
    LogFormat format_ = LogFormat::Text;
    std::shared_ptr<RepeatFilter> repeats_;
    std::unique_ptr<Sink> sink_;
};

// While one is alive on a thread, that thread's log lines are kept and written together when the
// outermost one ends: one system call for many lines. The connection loop opens one per turn, so
// the access lines of the answers it made in a turn cost one write, not one each (issue #13).
// Lines stay in order per thread; another thread's lines may be written between them. Lines for
// a second logger write the first one's at once, and more than 64 KiB are written without
// waiting. Every logger written to in a batch must outlive it.
class LogBatch {
public:
    LogBatch() noexcept;
    ~LogBatch();
    LogBatch(const LogBatch&) = delete;
    LogBatch& operator=(const LogBatch&) = delete;

    // Whether the thread keeps lines now; `logger`'s line is then appended to the thread's.
    static bool keep(const Logger& logger, std::string_view line);
    static void write_out();  // the thread's kept lines, now
};

// `text` as the inside of a JSON string: quotes, backslashes and control characters escaped;
// bytes that are not valid UTF-8 become U+FFFD, so every line parses.
std::string json_escape(std::string_view text);

}  // namespace ddns::gateway
