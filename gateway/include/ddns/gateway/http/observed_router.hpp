// Wraps the route table: counts every request in the metrics (by route, status and answer word)
// and writes one access-log line for it. It sits inside the update-log decorator, so it sees the
// dialect's audit note (dialect, answer words, account) before that is handed on.
#pragma once

#include <array>
#include <chrono>
#include <span>
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
// never the query, a header other than User-Agent, or a body. Built in place: the fields point
// into the request, the response and this object (so it is neither copied nor moved), with no
// string per field.
class AccessFields {
public:
    AccessFields(const RequestView& request, const Response& response, std::string_view route,
                 std::chrono::microseconds took);
    AccessFields(const AccessFields&) = delete;
    AccessFields& operator=(const AccessFields&) = delete;
    std::span<const LogField> fields() const { return {fields_.data(), count_}; }

private:
    char listener_[16];  // "https:65535"
    char status_[12];
    char duration_[32];  // "12.345": milliseconds with three decimals
    std::string client_;
    std::string peer_;
    std::string answer_;
    std::string user_agent_;
    std::array<LogField, 11> fields_;
    std::size_t count_ = 0;
};

}  // namespace ddns::gateway
