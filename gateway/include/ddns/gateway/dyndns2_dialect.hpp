// dyndns2 (DynDNS / No-IP remote access API): /nic/update, /v3/update, /update.
// Wire contract: protocols.md §1. All wire words come from render_dyndns2().
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ddns/auth/authenticator.hpp"
#include "ddns/gateway/address_policy.hpp"
#include "ddns/gateway/config.hpp"
#include "ddns/gateway/log.hpp"
#include "ddns/gateway/request.hpp"
#include "ddns/gateway/update_service.hpp"
#include "ddns/nsupdate/expected.hpp"

namespace ddns::gateway {

enum class Dyndns2Code {
    Good,
    NoChg,
    BadAuth,
    NotFqdn,
    NoHost,
    NumHost,
    Abuse,
    BadAgent,
    BadSys,
    NotDonator,
    DnsErr,
    ServerError,  // "911"
};

struct Dyndns2Line {
    Dyndns2Code code = Dyndns2Code::DnsErr;
    std::optional<IpAddress> ipv4;  // echoed after good/nochg
    std::optional<IpAddress> ipv6;
};

// The only place dyndns2 wire words are spelled. `badauth` answers 401 with a Basic challenge;
// everything else is 200. Lines are separated by '\n', no leading blank line. A non-zero
// `retry_after` (a throttled login, answered `abuse`) adds `Retry-After: <seconds>`.
Response render_dyndns2(const std::vector<Dyndns2Line>& lines, const std::string& realm,
                        std::chrono::seconds retry_after = std::chrono::seconds::zero());

// What the request asks for each address family (myip, myipv4, myipv6, ip, ipv6). Absent or empty
// means the client address. "/len" suffixes are stripped; 0.0.0.0 / :: delete that family.
struct Dyndns2Addresses {
    FamilyIntent ipv4;
    FamilyIntent ipv6;
};
enum class AddressError { Malformed, Conflicting };
Expected<Dyndns2Addresses, AddressError> parse_dyndns2_addresses(const QueryParams& query,
                                                                 const IpAddress& client);

struct Dyndns2Options {
    std::string realm = "ddns-gateway";
    bool require_user_agent = true;
    std::vector<std::string> agent_denylist;
    static constexpr std::size_t kMaxHosts = 20;
};

class Dyndns2Dialect {
public:
    Dyndns2Dialect(auth::Authenticator& authenticator, UpdateService& updates,
                   const AddressPolicy& policy, const Logger& log,
                   std::function<auth::TimePoint()> clock, Dyndns2Options options);

    Response handle(const RequestView& request);

private:
    // Sets `retry_after` when the login was throttled.
    std::vector<Dyndns2Line> process(const RequestView& request, std::chrono::seconds& retry_after);

    auth::Authenticator& authenticator_;
    UpdateService& updates_;
    const AddressPolicy& policy_;
    const Logger& log_;
    std::function<auth::TimePoint()> clock_;
    Dyndns2Options options_;
};

}  // namespace ddns::gateway
