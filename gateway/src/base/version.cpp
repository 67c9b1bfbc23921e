#include "ddns/gateway/base/version.hpp"

namespace ddns::gateway {
const char* version() noexcept {
    return "0.1.0";
}
}  // namespace ddns::gateway
