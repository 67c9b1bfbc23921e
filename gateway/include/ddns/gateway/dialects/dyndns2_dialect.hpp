// dyndns2 (DynDNS / No-IP remote access API): /nic/update, /v3/update, /update.
// Wire contract: protocols.md §1. All wire words come from render_dyndns2().
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddns/auth/audit.hpp"
#include "ddns/auth/authenticator.hpp"
#include "ddns/gateway/base/log.hpp"
#include "ddns/gateway/base/wait_hints.hpp"
#include "ddns/gateway/core/address_policy.hpp"
#include "ddns/gateway/core/update_service.hpp"
#include "ddns/gateway/http/request.hpp"
#include "ddns/nsupdate/expected.hpp"

namespace ddns::gateway {

enum class Dyndns2Code {
    Good,
    NoChg,
    BadAuth,
    NoCredentials,  // "badauth" too: the Basic challenge (GNU wget sends credentials only then)
    NotFqdn,
    NoHost,
    NumHost,
    Abuse,
    BadAgent,
    BadSys,
    NotDonator,
    DnsErr,          // BIND refused, timed out or failed TSIG
    AddressRefused,  // "dnserr" too: an address that is malformed or not publicly routable
    ServerError,     // "911"
};

// Whose fault a line is, for the host counters: `dnserr` from BIND and `911` are the server's
// (never the client's), `badauth` for wrong credentials is an auth fault, the Basic challenge
// is none, every other refusal is the client's.
auth::FaultClass dyndns2_fault(Dyndns2Code code) noexcept;

struct Dyndns2Line {
    Dyndns2Code code = Dyndns2Code::DnsErr;
    std::optional<IpAddress> ipv4;  // echoed after good/nochg
    std::optional<IpAddress> ipv6;
};

// The word of one line ("good 192.0.2.1", "badauth", ...): the only place dyndns2 wire words are
// spelled; the reply, the update log and the log line all take it from here.
std::string dyndns2_word(const Dyndns2Line& line);

// The reply: one dyndns2_word per line. `badauth` answers 401 with a Basic challenge;
// everything else is 200. Lines are separated by '\n', no leading blank line. A non-zero
// `retry_after` (a throttled login, answered `abuse`) adds `Retry-After: <seconds>`.
Response render_dyndns2(const std::vector<Dyndns2Line>& lines, const std::string& realm,
                        std::chrono::seconds retry_after = std::chrono::seconds::zero());

// What the request asks for each address family (myip, myipv4, myipv6, ip, ipv6). Absent or empty
// means the client address. 0.0.0.0 / :: delete that family. An IPv6 value with "/len", len
// 16..64, also names the router's prefix (the address keeps its AAAA meaning, as FRITZ!Box and
// deSEC clients send it); `ip6lanprefix` (FRITZ!Box <ip6lanprefix>) names it alone and must be a
// prefix exactly (protocols.md §9).
struct Dyndns2Addresses {
    FamilyIntent ipv4;
    FamilyIntent ipv6;
    std::optional<IpNetwork> ipv6_prefix{};
};
enum class AddressError {
    Malformed,
    Conflicting,   // two different addresses of one family, or two different prefixes
    PrefixLength,  // a prefix shorter than /16 or (ip6lanprefix) longer than /64
    NotAPrefix,    // ip6lanprefix with bits set beyond its length
};
Expected<Dyndns2Addresses, AddressError> parse_dyndns2_addresses(const QueryParams& query,
                                                                 const IpAddress& client);

// What /nic/delete removes (nsupdate.info's extension, protocols.md §1): the families of the
// addresses named in the same parameters (the value only picks the family), both when none is
// named. A malformed value is Malformed; nothing is ever Set.
Expected<Dyndns2Addresses, AddressError> parse_dyndns2_delete(const QueryParams& query);
// wildcard=ON (true) or OFF (false), in any case; absent, NOCHG or anything else: nullopt.
std::optional<bool> dyndns2_wildcard(const QueryParams& query);
// Whether a request path is /nic/delete (paths compare case-insensitively, protocols.md §0).
bool is_dyndns2_delete(std::string_view path);

// Completes the audit note process() left behind: each host line gets its word and fault class.
// A request-level answer (one line, hosts never resolved) gets one entry per name in `hostname`
// (at most kMaxHosts; one unnamed entry when there is none), so `badauth` reaches the hosts it
// names (see auth::AuditHost).
auth::AuditNote dyndns2_audit(auth::AuditNote note, const std::vector<Dyndns2Line>& lines,
                              std::string_view hostname);

struct Dyndns2Options {
    std::string realm = "ddns-gateway";
    bool require_user_agent = true;
    std::vector<std::string> agent_denylist;
    // Users whose last request waited (base/wait_hints.hpp): noted and cleared here, consulted
    // by the HTTP server before it tries a request on its connection loop.
    WaitHints* waits = &WaitHints::process_wide();
    static constexpr std::size_t kMaxHosts = 20;
};

class Dyndns2Dialect {
public:
    Dyndns2Dialect(auth::Authenticator& authenticator, UpdateService& updates,
                   const AddressPolicy& policy, const Logger& log,
                   std::function<auth::TimePoint()> clock, Dyndns2Options options);

    // A request with a method the route table lets through (GET, POST, HEAD).
    Response handle(const RequestView& request);
    // Any other method: `badagent` (protocols.md §0).
    Response refuse_method(const RequestView& request);

private:
    struct Work;  // one request's state between the steps
    Response answer(Work& w, const std::vector<Dyndns2Line>& lines) const;
    // The steps, in order; the first three end the request with one line when they refuse it.
    std::vector<Dyndns2Line> process(Work& w);
    std::optional<Dyndns2Line> gate(Work& w) const;  // User-Agent, credentials, `system`
    std::optional<Dyndns2Line> authenticate(Work& w);
    std::optional<Dyndns2Line> resolve_names(Work& w) const;
    void check_addresses(Work& w) const;
    void build_intents(Work& w) const;
    void apply(Work& w);
    void audit(Work& w) const;
    void log_summary(const Work& w) const;

    auth::Authenticator& authenticator_;
    UpdateService& updates_;
    const AddressPolicy& policy_;
    const Logger& log_;
    std::function<auth::TimePoint()> clock_;
    Dyndns2Options options_;
};

}  // namespace ddns::gateway
