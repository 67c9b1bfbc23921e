// Maps request paths to dialects. Paths compare case-insensitively (the legacy clients were
// written against IIS, where paths are case-insensitive).
#pragma once

#include "ddns/gateway/dialects/dynamic_dialect.hpp"
#include "ddns/gateway/dialects/dynamip_dialect.hpp"
#include "ddns/gateway/dialects/dyndns2_dialect.hpp"
#include "ddns/gateway/dialects/myserver_dialect.hpp"
#include "ddns/gateway/http/readiness.hpp"
#include "ddns/gateway/http/request.hpp"
#include "ddns/gateway/http/request_router.hpp"

namespace ddns::gateway {

class Router final : public RequestRouter {
public:
    Router(Dyndns2Dialect& dyndns2, DynamicDialect& dynamic, DynamipDialect& dynamip,
           MyServerDialect& myserver, ReadinessCheck& readiness)
        : dyndns2_(dyndns2),
          dynamic_(dynamic),
          dynamip_(dynamip),
          myserver_(myserver),
          readiness_(readiness) {}
    Response route(const RequestView& request) override;

private:
    Dyndns2Dialect& dyndns2_;
    DynamicDialect& dynamic_;
    DynamipDialect& dynamip_;
    MyServerDialect& myserver_;
    ReadinessCheck& readiness_;
};

}  // namespace ddns::gateway
