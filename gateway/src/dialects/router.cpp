#include "ddns/gateway/dialects/router.hpp"

#include <algorithm>
#include <cctype>

#include "ddns/gateway/dialects/checkip_dialect.hpp"

namespace ddns::gateway {

Response Router::route(const RequestView& request) {
    std::string path = request.path;
    std::transform(path.begin(), path.end(), path.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (path.size() > 1 && path.back() == '/') path.pop_back();

    if (path == "/nic/update" || path == "/v3/update" || path == "/update")
        return dyndns2_.handle(request);
    if (path == "/login/updateip.asp") return dynamip_.handle(request);
    if (path == "/dynamic") return dynamic_.handle(request);
    if (path == "/dnslogin3.asp" || path == "/autoupdate/dnslogin3.asp")
        return myserver_.handle(request);
    if (path == "/checkip") return render_checkip(CheckIpStyle::Html, request.client);
    if (path == "/myip") return render_checkip(CheckIpStyle::Plain, request.client);
    if (path == "/ip") return render_checkip(CheckIpStyle::Xml, request.client);
    // Liveness: answers while the listener serves, whatever the database does.
    if (path == "/healthz") return Response::text(200, "OK", "ok\n");
    if (path == "/readyz") return render_readiness(readiness_);
    return Response::text(404, "Not Found", "not found\n");
}

}  // namespace ddns::gateway
