// The one route table: which path and method reach which handler, and the uniform answers when
// none does. Every endpoint registers here (the dialects through add_dialect_routes, later the
// web pages, the JSON API and /metrics), so 404, 405 and HEAD behave the same everywhere.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/gateway/http/request.hpp"
#include "ddns/gateway/http/request_router.hpp"

namespace ddns::gateway {

using Handler = std::function<Response(const RequestView&)>;

struct Route {
    // Short name the update log, the access log and metrics see (Response::route).
    std::string name;
    // Paths as written in the docs; compared ASCII case-insensitively, one trailing slash
    // ignored (the legacy clients were written against IIS). A path ending in "/*" matches every
    // path below it ("/api/v1/*": the JSON API, whose paths carry names and ids).
    std::vector<std::string> paths;
    // Upper case. HEAD is served wherever GET is (the listener sends the GET answer's headers
    // without the body); it need not be listed.
    std::vector<std::string> methods;
    Handler handler;
    // Optional: answers a method not in `methods` in the endpoint's own words (the update
    // dialects, whose clients read only their dialect's words; protocols.md §0). Without it
    // the table answers 405 with `Allow`.
    Handler wrong_method;
    // Optional: the row applies only when this holds, so two endpoints can share a path and
    // be told apart by method, content type or headers. Rows are tried in order.
    std::function<bool(const RequestView&)> when;
};

// The method list dialects and most pages serve.
inline const std::vector<std::string> kGetPost{"GET", "POST"};
inline const std::vector<std::string> kGet{"GET"};

// Lower case without one trailing slash: the form paths are compared in.
std::string route_key(std::string_view path);

class RouteTable final : public RequestRouter {
public:
    // Throws std::invalid_argument for a row without name, path, method or handler.
    void add(Route route);

    // The rows named `name` may be answered on the connection loop's thread: their handlers
    // reach every wait through auth::blocking_point() before changing anything. The other rows
    // throw auth::WouldBlock there (before their handler runs) and are served by a worker.
    void answer_inline(std::string_view name);

    // The matching row's handler, its wrong_method, `405 Method Not Allowed` with `Allow`, or
    // `404 Not Found`. The response's `route` names the row ("" for 404).
    Response route(const RequestView& request) override;

    // For diagnostics and tests: the row names in registration order.
    std::vector<std::string> names() const;

private:
    struct Row {
        Route route;
        std::vector<std::string> keys;  // route_key of each path
        bool answers_inline = false;
    };
    std::vector<Row> rows_;
};

// True when `method` is in `methods`, HEAD counting as GET.
bool method_allowed(std::string_view method, const std::vector<std::string>& methods);

}  // namespace ddns::gateway
