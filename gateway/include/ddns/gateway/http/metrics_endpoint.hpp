// GET /metrics: the registry in the Prometheus text format. The router of the listener of its
// own (metrics.listen); on the update listeners only when the operator asks
// (metrics.on_public_listeners: a row of their route table calls it).
#pragma once

#include "ddns/gateway/base/metrics.hpp"
#include "ddns/gateway/http/request_router.hpp"

namespace ddns::gateway {

class MetricsEndpoint final : public RequestRouter {
public:
    // Other paths get 404.
    explicit MetricsEndpoint(const Metrics& metrics) : metrics_(metrics) {}
    Response route(const RequestView& request) override;

private:
    const Metrics& metrics_;
};

}  // namespace ddns::gateway
