#include "ddns/gateway/base/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace ddns::gateway {

void Logger::log(LogLevel level, std::string_view message) const {
    if (!enabled(level)) return;
    if (!repeats_) return write(level, message);
    for (const auto& summary : repeats_->expired_summaries()) write(LogLevel::Warning, summary);
    if (level < LogLevel::Warning) return write(level, message);
    const auto verdict = repeats_->admit(message);
    if (!verdict.write) return;
    if (verdict.suppressed == 0) return write(level, message);
    write(level, std::string(message) + " (" + suppressed_note(verdict.suppressed) + ")");
}

void Logger::write(LogLevel level, std::string_view message) const {
    static std::mutex mutex;
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    const char* name = level == LogLevel::Debug     ? "debug"
                       : level == LogLevel::Info    ? "info"
                       : level == LogLevel::Warning ? "warning"
                                                    : "error";
    // Control characters from clients (user agents, names) must not forge log lines.
    std::string clean;
    clean.reserve(message.size());
    for (char c : message) clean.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
    std::lock_guard lock(mutex);
    std::fprintf(stderr, "%s.%03dZ %s %s\n", stamp, static_cast<int>(ms.count()), name,
                 clean.c_str());
    std::fflush(stderr);
}

}  // namespace ddns::gateway
