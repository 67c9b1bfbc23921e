#include "exchange.hpp"

#include <ctime>
#include <exception>

#include "ddns/gateway/http/client_address.hpp"

namespace ddns::gateway {
namespace {

bool is_form(const RequestView& view) {
    const auto type = view.header("Content-Type");
    return type && type->rfind("application/x-www-form-urlencoded", 0) == 0;
}

RequestView to_view(const Exchange& exchange, const HttpServerOptions& options) {
    RequestView view;
    view.method = exchange.head.method;
    auto target = parse_request_target(exchange.head.target);
    view.path = std::move(target.path);
    view.headers = exchange.head.headers;
    std::string parameters = std::move(target.query);
    // Some clients POST form parameters; accept them like query parameters.
    if (view.method == "POST" && is_form(view) && !exchange.body.empty())
        parameters += (parameters.empty() ? "" : "&") + exchange.body;
    view.query = QueryParams::parse(parameters);
    view.peer = exchange.peer;
    view.client =
        resolve_client_address(view.peer, view.header("Forwarded"), view.header("X-Forwarded-For"),
                               options.trusted_proxies, options.proxy_header);
    view.listener_tls = exchange.tls;
    view.tls = resolve_client_tls(exchange.tls, view.peer, view.header("Forwarded"),
                                  view.header("X-Forwarded-Proto"), options.trusted_proxies,
                                  options.proxy_header);
    view.local_port = exchange.local_port;
    view.body = exchange.body;
    return view;
}

// Formatted once per second and thread: strftime cost more than the rest of a response head.
const std::string& http_date() {
    thread_local std::time_t cached_second = -1;
    thread_local std::string cached;
    const std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        std::tm utc{};
        ::gmtime_r(&now, &utc);
        char text[64];
        const auto n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
        cached.assign(text, n);
        cached_second = now;
    }
    return cached;
}

}  // namespace

Answer serve_exchange(const Exchange& exchange, RequestRouter& router, const Logger& log,
                      const HttpServerOptions& options) {
    const bool head_only = exchange.head.method == "HEAD";
    Response response;
    try {
        const RequestView view = to_view(exchange, options);
        if (!forwarding_usable(view.peer, view.header("Forwarded"), view.header("X-Forwarded-For"),
                               options.trusted_proxies, options.proxy_header))
            response = Response::text(400, "Bad Request", "unusable forwarding header\n");
        else
            response = router.route(view);
    } catch (const std::exception& e) {
        log.error(std::string("unhandled error: ") + e.what());
        response = Response::text(500, "Internal Server Error", "server error\n");
    }
    return {format_response(response, exchange.head.version, exchange.keep_alive, head_only),
            !exchange.keep_alive};
}

std::string format_response(const Response& response, std::string_view version, bool keep_alive,
                            bool head_only) {
    std::string out;
    out.reserve(256 + response.body.size());
    out.append(version == "HTTP/1.0" ? "HTTP/1.0" : "HTTP/1.1");
    out += ' ';
    out += std::to_string(response.status);
    out += ' ';
    out += response.reason;
    out += "\r\nServer: ddns-gateway\r\nDate: ";
    out += http_date();
    out += keep_alive ? "\r\nConnection: Keep-Alive\r\n" : "\r\nConnection: Close\r\n";
    out += "Content-Type: ";
    out += response.content_type;
    out += "\r\nContent-Length: ";
    out += std::to_string(response.body.size());
    out += "\r\n";
    for (const auto& h : response.headers) {
        out += h.name;
        out += ": ";
        out += h.value;
        out += "\r\n";
    }
    out += "\r\n";
    if (!head_only) out += response.body;
    return out;
}

}  // namespace ddns::gateway
