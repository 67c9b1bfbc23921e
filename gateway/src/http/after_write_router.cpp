#include "ddns/gateway/http/after_write_router.hpp"

#include <algorithm>
#include <utility>

namespace ddns::gateway {

AfterWriteRouter::AfterWriteRouter(RequestRouter& inner, std::vector<std::string> routes,
                                   std::function<void()> after_write)
    : inner_(inner), routes_(std::move(routes)), after_write_(std::move(after_write)) {}

Response AfterWriteRouter::route(const RequestView& request) {
    Response response = inner_.route(request);
    // Refused (4xx): nothing was written, and a stream of unauthenticated POSTs must not keep
    // the principal cache bypassed. Any other answer: a write that failed half way (5xx) may
    // still have committed something.
    const bool refused = response.status >= 400 && response.status < 500;
    if (!refused && request.method != "GET" && request.method != "HEAD" &&
        std::find(routes_.begin(), routes_.end(), response.route) != routes_.end())
        after_write_();
    return response;
}

}  // namespace ddns::gateway
