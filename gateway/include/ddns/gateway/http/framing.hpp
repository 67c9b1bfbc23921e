// How long a request's body is, decided from its headers before anything is routed: a body the
// gateway does not read must not be parsed as the next request (request smuggling), so every
// request either has a length the server can consume completely, or is refused and the
// connection closed.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "ddns/gateway/http/request.hpp"

namespace ddns::gateway {

struct Framing {
    // Set when the request is refused: answer it and close the connection, reading nothing more.
    std::optional<Response> refusal;
    std::size_t body_length = 0;  // bytes of body that follow the headers
};

// `version` as on the request line ("HTTP/1.1"); `headers` in the order received. Only HTTP/1.0
// and 1.1 are served (400 otherwise: bad input never gets a 5xx). Transfer-Encoding is refused:
// 411 for chunked alone, 400 for anything else or with Content-Length. Content-Length must be
// one run of digits, the same in every copy (400), and at most `max_body` (413). Authorization
// may come at most once (400).
Framing check_framing(std::string_view version, const std::vector<Header>& headers,
                      std::size_t max_body);

}  // namespace ddns::gateway
