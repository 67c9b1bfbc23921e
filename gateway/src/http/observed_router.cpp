#include "ddns/gateway/http/observed_router.hpp"

#include <algorithm>

namespace ddns::gateway {
namespace {

constexpr std::size_t kMaxUserAgent = 200;
constexpr std::size_t kMaxPath = 200;

std::string cut(std::string_view text, std::size_t max) {
    return std::string(text.substr(0, std::min(text.size(), max)));
}

}  // namespace

std::string route_name(const RequestView&, const Response& response) {
    if (!response.route.empty()) return response.route;  // the route table's row name
    return response.status == 404 ? "unknown" : "other";
}

std::string answer_words(const Response& response) {
    if (!response.audit) return {};
    std::vector<std::string> words;
    for (const auto& host : response.audit->hosts)
        if (std::find(words.begin(), words.end(), host.outcome) == words.end())
            words.push_back(host.outcome);
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : ",") + w;
    return out;
}

std::vector<LogField> access_fields(const RequestView& request, const Response& response,
                                    std::string_view route, std::chrono::microseconds took) {
    // "12.345": milliseconds with three decimals, from whole microseconds (no printf per line).
    const auto micros = std::max<std::int64_t>(took.count(), 0);
    std::string ms = std::to_string(micros / 1000);
    const auto fraction = static_cast<int>(micros % 1000);
    ms += '.';
    ms += static_cast<char>('0' + fraction / 100);
    ms += static_cast<char>('0' + fraction / 10 % 10);
    ms += static_cast<char>('0' + fraction % 10);
    std::vector<LogField> fields{
        {"listener", std::string(request.listener_tls ? "https:" : "http:") +
                         std::to_string(request.local_port)},
        {"client", request.client.to_string()},
        {"peer", request.peer.to_string()},
        {"method", cut(request.method, 16)},
        {"path", cut(request.path, kMaxPath)},
        {"route", std::string(route)},
        {"answer", answer_words(response)},
        {"status", std::to_string(response.status), true},
        {"duration_ms", std::move(ms), true},
        {"user_agent", cut(request.header("User-Agent").value_or(""), kMaxUserAgent)},
    };
    // The account only once the request proved it owns it: a presented name is not an account.
    if (response.audit && response.audit->account_id)
        fields.push_back({"account", response.audit->username});
    return fields;
}

ObservedRouter::ObservedRouter(RequestRouter& inner, Metrics& metrics, const Logger& log,
                               ObservedRouterOptions options)
    : inner_(inner),
      log_(log),
      options_(options),
      requests_(metrics.counters("ddns_http_requests",
                                 "HTTP requests answered, by route (dialect) and status.",
                                 {"route", "status"})),
      answers_(metrics.counters("ddns_update_answers",
                                "Answer words of update requests, one per host line, by dialect "
                                "and word (good, nochg, badauth, dnserr, abuse, ...).",
                                {"dialect", "answer"}, 500)),
      duration_(metrics.histograms("ddns_http_request_duration_seconds",
                                   "Time to answer an HTTP request, by route.", {"route"},
                                   latency_buckets())),
      in_flight_(
          metrics.gauge("ddns_http_requests_in_flight",
                        "HTTP requests being answered now (request threads busy with one).")) {}

Response ObservedRouter::route(const RequestView& request) {
    const auto start = std::chrono::steady_clock::now();
    Response response;
    {
        GaugeScope busy(in_flight_);
        response = inner_.route(request);
    }
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    const std::string route = route_name(request, response);
    requests_.with({route, std::to_string(response.status)}).inc();
    duration_.with({route}).observe(static_cast<double>(took.count()) / 1e6);
    if (response.audit)
        for (const auto& host : response.audit->hosts)
            answers_.with({response.audit->dialect, host.outcome}).inc();
    if (options_.access_log && log_.enabled(LogLevel::Info))
        log_.event(LogLevel::Info, "access", access_fields(request, response, route, took));
    return response;
}

}  // namespace ddns::gateway
