// Private: the TLS server context of the HTTPS listeners, built from the configuration alone
// (no POCO SSLManager, no POCO application configuration).
#pragma once

#include <Poco/Net/Context.h>

#include <string>

#include "ddns/gateway/http/http_options.hpp"
#include "ddns/nsupdate/expected.hpp"

namespace ddns::gateway {

// TLS 1.2 or newer, forward-secret AEAD suites, no client certificates. The error is one
// sentence naming the certificate or key file.
Expected<Poco::Net::Context::Ptr, std::string> make_tls_server_context(
    const HttpServerOptions& config);

}  // namespace ddns::gateway
