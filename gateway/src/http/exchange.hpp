// Private: one request as the connection loop hands it to a worker, and the bytes of its answer.
// Workers never touch a socket: they turn an Exchange into response bytes and give them back.
#pragma once

#include <cstdint>

#include <string>
#include <string_view>

#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/http/http_options.hpp"
#include "ddns/gateway/http/request_head.hpp"
#include "ddns/gateway/http/request_router.hpp"

namespace ddns::gateway {

struct Exchange {
    RequestHead head;
    std::string body;  // exactly Content-Length bytes
    IpAddress peer;
    bool tls = false;
    bool keep_alive = false;       // the connection may serve another request after this one
    std::uint16_t local_port = 0;  // the listener's port (web.listeners)
};

struct Answer {
    std::string bytes;
    bool close = false;  // end the connection once the bytes are written
};

// Routes the exchange (forwarding headers checked first; an exception answers 500 and is logged)
// and formats the answer.
Answer serve_exchange(const Exchange& exchange, RequestRouter& router, const Logger& log,
                      const HttpServerOptions& options);

// Status line, Server, Date, Connection, Content-Type, Content-Length, the response's headers,
// then the body (none for HEAD). `version` is the request's (HTTP/1.0 or HTTP/1.1).
std::string format_response(const Response& response, std::string_view version, bool keep_alive,
                            bool head_only);

}  // namespace ddns::gateway
