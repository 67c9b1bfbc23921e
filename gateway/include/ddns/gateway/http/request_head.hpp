// The request head of an HTTP/1.x connection, judged and parsed by the connection loop before any
// worker sees the request: where it ends, whether it can ever be HTTP, and its parts.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/gateway/http/request.hpp"
#include "ddns/nsupdate/expected.hpp"

namespace ddns::gateway {

// What the bytes received so far say about a connection.
enum class HeadState { Incomplete, Complete, Foreign, TooLarge };
// Classifies the first bytes of a connection: a complete HTTP/1.x head (up to an empty line,
// within `max_head_bytes`), not yet, too large, or bytes that can never start one (a TLS
// record such as a ClientHello, the HTTP/2 preface, a request line without an HTTP version).
HeadState classify_head(const char* data, std::size_t size, std::size_t max_head_bytes);

// Bytes from the start of `bytes` to the end of the head's empty line (CRLF CRLF or LF LF),
// or npos while the head is incomplete.
std::size_t head_size(std::string_view bytes);

struct RequestHead {
    std::string method;   // a token, as sent
    std::string target;   // visible bytes, no space or control byte
    std::string version;  // "HTTP/" digit "." digit
    std::vector<Header> headers;
    std::size_t size = 0;  // bytes of the head, the empty line included
};

// Parses a complete head (RFC 9112: request line, then `name: value` lines; LF alone is taken
// for CRLF). Refused, with a short reason: a malformed request line, a header name that is no
// token or has whitespace before its colon, a folded line, a control byte (NUL included) in a
// value, more than `kMaxHeaders` fields.
inline constexpr std::size_t kMaxHeaders = 100;
Expected<RequestHead, std::string> parse_request_head(std::string_view bytes);

}  // namespace ddns::gateway
