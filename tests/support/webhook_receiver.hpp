// A webhook receiver for tests (tests/support/webhook_receiver.py): it verifies each request's
// signature with the subscription's secret, notes whether its idempotency key was seen before,
// and records every request; stop() and start() make it unreachable for a while, and `fail`
// answers the first requests with 503.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace ddns::test {

struct WebhookRequest {
    std::string key;
    bool signature_ok = false;
    bool duplicate = false;  // the key was answered 2xx before
    int status = 0;          // what the receiver answered
    std::string content_type;
    std::string body;  // the JSON document
    // The value of a top-level string field of the body ("" when absent).
    std::string field(const std::string& name) const;
};

class WebhookReceiver {
public:
    explicit WebhookReceiver(int fail_first = 0);  // started
    ~WebhookReceiver();
    WebhookReceiver(const WebhookReceiver&) = delete;
    WebhookReceiver& operator=(const WebhookReceiver&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url(const std::string& path = "/hook") const;
    // The secret the signature is checked with (the one `admin notice add` printed).
    void set_secret(const std::string& secret);
    void stop();
    void start();

    std::vector<WebhookRequest> requests() const;
    // Requests answered 2xx whose body's "event" is `event`.
    std::vector<WebhookRequest> accepted(const std::string& event) const;
    std::string log() const;

private:
    TempDir dir_{"ddns-webhook"};
    std::uint16_t port_ = 0;
    int fail_first_ = 0;
    std::unique_ptr<ChildProcess> process_;
    int starts_ = 0;
};

}  // namespace ddns::test
