#include "ddns/gateway/dialects/dyndns2_dialect.hpp"

#include <algorithm>
#include <map>

#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/dialects/audit_facts.hpp"

namespace ddns::gateway {
namespace {

using text::split_list;
using text::trim;

std::string addresses_text(const Dyndns2Line& line) {
    std::string out;
    if (line.ipv4) out = line.ipv4->to_string();
    if (line.ipv6) out += (out.empty() ? "" : ",") + line.ipv6->to_string();
    return out;
}

Dyndns2Line once(Dyndns2Code code) {
    return Dyndns2Line{code, std::nullopt, std::nullopt};
}

// What to echo after good/nochg: the addresses the request asked for; a deleted family shows as
// 0.0.0.0 / :: (the value that asked for the deletion).
void echo_addresses(Dyndns2Line& line, const Dyndns2Addresses& wanted) {
    if (wanted.ipv4.action == FamilyAction::Set) line.ipv4 = wanted.ipv4.address;
    if (wanted.ipv4.action == FamilyAction::Remove) line.ipv4 = IpAddress::v4({0, 0, 0, 0});
    if (wanted.ipv6.action == FamilyAction::Set) line.ipv6 = wanted.ipv6.address;
    if (wanted.ipv6.action == FamilyAction::Remove) line.ipv6 = IpAddress::v6({});
}

// A host name as the client sent it, normalised when it parses (so it matches stored names).
std::string presented_name(std::string_view raw) {
    const auto name = DnsName::parse(raw);
    return name ? name->str() : std::string(raw);
}

std::string auth_failure(auth::AuthStatus status) {
    switch (status) {
        case auth::AuthStatus::Disabled:
            return "account disabled";
        case auth::AuthStatus::Expired:
            return "account expired";
        default:
            return "wrong credentials";
    }
}

}  // namespace

Response render_dyndns2(const std::vector<Dyndns2Line>& lines, const std::string& realm,
                        std::chrono::seconds retry_after) {
    std::string body;
    bool unauthorized = false;
    for (const auto& line : lines) {
        if (!body.empty()) body += '\n';
        switch (line.code) {
            case Dyndns2Code::Good:
                body += "good " + addresses_text(line);
                break;
            case Dyndns2Code::NoChg:
                body += "nochg " + addresses_text(line);
                break;
            case Dyndns2Code::BadAuth:
            case Dyndns2Code::NoCredentials:
                body += "badauth";
                unauthorized = true;
                break;
            case Dyndns2Code::NotFqdn:
                body += "notfqdn";
                break;
            case Dyndns2Code::NoHost:
                body += "nohost";
                break;
            case Dyndns2Code::NumHost:
                body += "numhost";
                break;
            case Dyndns2Code::Abuse:
                body += "abuse";
                break;
            case Dyndns2Code::BadAgent:
                body += "badagent";
                break;
            case Dyndns2Code::BadSys:
                body += "badsys";
                break;
            case Dyndns2Code::NotDonator:
                body += "!donator";
                break;
            case Dyndns2Code::DnsErr:
            case Dyndns2Code::AddressRefused:
                body += "dnserr";
                break;
            case Dyndns2Code::ServerError:
                body += "911";
                break;
        }
    }
    if (unauthorized) {
        Response r = Response::text(401, "Unauthorized", body);
        r.headers.push_back({"WWW-Authenticate", "Basic realm=\"" + realm + "\""});
        return r;
    }
    Response r = Response::text(200, "OK", body);
    if (retry_after > std::chrono::seconds::zero())
        r.headers.push_back({"Retry-After", std::to_string(retry_after.count())});
    return r;
}

auth::FaultClass dyndns2_fault(Dyndns2Code code) noexcept {
    switch (code) {
        case Dyndns2Code::Good:
        case Dyndns2Code::NoChg:
        case Dyndns2Code::NoCredentials:
            return auth::FaultClass::None;
        case Dyndns2Code::BadAuth:
            return auth::FaultClass::Auth;
        case Dyndns2Code::DnsErr:
        case Dyndns2Code::ServerError:
            return auth::FaultClass::Server;
        case Dyndns2Code::NotFqdn:
        case Dyndns2Code::NoHost:
        case Dyndns2Code::NumHost:
        case Dyndns2Code::Abuse:
        case Dyndns2Code::BadAgent:
        case Dyndns2Code::BadSys:
        case Dyndns2Code::NotDonator:
        case Dyndns2Code::AddressRefused:
            return auth::FaultClass::Client;
    }
    return auth::FaultClass::Client;
}

auth::AuditNote dyndns2_audit(auth::AuditNote note, const std::vector<Dyndns2Line>& lines,
                              std::string_view hostname) {
    if (lines.empty()) return note;
    if (note.hosts.size() != lines.size()) {
        note.hosts.clear();
        for (std::string_view raw : split_list(hostname, "")) {
            if (note.hosts.size() == Dyndns2Options::kMaxHosts) break;
            if (trim(raw).empty()) continue;
            auth::AuditHost entry;
            entry.name = presented_name(raw);
            note.hosts.push_back(std::move(entry));
        }
        if (note.hosts.empty()) note.hosts.emplace_back();
    }
    for (std::size_t i = 0; i < note.hosts.size(); ++i) {
        const Dyndns2Line& line = lines.size() == note.hosts.size() ? lines[i] : lines.front();
        const std::string text = render_dyndns2({line}, {}).body;
        note.hosts[i].outcome = text.substr(0, text.find(' '));
        note.hosts[i].fault = dyndns2_fault(line.code);
    }
    return note;
}

Expected<Dyndns2Addresses, AddressError> parse_dyndns2_addresses(const QueryParams& query,
                                                                 const IpAddress& client) {
    Dyndns2Addresses out;
    bool any = false;
    for (const char* name : {"myip", "myipv4", "myipv6", "ip", "ipv6"}) {
        const auto value = query.get(name);
        if (!value) continue;
        for (std::string_view token : split_list(*value)) {
            if (token.empty()) continue;
            // FRITZ!Box sends <ip6lanprefix> as "2001:db8:1:2::/64"; the prefix length goes.
            if (const auto slash = token.find('/'); slash != std::string_view::npos)
                token = token.substr(0, slash);
            const auto address = IpAddress::parse(token);
            if (!address) return Unexpected{AddressError::Malformed};
            FamilyIntent intent =
                address->is_unspecified() ? FamilyIntent::remove() : FamilyIntent::set(*address);
            FamilyIntent& slot = address->is_v4() ? out.ipv4 : out.ipv6;
            if (slot.action != FamilyAction::Keep &&
                (slot.action != intent.action || slot.address != intent.address))
                return Unexpected{AddressError::Conflicting};
            slot = intent;
            any = true;
        }
    }
    if (!any) {
        (client.is_v4() ? out.ipv4 : out.ipv6) = FamilyIntent::set(client);
    }
    return out;
}

Dyndns2Dialect::Dyndns2Dialect(auth::Authenticator& authenticator, UpdateService& updates,
                               const AddressPolicy& policy, const Logger& log,
                               std::function<auth::TimePoint()> clock, Dyndns2Options options)
    : authenticator_(authenticator),
      updates_(updates),
      policy_(policy),
      log_(log),
      clock_(std::move(clock)),
      options_(std::move(options)) {}

Response Dyndns2Dialect::handle(const RequestView& request) {
    std::vector<Dyndns2Line> lines;
    std::chrono::seconds retry_after{0};
    auth::AuditNote note{"dyndns2", std::nullopt, {}, {}, {}};
    try {
        lines = process(request, retry_after, note);
    } catch (const std::exception& e) {
        log_.error(std::string("dyndns2: backend failure: ") + e.what());
        lines = {once(Dyndns2Code::ServerError)};
        note.hosts.clear();
        note.detail = "backend failure";
    }
    Response response = render_dyndns2(lines, options_.realm, retry_after);
    response.audit =
        dyndns2_audit(std::move(note), lines, request.query.get("hostname").value_or(""));
    return response;
}

std::vector<Dyndns2Line> Dyndns2Dialect::process(const RequestView& request,
                                                 std::chrono::seconds& retry_after,
                                                 auth::AuditNote& note) {
    if (request.method != "GET" && request.method != "POST" && request.method != "HEAD")
        return {once(Dyndns2Code::BadAgent)};
    const std::string agent = request.header("User-Agent").value_or("");
    if (options_.require_user_agent && trim(agent).empty()) return {once(Dyndns2Code::BadAgent)};
    for (const auto& denied : options_.agent_denylist)
        if (!denied.empty() && agent.find(denied) != std::string::npos)
            return {once(Dyndns2Code::BadAgent)};

    const auto authorization = request.header("Authorization");
    auto credentials = authorization ? parse_basic_authorization(*authorization) : std::nullopt;
    if (!credentials) return {once(Dyndns2Code::NoCredentials)};
    note.username = credentials->username;

    if (const auto system = request.query.get("system")) {
        if (*system != "dyndns" && *system != "statdns" && *system != "custom")
            return {once(Dyndns2Code::BadSys)};
    }

    auth::AuthOutcome outcome =
        authenticator_.authenticate(credentials->username, credentials->password,
                                    auth::CredentialPolicy::PasswordOrToken, request.client);
    if (outcome.status == auth::AuthStatus::Throttled) {
        // `abuse` (200), not `badauth`: the password was not even checked, and a client told
        // badauth may stop for good (inadyn exits on a 401) although its password is right.
        log_.info("dyndns2 client=" + request.client.to_string() + " user=" +
                  credentials->username + " result=abuse (too many failed logins, retry in " +
                  std::to_string(outcome.retry_after.count()) + " s)");
        retry_after = outcome.retry_after;
        note.detail = "too many failed logins";
        return {once(Dyndns2Code::Abuse)};
    }
    if (outcome.status == auth::AuthStatus::Blocked) {
        // The operator's block: `abuse` like a host over its budget, without Retry-After (it
        // lasts until the operator lifts it).
        log_.info("dyndns2 client=" + request.client.to_string() +
                  " user=" + credentials->username + " result=abuse (account blocked)");
        note.account_id = outcome.principal->account.id;
        note.detail = "account blocked";
        return {once(Dyndns2Code::Abuse)};
    }
    if (outcome.status != auth::AuthStatus::Ok) {
        log_.info("dyndns2 client=" + request.client.to_string() +
                  " user=" + credentials->username + " result=badauth");
        if (outcome.principal) note.account_id = outcome.principal->account.id;
        note.detail = auth_failure(outcome.status);
        return {once(Dyndns2Code::BadAuth)};
    }
    const auth::Principal& principal = *outcome.principal;
    note.account_id = principal.account.id;
    // Only the hosts this credential may update are visible (a token may be limited to one).
    const std::vector<const auth::Host*> visible = principal.updatable_hosts();

    // Which hosts: the list in `hostname`, or the account's only host when absent.
    std::vector<std::string_view> names;
    const std::string hostname = request.query.get("hostname").value_or("");
    if (!trim(hostname).empty()) {
        // Items are not trimmed: " a1.example" is no name (notfqdn), not a1.example.
        names = split_list(hostname, "");
        if (names.size() > Dyndns2Options::kMaxHosts) return {once(Dyndns2Code::NumHost)};
    }
    std::vector<const auth::Host*> targets;  // nullptr where the line is an error
    std::vector<Dyndns2Line> lines;
    if (names.empty()) {
        if (visible.size() != 1) return {once(Dyndns2Code::NotFqdn)};
        targets.push_back(visible.front());
        lines.emplace_back();
    }
    for (std::string_view raw : names) {
        Dyndns2Line line;
        const auth::Host* found = nullptr;
        const auto name = DnsName::parse(raw);
        if (!name) {
            line.code = Dyndns2Code::NotFqdn;
        } else if (name->label_count() == 1) {
            // A bare label: complete it with the account's zone when exactly one host matches.
            const auth::Host* match = nullptr;
            int count = 0;
            for (const auth::Host* h : visible)
                if (h->name.labels().front() == name->str()) {
                    match = h;
                    ++count;
                }
            if (count == 1)
                found = match;
            else
                line.code = Dyndns2Code::NotFqdn;
        } else {
            found = principal.updatable_host(*name);
            if (!found) line.code = Dyndns2Code::NoHost;
        }
        targets.push_back(found);
        lines.push_back(line);
    }

    const auto addresses = parse_dyndns2_addresses(request.query, request.client);
    // dnserr without DNS traffic: say why in the log, or operators will look at BIND.
    std::string refusal;
    if (!addresses) {
        refusal = addresses.error() == AddressError::Malformed ? "malformed address"
                                                               : "conflicting addresses";
    } else {
        for (const FamilyIntent* f : {&addresses->ipv4, &addresses->ipv6})
            if (f->action == FamilyAction::Set && !policy_.allows(*f->address))
                refusal = "address " + f->address->to_string() + " is not publicly routable";
    }
    // offline=YES takes the hosts offline whatever the addresses say; only domain accounts
    // have it (protocols.md §7), free accounts get !donator.
    const bool offline = request.query.get("offline").value_or("") == "YES";
    const bool offline_allowed = principal.account.plan == auth::Plan::Domain;
    if (offline) refusal.clear();
    const bool refused = !refusal.empty();
    if (refused)
        log_.info("dyndns2 client=" + request.client.to_string() +
                  " user=" + principal.account.username + " refused: " + refusal);

    // Duplicate names in one request share one intent (and one result).
    std::vector<HostIntent> intents;
    std::map<std::int64_t, std::size_t> intent_of_host;
    std::vector<std::optional<std::size_t>> intent_index(targets.size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (!targets[i]) continue;
        if (refused) {
            lines[i].code = Dyndns2Code::AddressRefused;
            continue;
        }
        if (offline && !offline_allowed) {
            lines[i].code = Dyndns2Code::NotDonator;
            continue;
        }
        auto [it, inserted] = intent_of_host.emplace(targets[i]->id, intents.size());
        if (inserted) {
            if (offline)
                intents.push_back(HostIntent{targets[i], {}, {}, true});
            else
                intents.push_back(HostIntent{targets[i], addresses->ipv4, addresses->ipv6});
        }
        intent_index[i] = it->second;
    }

    const auto results = updates_.apply(intents, clock_());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (intent_index[i]) {
            const HostApplyResult& r = results[*intent_index[i]];
            switch (r.status) {
                case ApplyStatus::Changed:
                    lines[i].code = Dyndns2Code::Good;
                    break;
                case ApplyStatus::Unchanged:
                    lines[i].code = Dyndns2Code::NoChg;
                    break;
                case ApplyStatus::DnsFailed:
                    lines[i].code = Dyndns2Code::DnsErr;
                    break;
                case ApplyStatus::StoreFailed:
                case ApplyStatus::InDoubt:
                    lines[i].code = Dyndns2Code::ServerError;
                    break;
                case ApplyStatus::Gone:
                    lines[i].code = Dyndns2Code::NoHost;
                    break;
                case ApplyStatus::Blocked:
                    lines[i].code = Dyndns2Code::Abuse;
                    break;
                case ApplyStatus::Abuse:
                    // One Retry-After for the response: the longest wait of its hosts.
                    lines[i].code = Dyndns2Code::Abuse;
                    retry_after = std::max(retry_after, r.retry_after);
                    break;
            }
            if (lines[i].code != Dyndns2Code::Good && lines[i].code != Dyndns2Code::NoChg) continue;
            // An offline host answers "good 0.0.0.0" (just taken offline) or "nochg 0.0.0.0"
            // (already offline): the address dyndns2 uses for "no address".
            if (offline)
                lines[i].ipv4 = sentinel_address(IpFamily::V4);
            else
                echo_addresses(lines[i], *addresses);
        }
    }
    // For the update log: which host each line is about, and why it failed.
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (intent_index[i]) {
            note.hosts.push_back(audit_applied(*targets[i], results[*intent_index[i]]));
            continue;
        }
        auth::AuditHost entry;
        if (targets[i]) {
            entry.host_id = targets[i]->id;
            entry.name = targets[i]->name.str();
            entry.detail = refusal;
        } else {
            entry.name = presented_name(names[i]);
        }
        note.hosts.push_back(std::move(entry));
    }
    if (log_.enabled(LogLevel::Info)) {
        // Each host with the words its client got; built only when it will be printed.
        std::string summary;
        for (std::size_t i = 0; i < lines.size(); ++i)
            summary += (summary.empty() ? "" : ",") +
                       (targets[i] ? targets[i]->name.str() : std::string("-")) + ":" +
                       render_dyndns2({lines[i]}, options_.realm).body;
        log_.info("dyndns2 client=" + request.client.to_string() +
                  " user=" + principal.account.username + " agent=\"" + agent + "\" " + summary);
    }
    return lines;
}

}  // namespace ddns::gateway
