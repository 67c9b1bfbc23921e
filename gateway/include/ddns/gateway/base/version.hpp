// Build version string, shown by `ddns-gateway --version` and in the Server header.
#pragma once

namespace ddns::gateway {
const char* version() noexcept;
}
