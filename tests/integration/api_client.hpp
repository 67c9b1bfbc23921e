// A client of the JSON account API (/api/v1) for the integration tests: one request over a raw
// connection from a chosen loopback address, the reply with its body parsed as a JSON object.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <string>

#include "gateway_stack.hpp"

namespace ddns::test {

struct ApiReply {
    int status = 0;
    HttpReply http;
    Poco::JSON::Object::Ptr json;  // null when the body is not a JSON object

    std::string text(const std::string& name) const {
        return json && json->has(name) && !json->isNull(name) ? json->getValue<std::string>(name)
                                                              : std::string();
    }
    std::string error_code() const {
        if (!json || !json->has("error")) return {};
        return json->getObject("error")->getValue<std::string>("code");
    }
};

inline ApiReply api_call(GatewayStack& stack, const std::string& source, const std::string& method,
                         const std::string& path, const std::string& body = {},
                         const std::string& bearer = {}) {
    std::string request = method + " /api/v1/" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          "Connection: close\r\nUser-Agent: api-test/1.0\r\n";
    if (!bearer.empty()) request += "Authorization: Bearer " + bearer + "\r\n";
    if (!body.empty())
        request +=
            "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n";
    request += "\r\n" + body;
    ApiReply reply;
    reply.http = stack.raw(request, source);
    reply.status = reply.http.status;
    try {
        Poco::JSON::Parser parser;
        reply.json = parser.parse(reply.http.body).extract<Poco::JSON::Object::Ptr>();
    } catch (...) {
    }
    return reply;
}

}  // namespace ddns::test
