// Private: locale-independent ASCII case handling for DNS names and mnemonics.
#pragma once

#include <algorithm>
#include <string_view>

namespace ddns::detail {

inline char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool ascii_iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

}  // namespace ddns::detail
