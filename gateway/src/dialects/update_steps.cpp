#include "ddns/gateway/dialects/update_steps.hpp"

namespace ddns::gateway {

std::string log_start(std::string_view dialect, const RequestView& request) {
    return std::string(dialect) + " client=" + request.client.to_string();
}

}  // namespace ddns::gateway
