// Wraps the route table: counts every request in the metrics (by route, status and answer word)
// and writes one access-log line for it. It sits inside the update-log decorator, so it sees the
// dialect's audit note (dialect, answer words, account) before that is handed on.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/base/metrics.hpp"
#include "ddns/gateway/http/request_router.hpp"

namespace ddns::gateway {

struct ObservedRouterOptions {
    bool access_log = true;  // log.access
};

class ObservedRouter final : public RequestRouter {
public:
    ObservedRouter(RequestRouter& inner, Metrics& metrics, const Logger& log,
                   ObservedRouterOptions options);
    Response route(const RequestView& request) override;

private:
    RequestRouter& inner_;
    const Logger& log_;
    ObservedRouterOptions options_;
    Family<Counter>& requests_;
    Family<Counter>& answers_;
    Family<Histogram>& duration_;
    Gauge& in_flight_;
};

// The route a request took, from a bounded set: the route table's row name (Response::route:
// "dyndns2", "checkip", "healthz", ...), else "unknown" for a 404.
std::string route_name(const RequestView& request, const Response& response);

// The answer words of a response's audit note, distinct, joined by ','; empty without a note.
std::string answer_words(const Response& response);

// The fields of the access-log line. Only what is listed in docs/configuration.md (log.access):
// never the query, a header other than User-Agent, or a body.
std::vector<LogField> access_fields(const RequestView& request, const Response& response,
                                    std::string_view route, std::chrono::microseconds took);

}  // namespace ddns::gateway
