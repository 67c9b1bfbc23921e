#include "ddns/gateway/core/webhook_target.hpp"

#include "ddns/gateway/base/http_url.hpp"

namespace ddns::gateway {

std::optional<std::string> webhook_url_problem(std::string_view url, const AddressPolicy& policy) {
    const auto parsed = parse_http_url(url);
    if (!parsed) return parsed.error();
    if (parsed->host_is_address && !policy.allows(*IpAddress::parse(parsed->host)))
        return "the URL's address " + parsed->host +
               " is not publicly routable (loopback, private or reserved); the operator can "
               "allow such ranges with notice.webhook_allow";
    if (parsed->host == "localhost" || parsed->host.ends_with(".localhost"))
        return "the URL's host is this machine (localhost)";
    return std::nullopt;
}

}  // namespace ddns::gateway
