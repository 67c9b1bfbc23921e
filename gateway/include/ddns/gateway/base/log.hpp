// Minimal thread-safe logger to stderr (one line per event, ISO time, level). Callers pass only
// values that are safe to log: never passwords, tokens, TSIG secrets or the database URL.
#pragma once

#include <string_view>

namespace ddns::gateway {

enum class LogLevel { Debug, Info, Warning, Error };

class Logger {
public:
    explicit Logger(LogLevel level = LogLevel::Info) : level_(level) {}
    bool enabled(LogLevel level) const noexcept { return level >= level_; }
    void log(LogLevel level, std::string_view message) const;
    void debug(std::string_view m) const { log(LogLevel::Debug, m); }
    void info(std::string_view m) const { log(LogLevel::Info, m); }
    void warning(std::string_view m) const { log(LogLevel::Warning, m); }
    void error(std::string_view m) const { log(LogLevel::Error, m); }

private:
    LogLevel level_;
};

}  // namespace ddns::gateway
