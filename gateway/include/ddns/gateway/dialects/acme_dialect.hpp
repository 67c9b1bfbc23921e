// ACME DNS-01 through the gateway, in the two HTTP APIs existing ACME clients speak
// (protocols.md §10): acme-dns (`POST /update`, X-Api-User / X-Api-Key, {"subdomain","txt"}; lego,
// acme.sh, Caddy, Traefik, certbot's acme-dns hook) and lego's httpreq (`POST /present` and
// `/cleanup`, Basic auth, {"fqdn","value"}). Both answer a challenge of one host of the caller's
// account through core/acme_challenges.hpp. All wire words come from acme_answer().
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "ddns/auth/authenticator.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/core/acme_challenges.hpp"
#include "ddns/gateway/http/request.hpp"

namespace ddns::gateway {

enum class AcmeCode {
    Ok,              // 200
    BadRequest,      // 400 bad_request: not a JSON object with the two strings
    BadValue,        // 400 bad_txt: not 43 base64url characters
    BadName,         // 400 bad_subdomain: not a host name, or not _acme-challenge.<host>
    BadCredentials,  // 401 forbidden (unknown user, wrong secret, unusable token)
    NotAllowed,      // 403 forbidden: the credential may not answer this host's challenges
    AccountRefused,  // 403 account_disabled: disabled, blocked or expired
    Throttled,       // 429 throttled, with Retry-After
    NameConflict,    // 409 name_conflict: something else holds the challenge name
    DnsFailed,       // 502 dns_failed
    ServerError,     // 500 server_error
};

enum class AcmeApi { AcmeDns, HttpReq };

// The answer for one code: JSON {"error": word} (Ok: what was written, in the API's fields).
// BadCredentials on httpreq also challenges for Basic auth.
Response acme_answer(AcmeApi api, AcmeCode code, const std::string& realm,
                     const std::string& name = {}, const std::string& value = {},
                     std::chrono::seconds retry_after = std::chrono::seconds::zero());

// True for a request the acme-dns row takes at /update (shared with dyndns2): POST with an
// X-Api-User header. dyndns2 clients send Basic auth or query credentials, never that header.
bool is_acme_dns_request(const RequestView& request);

class AcmeDialect {
public:
    AcmeDialect(auth::Authenticator& authenticator, AcmeChallenges& challenges, const Logger& log,
                std::string realm = "ddns-gateway")
        : authenticator_(authenticator),
          challenges_(challenges),
          log_(log),
          realm_(std::move(realm)) {}

    Response acme_dns_update(const RequestView& request);
    Response present(const RequestView& request);
    Response cleanup(const RequestView& request);

private:
    struct Ask {
        AcmeApi api;
        bool remove = false;
        std::string user;
        Secret secret;
        std::string name;   // as sent: subdomain or fqdn
        std::string value;  // as sent
    };
    Response httpreq(const RequestView& request, bool remove);
    Response answer(const RequestView& request, Ask ask);
    Response run(const RequestView& request, const Ask& ask, std::string& why);

    auth::Authenticator& authenticator_;
    AcmeChallenges& challenges_;
    const Logger& log_;
    std::string realm_;
};

}  // namespace ddns::gateway
