// What the HTML pages need to know from the configuration (web.* keys).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ddns/auth/session.hpp"

namespace ddns::gateway {

struct WebOptions {
    bool enabled = false;
    // Path the pages live under: "" (the root) or "/account"-like, no trailing slash.
    std::string prefix;
    // Local ports whose listeners show the pages and the API; empty: every listener.
    std::vector<std::uint16_t> listener_ports;
    std::filesystem::path template_dir;  // operator overrides; empty: compiled-in files only
    auth::SessionLifetime lifetime;
    // A session's last use is written at most this often (a page view rarely writes).
    std::chrono::seconds refresh_after{60};
    std::string site_name = "ddns-gateway";
    // The host and port routers are told to call, for the help pages ("dyn.example.org");
    // empty: the Host header of the request.
    std::string public_host;
};

}  // namespace ddns::gateway
