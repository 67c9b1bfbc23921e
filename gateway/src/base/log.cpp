#include "ddns/gateway/base/log.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <string>

#include "ddns/gateway/base/text.hpp"

namespace ddns::gateway {

struct Logger::Sink {
    std::string path;  // empty: stderr
    std::FILE* file = nullptr;
    std::mutex mutex;
    ~Sink() {
        if (file) std::fclose(file);
    }
};

namespace {

bool is_control(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
}

// Text lines keep printable bytes; control characters become \xNN. Appends to `out`.
void append_text_escaped(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::size_t run = 0;  // start of the printable bytes not yet appended
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (static_cast<unsigned char>(text[i] - 0x20) < 0x5F) continue;  // 0x20..0x7E
        if (!is_control(text[i])) continue;
        out.append(text.data() + run, i - run);
        const auto u = static_cast<unsigned char>(text[i]);
        const char escaped[4] = {'\\', 'x', kHex[u >> 4], kHex[u & 0xF]};
        out.append(escaped, sizeof escaped);
        run = i + 1;
    }
    out.append(text.data() + run, text.size() - run);
}

// Appends "2026-12-07T06:40:01.123Z". The part up to the seconds is formatted once per second
// and thread (strftime costs more than the rest of a line).
void append_timestamp(std::string& out) {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = static_cast<int>(
        (std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000)
            .count());
    thread_local std::time_t cached_second = -1;
    thread_local char cached[32];
    thread_local std::size_t cached_size = 0;
    if (t != cached_second) {
        std::tm tm{};
        ::gmtime_r(&t, &tm);
        cached_size = std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
        cached_second = t;
    }
    out.append(cached, cached_size);
    const char tail[5] = {'.', static_cast<char>('0' + ms / 100),
                          static_cast<char>('0' + ms / 10 % 10), static_cast<char>('0' + ms % 10),
                          'Z'};
    out.append(tail, sizeof tail);
}

std::string timestamp() {
    std::string stamp;
    append_timestamp(stamp);
    return stamp;
}

const char* level_name(LogLevel level) {
    return level == LogLevel::Debug     ? "debug"
           : level == LogLevel::Info    ? "info"
           : level == LogLevel::Warning ? "warning"
                                        : "error";
}

}  // namespace

std::string json_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto u = static_cast<unsigned char>(text[i]);
        if (u >= 0x80) {
            const std::size_t n = text::utf8_length(text, i);
            if (n == 0) {
                out += "\\ufffd";
                ++i;
            } else {
                out.append(text.substr(i, n));
                i += n;
            }
            continue;
        }
        if (u == '"')
            out += "\\\"";
        else if (u == '\\')
            out += "\\\\";
        else if (u == '\n')
            out += "\\n";
        else if (u == '\r')
            out += "\\r";
        else if (u == '\t')
            out += "\\t";
        else if (u < 0x20 || u == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            out += buf;
        } else {
            out.push_back(static_cast<char>(u));
        }
        ++i;
    }
    return out;
}

Logger::Logger(LogLevel level, std::shared_ptr<RepeatFilter> repeats)
    : level_(level), repeats_(std::move(repeats)), sink_(std::make_unique<Sink>()) {}

Logger::Logger(const LogOptions& options, std::shared_ptr<RepeatFilter> repeats)
    : level_(options.level),
      format_(options.format),
      repeats_(std::move(repeats)),
      sink_(std::make_unique<Sink>()) {
    sink_->path = options.file;
    if (!sink_->path.empty() && !reopen())
        throw std::runtime_error("cannot open log.file " + sink_->path);
}

Logger::~Logger() = default;

bool Logger::reopen() const {
    if (sink_->path.empty()) return true;
    std::FILE* f = std::fopen(sink_->path.c_str(), "ae");
    if (!f) return false;
    std::lock_guard lock(sink_->mutex);
    if (sink_->file) std::fclose(sink_->file);
    sink_->file = f;
    return true;
}

void Logger::log(LogLevel level, std::string_view message) const {
    if (!enabled(level)) return;
    if (!repeats_) return write(level, message, {});
    for (const auto& summary : repeats_->expired_summaries()) write(LogLevel::Warning, summary, {});
    if (level < LogLevel::Warning) return write(level, message, {});
    const auto verdict = repeats_->admit(message);
    if (!verdict.write) return;
    if (verdict.suppressed == 0) return write(level, message, {});
    write(level, std::string(message) + " (" + suppressed_note(verdict.suppressed) + ")", {});
}

// Events (the access line) are never rate limited: each stands for one request.
void Logger::event(LogLevel level, std::string_view message,
                   std::span<const LogField> fields) const {
    if (enabled(level)) write(level, message, fields);
}

void Logger::write(LogLevel level, std::string_view message,
                   std::span<const LogField> fields) const {
    // One buffer per thread, reused: a line costs no allocation once the buffer has grown.
    thread_local std::string line;
    line.clear();
    if (line.capacity() > 64 * 1024) line.shrink_to_fit();  // after a very long line
    if (format_ == LogFormat::Json) {
        line += "{\"time\":\"" + timestamp() + "\",\"level\":\"" + level_name(level) +
                "\",\"msg\":\"" + json_escape(message) + "\"";
        for (const auto& f : fields) {
            line += ",\"" + json_escape(f.key) + "\":";
            if (f.number)
                line += f.value;
            else
                line += "\"" + json_escape(f.value) + "\"";
        }
        line += "}\n";
    } else {
        append_timestamp(line);
        line += ' ';
        line += level_name(level);
        line += ' ';
        append_text_escaped(line, message);
        for (const auto& f : fields) {
            line += ' ';
            append_text_escaped(line, f.key);
            line += '=';
            if (f.number) {
                line += f.value;
            } else {
                line += '"';
                append_text_escaped(line, f.value);
                line += '"';
            }
        }
        line += '\n';
    }
    if (!LogBatch::keep(*this, line)) emit(line);
}

void Logger::emit(std::string_view lines) const {
    std::lock_guard lock(sink_->mutex);
    std::FILE* out = sink_->file ? sink_->file : stderr;
    std::fwrite(lines.data(), 1, lines.size(), out);
    std::fflush(out);
}

namespace {

// The thread's open batches and the lines they keep, all for `owner`.
struct KeptLines {
    int depth = 0;
    const Logger* owner = nullptr;
    std::string text;
};
thread_local KeptLines kept;
constexpr std::size_t kMaxKept = 64 * 1024;

}  // namespace

LogBatch::LogBatch() noexcept {
    ++kept.depth;
}

LogBatch::~LogBatch() {
    if (--kept.depth == 0) write_out();
}

bool LogBatch::keep(const Logger& logger, std::string_view line) {
    if (kept.depth == 0) return false;
    if (kept.owner != &logger) write_out();
    kept.owner = &logger;
    kept.text += line;
    if (kept.text.size() >= kMaxKept) write_out();
    return true;
}

void LogBatch::write_out() {
    if (kept.owner && !kept.text.empty()) kept.owner->emit(kept.text);
    kept.owner = nullptr;
    kept.text.clear();
    if (kept.text.capacity() > 2 * kMaxKept) kept.text.shrink_to_fit();
}

}  // namespace ddns::gateway
