// What the listeners hand every request to: one call from a request value to a response value.
// The route table (http/route_table.hpp) and decorators such as the update log implement it.
#pragma once

#include "ddns/gateway/http/request.hpp"

namespace ddns::gateway {

class RequestRouter {
public:
    virtual ~RequestRouter() = default;
    virtual Response route(const RequestView& request) = 0;
};

}  // namespace ddns::gateway
