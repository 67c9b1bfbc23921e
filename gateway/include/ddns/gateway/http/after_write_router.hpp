// Wraps a router: after every request with a method other than GET or HEAD that one of the named
// routes answered with anything but a refusal (4xx), calls `after_write`. serve uses it so that a
// write through the self-service pages or the JSON API is seen by this instance's next request (the
// principal cache's write barrier, sql::CachedStore::note_write).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ddns/gateway/http/request_router.hpp"

namespace ddns::gateway {

class AfterWriteRouter final : public RequestRouter {
public:
    AfterWriteRouter(RequestRouter& inner, std::vector<std::string> routes,
                     std::function<void()> after_write);
    Response route(const RequestView& request) override;

private:
    RequestRouter& inner_;
    std::vector<std::string> routes_;
    std::function<void()> after_write_;
};

}  // namespace ddns::gateway
