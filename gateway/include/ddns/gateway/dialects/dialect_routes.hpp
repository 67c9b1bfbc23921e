// The dialects' rows of the route table (protocols.md §0-§5): their paths, methods and route
// names are written here once; cli/serve_command.cpp composes the table.
#pragma once

#include "ddns/gateway/dialects/acme_dialect.hpp"
#include "ddns/gateway/dialects/dynamic_dialect.hpp"
#include "ddns/gateway/dialects/dynamip_dialect.hpp"
#include "ddns/gateway/dialects/dyndns2_dialect.hpp"
#include "ddns/gateway/dialects/myserver_dialect.hpp"
#include "ddns/gateway/http/route_table.hpp"

namespace ddns::gateway {

struct Dialects {
    Dyndns2Dialect& dyndns2;
    DynamicDialect& dynamic;
    DynamipDialect& dynamip;
    MyServerDialect& myserver;
    AcmeDialect* acme = nullptr;  // the ACME endpoints, when set
};

// Adds "dyndns2", "dynamip", "dynamic", "myserver" (GET and POST; another method is answered
// in the dialect's own words) and "checkip" (/checkip, /myip, /ip; GET). With `acme`, also
// "acme-dns" (POST /update with X-Api-User, tried before dyndns2's /update) and "httpreq"
// (POST /present, /cleanup). The dialects must outlive the table.
void add_dialect_routes(RouteTable& table, Dialects dialects);

}  // namespace ddns::gateway
