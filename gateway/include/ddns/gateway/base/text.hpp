// Private: the small text helpers the gateway's parsers share (config, request, dialects,
// client address).
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace ddns::gateway::text {

// Strips the characters in `chars` from both ends.
inline std::string_view trim(std::string_view s, std::string_view chars = " \t") {
    const auto first = s.find_first_not_of(chars);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

// ASCII case-insensitive equality.
inline bool iequals(std::string_view a, std::string_view b) {
    // ASCII folding, as std::tolower does in the "C" locale the gateway runs in, without a call
    // per byte (header names are compared several times per request).
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [&](char x, char y) { return lower(x) == lower(y); });
}

// Comma-separated items, each trimmed; empty items are kept (callers decide what they mean).
inline std::vector<std::string_view> split_list(std::string_view s,
                                                std::string_view chars = " \t") {
    std::vector<std::string_view> out;
    while (true) {
        const auto comma = s.find(',');
        out.push_back(trim(s.substr(0, comma), chars));
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
    }
    return out;
}

// Caller-chosen text for a log line: at most `limit` bytes, control characters replaced by '?'
// (a caller could forge log lines with them).
inline std::string printable(std::string_view text, std::size_t limit) {
    std::string out(text.substr(0, limit));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return out;
}

// Length of the valid UTF-8 sequence starting at text[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when it is not one.
inline std::size_t utf8_length(std::string_view text, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    const unsigned char c = b(0);
    if (c < 0x80) return 1;
    std::size_t n = 0;  // 0x80-0xC1 and 0xF5-0xFF never start a sequence
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    if (c >= 0xE0 && c <= 0xEF) n = 3;
    if (c >= 0xF0 && c <= 0xF4) n = 4;
    if (n == 0 || i + n > text.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((b(k) & 0xC0) != 0x80) return 0;
    if (n == 3 && ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0))) return 0;
    if (n == 4 && ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90))) return 0;
    return n;
}

// Whether all of `text` is valid UTF-8 (JSON text must be: RFC 8259 section 8.1).
inline bool valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_length(text, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

}  // namespace ddns::gateway::text
