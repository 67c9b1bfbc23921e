#include "ddns/gateway/http/readiness.hpp"

#include <string>

#include "ddns/sql/database.hpp"

namespace ddns::gateway {

bool DatabaseReadiness::ready() {
    const auto failure = db_.ping(timeout_);
    if (failure) log_.warning("readyz: not ready: " + *failure);
    return !failure;
}

Response render_readiness(ReadinessCheck& check) {
    if (check.ready()) return Response::text(200, "OK", "ready\n");
    return Response::text(503, "Service Unavailable", "database unavailable\n");
}

void add_health_routes(RouteTable& table, ReadinessCheck& check) {
    table.add(Route{"health",
                    {"/healthz"},
                    kGet,
                    [](const RequestView&) { return Response::text(200, "OK", "ok\n"); },
                    {},
                    {}});
    table.add(Route{"ready",
                    {"/readyz"},
                    kGet,
                    [&check](const RequestView&) { return render_readiness(check); },
                    {},
                    {}});
}

}  // namespace ddns::gateway
