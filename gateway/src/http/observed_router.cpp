#include "ddns/gateway/http/observed_router.hpp"

#include <algorithm>

namespace ddns::gateway {
namespace {

constexpr std::size_t kMaxUserAgent = 200;
constexpr std::size_t kMaxPath = 200;

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

namespace {

// Writes `value` in decimal at `out`; returns the end.
char* put_decimal(char* out, std::uint64_t value) {
    char digits[20];
    std::size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0) *out++ = digits[--n];
    return out;
}

std::string_view view(const char* begin, const char* end) {
    return {begin, static_cast<std::size_t>(end - begin)};
}

std::string_view cut_view(std::string_view text, std::size_t max) {
    return text.substr(0, std::min(text.size(), max));
}

}  // namespace

AccessFields::AccessFields(const RequestView& request, const Response& response,
                           std::string_view route, std::chrono::microseconds took)
    : client_(request.client.to_string()),
      peer_(request.peer.to_string()),
      answer_(answer_words(response)),
      user_agent_(request.header("User-Agent").value_or("")) {
    const std::string_view scheme = request.listener_tls ? "https:" : "http:";
    char* end = std::copy(scheme.begin(), scheme.end(), listener_);
    const std::string_view listener = view(listener_, put_decimal(end, request.local_port));
    const std::string_view status = view(
        status_, put_decimal(status_, static_cast<std::uint64_t>(std::max(0, response.status))));
    // Milliseconds with three decimals, from whole microseconds (no printf per line).
    const auto micros = static_cast<std::uint64_t>(std::max<std::int64_t>(took.count(), 0));
    end = put_decimal(duration_, micros / 1000);
    const auto fraction = static_cast<unsigned>(micros % 1000);
    *end++ = '.';
    *end++ = static_cast<char>('0' + fraction / 100);
    *end++ = static_cast<char>('0' + fraction / 10 % 10);
    *end++ = static_cast<char>('0' + fraction % 10);
    const std::string_view duration = view(duration_, end);
    fields_ = {{
        {"listener", listener},
        {"client", client_},
        {"peer", peer_},
        {"method", cut_view(request.method, 16)},
        {"path", cut_view(request.path, kMaxPath)},
        {"route", route},
        {"answer", answer_},
        {"status", status, true},
        {"duration_ms", duration, true},
        {"user_agent", cut_view(user_agent_, kMaxUserAgent)},
        {},
    }};
    count_ = 10;
    // The account only once the request proved it owns it: a presented name is not an account.
    if (response.audit && response.audit->account_id)
        fields_[count_++] = {"account", response.audit->username};
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
        log_.event(LogLevel::Info, "access", AccessFields(request, response, route, took).fields());
    return response;
}

}  // namespace ddns::gateway
