// What a dialect sees of an HTTP request, and what it answers. POCO stops at the listener; from
// here on requests are plain values, so dialects are testable without sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddns/auth/audit.hpp"
#include "ddns/nsupdate/ip_address.hpp"
#include "ddns/nsupdate/secret.hpp"

namespace ddns::gateway {

// Query parameters in arrival order, names kept as sent, values percent-decoded.
class QueryParams {
public:
    // Parses "a=1&b=%20x". '+' is kept literally (routers send unescaped passwords and
    // addresses; form-style '+'-as-space would corrupt them). Malformed %-escapes stay literal.
    static QueryParams parse(std::string_view query);

    std::optional<std::string> get(std::string_view name) const;         // exact name
    std::optional<std::string> get_nocase(std::string_view name) const;  // ASCII case-insensitive
    bool has(std::string_view name) const { return get(name).has_value(); }
    const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

private:
    std::vector<std::pair<std::string, std::string>> items_;
};

std::string percent_decode(std::string_view text);

// The path of a request target: the absolute form (http://host:port/path?q) is reduced to its
// path, repeated leading slashes collapse to one ("//nic/update" -> "/nic/update").
struct RequestTarget {
    std::string path;
    std::string query;  // raw, without '?'
};
RequestTarget parse_request_target(std::string_view target);

struct Header {
    std::string name;
    std::string value;
};

struct RequestView {
    std::string method;  // upper case as sent
    std::string path;
    QueryParams query;
    std::vector<Header> headers;
    IpAddress peer;    // TCP peer
    IpAddress client;  // after the trusted-proxy rules
    // The client spoke HTTPS: to this listener, or to a trusted proxy that says so
    // (resolve_client_tls). The update log, cookies and links follow it.
    bool tls = false;
    bool listener_tls = false;  // this connection is TLS (which listener it came through)
    // The local port the connection came in on (which listener; 0 when unknown).
    std::uint16_t local_port = 0;
    // The request body as received (at most http.max_body_bytes); form bodies are also merged
    // into `query` above for the dialects.
    std::string body;

    // First header with this name (case-insensitive).
    std::optional<std::string> header(std::string_view name) const;
};

struct BasicCredentials {
    std::string username;
    Secret password;
};
// Parses an "Authorization: Basic ..." value; splits on the FIRST colon. nullopt when the header
// is not Basic or not valid base64.
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header_value);

struct Response {
    int status = 200;
    std::string reason = "OK";
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<Header> headers;  // extra headers (never carry IP literals: some clients scan them)
    // What an update dialect did, for the update log and the host fault counters (never sent).
    std::optional<auth::AuditNote> audit;
    // Which route table row answered ("dyndns2", "checkip", ...; empty for 404), for the update
    // log, the access log and metrics (never sent).
    std::string route;

    static Response text(int status, std::string reason, std::string body);
};

}  // namespace ddns::gateway
