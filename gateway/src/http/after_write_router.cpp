#include "ddns/gateway/http/after_write_router.hpp"

#include <algorithm>
#include <utility>

namespace ddns::gateway {

AfterWriteRouter::AfterWriteRouter(RequestRouter& inner, std::vector<std::string> routes,
                                   std::function<void()> after_write)
    : inner_(inner), routes_(std::move(routes)), after_write_(std::move(after_write)) {}

Response AfterWriteRouter::route(const RequestView& request) {
    Response response = inner_.route(request);
    // Whatever the answer: a write that failed half way may still have committed something.
    if (request.method != "GET" && request.method != "HEAD" &&
        std::find(routes_.begin(), routes_.end(), response.route) != routes_.end())
        after_write_();
    return response;
}

}  // namespace ddns::gateway
