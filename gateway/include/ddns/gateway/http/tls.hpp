// TLS for the HTTPS listeners, as far as the rest of the program needs to know: whether the
// configured certificate and private key load. (The POCO context itself stays in gateway/src.)
#pragma once

#include <optional>
#include <string>

#include "ddns/gateway/http/http_options.hpp"

namespace ddns::gateway {

// Loads tls.certificate and tls.private_key exactly as `serve` does. Returns one sentence naming
// the file that failed (never the key's bytes), or nullopt when all is well or https.listen is
// not set. `check-config` uses it, so a bad key is found before a restart.
std::optional<std::string> check_tls_files(const HttpServerOptions& config);

}  // namespace ddns::gateway
