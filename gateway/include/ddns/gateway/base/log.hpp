// Minimal thread-safe logger to stderr (one line per event, ISO time, level). Callers pass only
// values that are safe to log: never passwords, tokens, TSIG secrets or the database URL.
// With a RepeatFilter, a warning or error repeated within its interval is written once, with a
// count of the suppressed ones on the next line of that kind (repeat_filter.hpp).
#pragma once

#include <memory>
#include <string_view>

#include "ddns/gateway/base/repeat_filter.hpp"

namespace ddns::gateway {

enum class LogLevel { Debug, Info, Warning, Error };

class Logger {
public:
    explicit Logger(LogLevel level = LogLevel::Info,
                    std::shared_ptr<RepeatFilter> repeats = nullptr)
        : level_(level), repeats_(std::move(repeats)) {}
    bool enabled(LogLevel level) const noexcept { return level >= level_; }
    void log(LogLevel level, std::string_view message) const;
    void debug(std::string_view m) const { log(LogLevel::Debug, m); }
    void info(std::string_view m) const { log(LogLevel::Info, m); }
    void warning(std::string_view m) const { log(LogLevel::Warning, m); }
    void error(std::string_view m) const { log(LogLevel::Error, m); }

    // Null when repeated lines are not limited.
    const RepeatFilter* repeats() const noexcept { return repeats_.get(); }

private:
    void write(LogLevel level, std::string_view message) const;

    LogLevel level_;
    std::shared_ptr<RepeatFilter> repeats_;
};

}  // namespace ddns::gateway
