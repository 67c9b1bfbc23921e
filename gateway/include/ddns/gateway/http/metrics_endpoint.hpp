// GET /metrics: the registry in the Prometheus text format. Served by a listener of its own
// (metrics.listen); on the update listeners only when the operator asks
// (metrics.on_public_listeners), by wrapping their router.
#pragma once

#include "ddns/gateway/base/metrics.hpp"
#include "ddns/gateway/http/request_router.hpp"

namespace ddns::gateway {

class MetricsEndpoint final : public RequestRouter {
public:
    // Requests for other paths go to `other`, or get 404 without one.
    explicit MetricsEndpoint(const Metrics& metrics, RequestRouter* other = nullptr)
        : metrics_(metrics), other_(other) {}
    Response route(const RequestView& request) override;

private:
    const Metrics& metrics_;
    RequestRouter* other_;
};

}  // namespace ddns::gateway
