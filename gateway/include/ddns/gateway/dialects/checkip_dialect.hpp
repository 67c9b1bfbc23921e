// Check-IP endpoints (protocols.md §3): /checkip (HTML), /myip (plain), /ip (XML). No auth.
#pragma once

#include "ddns/gateway/http/request.hpp"

namespace ddns::gateway {

enum class CheckIpStyle { Html, Plain, Xml };

// The only place check-IP wire text is spelled.
Response render_checkip(CheckIpStyle style, const IpAddress& client);

}  // namespace ddns::gateway
