#include "ddns/gateway/http/request_head.hpp"

#include <algorithm>

namespace ddns::gateway {
namespace {

bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

// Visible ASCII and obs-text (bytes of 0x80 and above): no space, no control byte.
bool is_target(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b > 0x20 && b != 0x7f;
    });
}

// Field content: HTAB, SP, visible ASCII and obs-text.
bool is_field_value(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b == '\t' || (b >= 0x20 && b != 0x7f);
    });
}

bool is_version(std::string_view s) {
    return s.size() == 8 && s.substr(0, 5) == "HTTP/" && s[5] >= '0' && s[5] <= '9' &&
           s[6] == '.' && s[7] >= '0' && s[7] <= '9';
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The next line of `rest` without its CRLF or LF; a CR anywhere else is refused by the callers.
std::string_view next_line(std::string_view& rest) {
    const auto lf = rest.find('\n');
    std::string_view line = rest.substr(0, lf);
    rest.remove_prefix(lf == std::string_view::npos ? rest.size() : lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

Unexpected<std::string> bad(std::string why) {
    return Unexpected<std::string>{std::move(why)};
}

}  // namespace

HeadState classify_head(const char* data, std::size_t size, std::size_t max_head_bytes) {
    const std::string_view bytes(data, size);
    // A TLS record (ClientHello on a plain port) starts 0x16 0x03; HTTP/2 opens with its preface.
    if (!bytes.empty() && bytes[0] == '\x16') return HeadState::Foreign;
    if (bytes.rfind("PRI * HTTP/2", 0) == 0) return HeadState::Foreign;
    const auto line_end = bytes.find('\n');
    // A request line without an HTTP version is HTTP/0.9 (or noise): nothing follows it.
    if (line_end != std::string_view::npos &&
        bytes.substr(0, line_end).find(" HTTP/") == std::string_view::npos)
        return HeadState::Foreign;
    const auto end = head_size(bytes);
    if (end != std::string_view::npos && end <= max_head_bytes) return HeadState::Complete;
    if (size >= max_head_bytes) return HeadState::TooLarge;
    return HeadState::Incomplete;
}

std::size_t head_size(std::string_view bytes) {
    const auto crlf = bytes.find("\r\n\r\n");
    const auto lf = bytes.find("\n\n");
    return std::min(crlf == std::string_view::npos ? crlf : crlf + 4,
                    lf == std::string_view::npos ? lf : lf + 2);
}

Expected<RequestHead, std::string> parse_request_head(std::string_view bytes) {
    const auto size = head_size(bytes);
    if (size == std::string_view::npos) return bad("incomplete request head");
    RequestHead head;
    head.size = size;
    std::string_view rest = bytes.substr(0, size);
    const std::string_view line = next_line(rest);
    const auto sp1 = line.find(' ');
    const auto sp2 = line.rfind(' ');
    if (sp1 == std::string_view::npos || sp1 == sp2) return bad("malformed request line");
    const auto method = line.substr(0, sp1);
    const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    if (!is_token(method)) return bad("malformed method");
    if (!is_target(target)) return bad("malformed request target");
    if (!is_version(version)) return bad("malformed HTTP version");
    head.method = method;
    head.target = target;
    head.version = version;
    for (std::string_view field = next_line(rest); !field.empty(); field = next_line(rest)) {
        if (field.front() == ' ' || field.front() == '\t') return bad("folded header line");
        const auto colon = field.find(':');
        if (colon == std::string_view::npos || !is_token(field.substr(0, colon)))
            return bad("malformed header name");
        const auto value = trim_ows(field.substr(colon + 1));
        if (!is_field_value(value)) return bad("control byte in a header value");
        if (head.headers.size() == kMaxHeaders) return bad("too many header fields");
        head.headers.push_back({std::string(field.substr(0, colon)), std::string(value)});
    }
    return head;
}

}  // namespace ddns::gateway
