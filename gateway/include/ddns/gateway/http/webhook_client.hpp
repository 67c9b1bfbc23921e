// The client side of a webhook: one HTTP/1.1 POST to an http:// or https:// URL, with a
// deadline. The host name is resolved here and every address it resolves to is put to the
// caller's filter first (no request to loopback or private space unless the operator allows it:
// an SSRF guard); the connection goes to an address that passed, so a name that resolves
// differently a moment later cannot slip past. HTTPS verifies the certificate and the name.
// POCO's HTTP client classes stay in this file's source.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ddns/gateway/base/http_url.hpp"
#include "ddns/nsupdate/ip_address.hpp"

namespace ddns::gateway {

struct WebhookClientOptions {
    std::chrono::seconds timeout{10};                       // connect, and each read and write
    std::function<bool(const IpAddress&)> address_allowed;  // null: every address
    std::string ca_file;  // PEM CAs for https://; empty: the system's store
};

struct WebhookReply {
    int status = 0;     // the HTTP status; 0 when no answer came
    std::string error;  // why not (connect, TLS, refused address), or the status line's reason
};

class WebhookClient {
public:
    // Throws std::runtime_error when ca_file cannot be loaded.
    explicit WebhookClient(WebhookClientOptions options);
    ~WebhookClient();
    WebhookClient(const WebhookClient&) = delete;
    WebhookClient& operator=(const WebhookClient&) = delete;

    // POSTs `body` as application/json with `headers` added. Never throws.
    WebhookReply post(const HttpUrl& url,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& body);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ddns::gateway
