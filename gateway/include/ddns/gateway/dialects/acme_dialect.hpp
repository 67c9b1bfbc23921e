// ACME DNS-01 through the gateway, in the two HTTP APIs existing ACME clients speak
// (protocols.md §10): acme-dns (`POST /update`, X-Api-User / X-Api-Key, {"subdomain","txt"}; lego,
// acme.sh, Caddy, Traefik, certbot's acme-dns hook) and lego's httpreq (`POST /present` and
// `/cleanup`, Basic auth, {"fqdn","value"}). Both answer a challenge of one host of the caller's
// account through core/acme_challenges.hpp. All wire words come from acme_answer().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "ddns/auth/audit.hpp"
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
    Busy,            // 503 busy, with Retry-After: no password-hashing slot came free in time
    ServerError,     // 500 server_error
};

enum class AcmeApi { AcmeDns, HttpReq };

// The answer for one code: JSON {"error": word} (Ok: what was written, in the API's fields).
// BadCredentials on httpreq also challenges for Basic auth; Throttled and Busy carry
// Retry-After (`retry_after`, at least 1 s).
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
    // What a request came to, for the answer and its update-log row (every request gets one,
    // as in every update dialect: the host's history shows present and cleanup).
    struct Trail {
        AcmeCode code = AcmeCode::ServerError;
        std::string fqdn;  // the challenge name written, for the answer
        std::chrono::seconds retry_after{0};
        std::string why;  // for the log line and the row's detail
        std::optional<std::int64_t> account_id;
        auth::AuditHost host;  // the host the challenge is about, as far as it is known
    };
    struct Ask {
        AcmeApi api;
        bool remove = false;
        std::string user;
        Secret secret;
        std::string name;        // as sent: subdomain or fqdn
        std::string value;       // as sent
        bool malformed = false;  // the body is not a JSON object with the two strings
    };
    Response httpreq(const RequestView& request, bool remove);
    Response answer(const RequestView& request, Ask ask);
    AcmeCode run(const RequestView& request, const Ask& ask, Trail& trail);

    auth::Authenticator& authenticator_;
    AcmeChallenges& challenges_;
    const Logger& log_;
    std::string realm_;
};

}  // namespace ddns::gateway
