// The first bytes of a plain HTTP connection, judged before any worker reads them.
#pragma once

#include <cstddef>

namespace ddns::gateway {

// What the bytes peeked so far say about a connection.
enum class HeadState { Incomplete, Complete, Foreign, TooLarge };
// Classifies the first bytes of a connection: a complete HTTP/1.x head (up to an empty line,
// within `max_head_bytes`), not yet, too large, or bytes that can never start one (a TLS
// record such as a ClientHello, the HTTP/2 preface, a request line without an HTTP version).
HeadState classify_head(const char* data, std::size_t size, std::size_t max_head_bytes);

}  // namespace ddns::gateway
