// Dyndns2Dialect: one request in named steps (gate, authenticate, resolve names, check addresses,
// build intents, apply, audit, log), each reading and filling the request's Work.
#include "ddns/gateway/dialects/dyndns2_dialect.hpp"

#include <algorithm>
#include <map>

#include "ddns/auth/would_block.hpp"
#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/core/ipv6_prefix.hpp"
#include "ddns/gateway/dialects/audit_facts.hpp"
#include "ddns/gateway/dialects/update_steps.hpp"

namespace ddns::gateway {
namespace {

using text::split_list;
using text::trim;

// dyndns2's words for the shared outcomes. A disabled or expired account is `badauth` like a
// wrong password; a blocked account, a throttled login and a host over its budget are `abuse`.
constexpr OutcomeWords<Dyndns2Code> kWords{.bad_credentials = Dyndns2Code::BadAuth,
                                           .account_disabled = Dyndns2Code::BadAuth,
                                           .account_expired = Dyndns2Code::BadAuth,
                                           .account_blocked = Dyndns2Code::Abuse,
                                           .throttled = Dyndns2Code::Abuse,
                                           .changed = Dyndns2Code::Good,
                                           .unchanged = Dyndns2Code::NoChg,
                                           .dns_failed = Dyndns2Code::DnsErr,
                                           .backend_failed = Dyndns2Code::ServerError,
                                           .gone = Dyndns2Code::NoHost,
                                           .host_blocked = Dyndns2Code::Abuse,
                                           .over_budget = Dyndns2Code::Abuse};

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

// The update-log detail of a refused credential.
// Why the address parameters are refused, for the log and the update log.
std::string address_error_text(AddressError error) {
    switch (error) {
        case AddressError::Conflicting:
            return "conflicting addresses";
        case AddressError::PrefixLength:
            return "prefix length out of range";
        case AddressError::NotAPrefix:
            return "not a prefix";
        case AddressError::Malformed:
            break;
    }
    return "malformed address";
}

std::string auth_detail(auth::AuthStatus status) {
    switch (status) {
        case auth::AuthStatus::Disabled:
            return "account disabled";
        case auth::AuthStatus::Expired:
            return "account expired";
        case auth::AuthStatus::Blocked:
            return "account blocked";
        case auth::AuthStatus::Throttled:
            return "too many failed logins";
        case auth::AuthStatus::Busy:
            return "server busy: no password-hashing slot in time";
        default:
            return "wrong credentials";
    }
}

}  // namespace

// One request between the steps: what each step found, for the next ones, the answer, the
// update log and the log line.
struct Dyndns2Dialect::Work {
    explicit Work(const RequestView& r) : request(r) {}

    const RequestView& request;
    std::chrono::seconds retry_after{0};
    auth::AuditNote note{"dyndns2", std::nullopt, {}, {}, {}};
    std::string agent;
    std::optional<BasicCredentials> credentials;
    std::optional<auth::AuthOutcome> auth;  // principal set once authenticated
    // One entry per answer line: the names asked for (empty: the caller's only host), the host
    // each is about (nullptr where the line is an error), the line.
    std::vector<std::string_view> names;
    std::vector<const auth::Host*> targets;
    std::vector<Dyndns2Line> lines;
    std::optional<Dyndns2Addresses> addresses;
    std::string refusal;  // why the addresses are refused (dnserr without DNS traffic)
    bool offline = false;
    std::vector<HostIntent> intents;
    std::vector<std::optional<std::size_t>> intent_of_line;
    std::vector<HostApplyResult> results;

    const auth::Principal& principal() const { return *auth->principal; }
};

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
    Work w{request};
    const auto lines = run_steps(
        log_, "dyndns2", [&] { return process(w); },
        [&] {
            w.note.hosts.clear();
            w.note.detail = "backend failure";
            return std::vector{once(Dyndns2Code::ServerError)};
        });
    return answer(w, lines);
}

Response Dyndns2Dialect::refuse_method(const RequestView& request) {
    Work w{request};
    return answer(w, {once(Dyndns2Code::BadAgent)});
}

Response Dyndns2Dialect::answer(Work& w, const std::vector<Dyndns2Line>& lines) const {
    Response response = render_dyndns2(lines, options_.realm, w.retry_after);
    response.audit =
        dyndns2_audit(std::move(w.note), lines, w.request.query.get("hostname").value_or(""));
    // Each derived host the update changed gets a line of its own, with the word of a change
    // (the router itself may be nochg when only its derived hosts were put right).
    const std::string good = dyndns2_word(once(Dyndns2Code::Good));
    for (std::size_t i = 0; i < w.results.size() && response.audit; ++i)
        append_derived(*response.audit, audit_derived(*w.intents[i].host, w.results[i]),
                       good.substr(0, good.find(' ')));
    return response;
}

std::vector<Dyndns2Line> Dyndns2Dialect::process(Work& w) {
    if (auto refused = gate(w)) return {*refused};
    // On the connection loop, a user whose last request waited goes to a worker (the HTTP
    // server normally sent it there before trying it: another table, or a user it noted since).
    if (auth::must_not_block() && options_.waits->expects_wait(w.credentials->username))
        auth::blocking_point();
    if (auto refused = authenticate(w)) return {*refused};
    if (auto refused = resolve_names(w)) return {*refused};
    check_addresses(w);
    build_intents(w);
    apply(w);
    audit(w);
    log_summary(w);
    return w.lines;
}

// Before the credential check: the User-Agent, Basic credentials, and `system`.
std::optional<Dyndns2Line> Dyndns2Dialect::gate(Work& w) const {
    w.agent = w.request.header("User-Agent").value_or("");
    if (options_.require_user_agent && trim(w.agent).empty()) return once(Dyndns2Code::BadAgent);
    for (const auto& denied : options_.agent_denylist)
        if (!denied.empty() && w.agent.find(denied) != std::string::npos)
            return once(Dyndns2Code::BadAgent);

    const auto authorization = w.request.header("Authorization");
    w.credentials = authorization ? parse_basic_authorization(*authorization) : std::nullopt;
    if (!w.credentials) return once(Dyndns2Code::NoCredentials);
    w.note.username = w.credentials->username;

    if (const auto system = w.request.query.get("system")) {
        if (*system != "dyndns" && *system != "statdns" && *system != "custom")
            return once(Dyndns2Code::BadSys);
    }
    return std::nullopt;
}

std::optional<Dyndns2Line> Dyndns2Dialect::authenticate(Work& w) {
    w.auth = authenticator_.authenticate(w.credentials->username, w.credentials->password,
                                         auth::CredentialPolicy::PasswordOrToken, w.request.client);
    const auto refusal = refusal_of(*w.auth, kWords, w.note.account_id);
    if (!refusal) return std::nullopt;
    // A throttled login is `abuse` (200), not `badauth`: the password was not even checked, and
    // a client told badauth may stop for good (inadyn exits on a 401) although its password is
    // right. The operator's block is `abuse` without Retry-After (it lasts until lifted). Every
    // argon2 slot busy is `911` with Retry-After: the server's problem, the client retries later.
    if (w.auth->status == auth::AuthStatus::Throttled || w.auth->status == auth::AuthStatus::Busy)
        w.retry_after = w.auth->retry_after;
    w.note.detail = auth_detail(w.auth->status);
    const std::string why =
        w.auth->status == auth::AuthStatus::Throttled
            ? " (too many failed logins, retry in " + std::to_string(w.retry_after.count()) + " s)"
        : w.auth->status == auth::AuthStatus::Busy
            ? " (no password-hashing slot in time, retry in " +
                  std::to_string(w.retry_after.count()) + " s)"
        : w.auth->status == auth::AuthStatus::Blocked ? " (account blocked)"
                                                      : "";
    log_.info(log_start("dyndns2", w.request) + " user=" + w.credentials->username +
              " result=" + dyndns2_word(once(*refusal)) + why);
    return once(*refusal);
}

// Which hosts: the list in `hostname`, or the account's only host when absent. Only the hosts
// this credential may update are visible (Principal::may_update).
std::optional<Dyndns2Line> Dyndns2Dialect::resolve_names(Work& w) const {
    const std::vector<const auth::Host*> visible = w.principal().updatable_hosts();
    const std::string hostname = w.request.query.get("hostname").value_or("");
    if (!trim(hostname).empty()) {
        // Items are not trimmed: " a1.example" is no name (notfqdn), not a1.example.
        w.names = split_list(hostname, "");
        if (w.names.size() > Dyndns2Options::kMaxHosts) return once(Dyndns2Code::NumHost);
    }
    if (w.names.empty()) {
        if (visible.size() != 1) return once(Dyndns2Code::NotFqdn);
        w.targets.push_back(visible.front());
        w.lines.emplace_back();
    }
    for (std::string_view raw : w.names) {
        Dyndns2Line line;
        const auth::Host* found = nullptr;
        const auto name = DnsName::parse(raw);
        if (!name) {
            line.code = Dyndns2Code::NotFqdn;
        } else if (name->label_count() == 1) {
            // A bare label: complete it with the account's zone when exactly one host matches.
            int count = 0;
            for (const auth::Host* h : visible)
                if (h->name.labels().front() == name->str()) {
                    found = h;
                    ++count;
                }
            if (count != 1) {
                found = nullptr;
                line.code = Dyndns2Code::NotFqdn;
            }
        } else {
            found = w.principal().updatable_host(*name);
            if (!found) line.code = Dyndns2Code::NoHost;
        }
        w.targets.push_back(found);
        w.lines.push_back(line);
    }
    return std::nullopt;
}

// The addresses asked for, and why they are refused if they are (dnserr without DNS traffic:
// the log says why, or operators look at BIND). offline=YES takes the hosts offline whatever the
// addresses say.
void Dyndns2Dialect::check_addresses(Work& w) const {
    const bool removal = is_dyndns2_delete(w.request.path);
    auto addresses = removal ? parse_dyndns2_delete(w.request.query)
                             : parse_dyndns2_addresses(w.request.query, w.request.client);
    // /nic/delete only removes: offline=YES means nothing there.
    w.offline = !removal && w.request.query.get("offline").value_or("") == "YES";
    if (!addresses) {
        w.refusal = address_error_text(addresses.error());
    } else {
        w.addresses = *addresses;
        for (const FamilyIntent* f : {&addresses->ipv4, &addresses->ipv6})
            if (f->action == FamilyAction::Set && !policy_.allows(*f->address))
                w.refusal = "address " + f->address->to_string() + " is not publicly routable";
        // A prefix is judged by its first address, by the same rule (address.allow included).
        if (const auto& p = addresses->ipv6_prefix; p && !policy_.allows(p->base()))
            w.refusal = "prefix " + p->to_string() + " is not publicly routable";
    }
    if (w.offline) w.refusal.clear();
    if (!w.refusal.empty())
        log_.info(log_start("dyndns2", w.request) + " user=" + w.principal().account.username +
                  " refused: " + w.refusal);
}

// One intent per host; duplicate names in one request share it (and its result). Only domain
// accounts may take hosts offline (protocols.md §7); free accounts get !donator.
void Dyndns2Dialect::build_intents(Work& w) const {
    const bool offline_allowed = w.principal().account.plan == auth::Plan::Domain;
    std::map<std::int64_t, std::size_t> intent_of_host;
    w.intent_of_line.assign(w.targets.size(), std::nullopt);
    for (std::size_t i = 0; i < w.targets.size(); ++i) {
        const auth::Host* target = w.targets[i];
        if (!target) continue;
        if (!w.refusal.empty()) {
            w.lines[i].code = Dyndns2Code::AddressRefused;
            continue;
        }
        if (w.offline && !offline_allowed) {
            w.lines[i].code = Dyndns2Code::NotDonator;
            continue;
        }
        auto [it, inserted] = intent_of_host.emplace(target->id, w.intents.size());
        if (inserted) {
            auto derived = derived_from(w.principal().hosts, *target);
            w.intents.push_back(w.offline ? HostIntent{target, {}, {}, true, {}, std::move(derived)}
                                          : HostIntent{target, w.addresses->ipv4, w.addresses->ipv6,
                                                       false, w.addresses->ipv6_prefix,
                                                       std::move(derived)});
            // wildcard=ON|OFF only where the operator allows it for the zone (else ignored).
            if (!w.offline && target->zone->wildcard_allowed)
                w.intents.back().wildcard = dyndns2_wildcard(w.request.query);
        }
        w.intent_of_line[i] = it->second;
    }
}

// Sends the intents and turns each result into its line's word and echoed addresses.
void Dyndns2Dialect::apply(Work& w) {
    try {
        w.results = updates_.apply(w.intents, clock_());
    } catch (const auth::WouldBlock&) {  // given up on the loop: the next one goes to a worker
        options_.waits->note_wait(w.credentials->username);
        throw;
    }
    if (std::all_of(w.results.begin(), w.results.end(),
                    [](const HostApplyResult& r) { return r.status == ApplyStatus::Unchanged; }))
        options_.waits->clear(w.credentials->username);
    for (std::size_t i = 0; i < w.lines.size(); ++i) {
        if (!w.intent_of_line[i]) continue;
        const HostApplyResult& r = w.results[*w.intent_of_line[i]];
        Dyndns2Line& line = w.lines[i];
        line.code = answer_of(kWords, r.status);
        // One Retry-After for the response: the longest wait of its hosts.
        if (r.status == ApplyStatus::Abuse) w.retry_after = std::max(w.retry_after, r.retry_after);
        if (line.code != Dyndns2Code::Good && line.code != Dyndns2Code::NoChg) continue;
        // An offline host answers "good 0.0.0.0" (just taken offline) or "nochg 0.0.0.0"
        // (already offline): the address dyndns2 uses for "no address".
        if (w.offline)
            line.ipv4 = sentinel_address(IpFamily::V4);
        else
            echo_addresses(line, *w.addresses);
    }
}

// For the update log: which host each line is about, and why it failed; dyndns2_audit adds the
// words.
void Dyndns2Dialect::audit(Work& w) const {
    for (std::size_t i = 0; i < w.lines.size(); ++i) {
        if (w.intent_of_line[i]) {
            w.note.hosts.push_back(audit_applied(*w.targets[i], w.results[*w.intent_of_line[i]]));
            continue;
        }
        auth::AuditHost entry;
        if (w.targets[i]) {
            entry.host_id = w.targets[i]->id;
            entry.name = w.targets[i]->name.str();
            entry.detail = w.refusal;
        } else {
            entry.name = audit_name(w.names[i]);
        }
        w.note.hosts.push_back(std::move(entry));
    }
}

// Each host with the words its client got; built only when it will be printed.
// At info for anything that changed or was refused; a request whose every line is `nochg` is
// at debug (the access line and the update log record it: at keep-alive rates this line was a
// fifth of the gateway's own work per answer).
void Dyndns2Dialect::log_summary(const Work& w) const {
    const bool unchanged = std::all_of(w.lines.begin(), w.lines.end(), [](const Dyndns2Line& line) {
        return line.code == Dyndns2Code::NoChg;
    });
    const LogLevel level = unchanged && !w.lines.empty() ? LogLevel::Debug : LogLevel::Info;
    if (!log_.enabled(level)) return;
    // Appended to one buffer (a temporary string per piece was a tenth of the line's cost).
    std::string line = log_start("dyndns2", w.request);
    line.reserve(line.size() + 64 + w.agent.size() + 64 * w.lines.size());
    line += " user=";
    line += w.principal().account.username;
    line += " agent=\"";
    line += w.agent;
    line += "\" ";
    for (std::size_t i = 0; i < w.lines.size(); ++i) {
        if (i > 0) line += ',';
        if (w.targets[i])
            line += w.targets[i]->name.str();
        else
            line += '-';
        line += ':';
        line += dyndns2_word(w.lines[i]);
    }
    log_.log(level, line);
}

}  // namespace ddns::gateway
