#include "ddns/gateway/dialects/checkip_dialect.hpp"

namespace ddns::gateway {

Response render_checkip(CheckIpStyle style, const IpAddress& client) {
    const std::string ip = client.to_string();
    switch (style) {
        case CheckIpStyle::Html: {
            Response r = Response::text(
                200, "OK",
                "<html><head><title>Current IP Check</title></head><body>Current IP Address: " +
                    ip + "</body></html>\n");
            r.content_type = "text/html; charset=utf-8";
            return r;
        }
        case CheckIpStyle::Plain:
            return Response::text(200, "OK", ip + "\n");
        case CheckIpStyle::Xml: {
            const char* element = client.is_v4() ? "ipv4" : "ipv6";
            Response r = Response::text(
                200, "OK", std::string("<") + element + ">" + ip + "</" + element + ">\n");
            r.content_type = "application/xml; charset=utf-8";
            return r;
        }
    }
    return Response::text(500, "Internal Server Error", "error\n");
}

}  // namespace ddns::gateway
