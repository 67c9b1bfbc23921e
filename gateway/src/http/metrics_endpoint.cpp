#include "ddns/gateway/http/metrics_endpoint.hpp"

#include <string>

namespace ddns::gateway {

Response MetricsEndpoint::route(const RequestView& request) {
    if (request.path != "/metrics") return Response::text(404, "Not Found", "not found\n");
    if (request.method != "GET" && request.method != "HEAD") {
        auto r = Response::text(405, "Method Not Allowed", "GET only\n");
        r.headers.push_back({"Allow", "GET, HEAD"});
        return r;
    }
    Response r = Response::text(200, "OK", metrics_.render());
    r.route = "metrics";
    r.content_type = std::string(kMetricsContentType);
    return r;
}

}  // namespace ddns::gateway
