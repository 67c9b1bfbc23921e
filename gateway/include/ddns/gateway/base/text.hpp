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
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
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

}  // namespace ddns::gateway::text
