// Which webhook URLs a subscription may name: http:// or https:// (base/http_url.hpp), and,
// when the host is an address, one the operator's policy allows (publicly routable, or in
// notice.webhook_allow): a user must not point the gateway at its own loopback or LAN. A host
// name is checked again at every delivery, against each address it resolves to.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ddns/gateway/core/address_policy.hpp"

namespace ddns::gateway {

// nullopt when the URL may be used; else why not (one sentence for the user).
std::optional<std::string> webhook_url_problem(std::string_view url, const AddressPolicy& policy);

}  // namespace ddns::gateway
