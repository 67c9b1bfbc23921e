// The two ACME APIs' requests as their clients send them (protocols.md §10): acme-dns's
// POST /update with X-Api-User and X-Api-Key, and httpreq's /present and /cleanup with Basic
// authentication, each with its JSON body.
#pragma once

#include <string>
#include <vector>

#include "gateway_stack.hpp"

namespace ddns::test {

inline HttpReply acme_post(GatewayStack& stack, const std::string& path,
                           const std::vector<std::string>& headers, const std::string& body) {
    std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          "Connection: close\r\nContent-Type: application/json\r\n" +
                          "Content-Length: " + std::to_string(body.size()) + "\r\n";
    for (const auto& h : headers) request += h + "\r\n";
    return stack.raw(request + "\r\n" + body);
}

inline HttpReply acme_dns_request(GatewayStack& stack, const std::string& user,
                                  const std::string& key, const std::string& subdomain,
                                  const std::string& value) {
    return acme_post(stack, "/update", {"X-Api-User: " + user, "X-Api-Key: " + key},
                     "{\"subdomain\":\"" + subdomain + "\",\"txt\":\"" + value + "\"}");
}

// `path` is /present or /cleanup; `host` the host whose challenge it is.
inline HttpReply httpreq_request(GatewayStack& stack, const std::string& path,
                                 const std::string& user, const std::string& key,
                                 const std::string& host, const std::string& value) {
    return acme_post(stack, path, {"Authorization: Basic " + base64(user + ":" + key)},
                     "{\"fqdn\":\"_acme-challenge." + host + ".\",\"value\":\"" + value + "\"}");
}

}  // namespace ddns::test
