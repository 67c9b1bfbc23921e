// An http:// or https:// URL as the gateway accepts it for a webhook: a host (name, IPv4 or
// [IPv6]), an optional port and a path with query. No user info (credentials belong in the
// signature, not the URL), no fragment, no spaces or control bytes, at most 2000 characters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ddns/nsupdate/expected.hpp"

namespace ddns::gateway {

struct HttpUrl {
    bool https = false;
    std::string host;  // lower-case; an IPv6 address without its brackets
    std::uint16_t port = 0;
    std::string target;  // path and query, at least "/"
    bool host_is_address = false;
};

// The URL, or why it is refused (one sentence).
Expected<HttpUrl, std::string> parse_http_url(std::string_view url);

}  // namespace ddns::gateway
