#include "ddns/gateway/dialects/myserver_dialect.hpp"

#include <algorithm>
#include <chrono>
#include <variant>

#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/core/ipv6_prefix.hpp"
#include "ddns/gateway/dialects/audit_facts.hpp"
#include "ddns/gateway/dialects/update_steps.hpp"
#include "myserver_detail.hpp"

namespace ddns::gateway {
namespace {

// MyServer's answers to the shared outcomes, for an Add; kDeleteWords differs where a Delete's
// words do.
constexpr OutcomeWords<MyServerCode> kWords{.bad_credentials = MyServerCode::InvalidPassword,
                                            .account_disabled = MyServerCode::AccountDisabled,
                                            .account_expired = MyServerCode::AccountExpired,
                                            .account_blocked = MyServerCode::PermissionDenied,
                                            .throttled = MyServerCode::TooManyAttempts,
                                            .changed = MyServerCode::AddSuccess,
                                            .unchanged = MyServerCode::RecordAlreadyExists,
                                            .dns_failed = MyServerCode::ServerError,
                                            .backend_failed = MyServerCode::ServerError,
                                            .gone = MyServerCode::RecordNotFound,
                                            .host_blocked = MyServerCode::PermissionDenied,
                                            .over_budget = MyServerCode::TooManyAttempts};

constexpr OutcomeWords<MyServerCode> kDeleteWords = [] {
    OutcomeWords<MyServerCode> words = kWords;
    words.changed = MyServerCode::DeleteSuccess;
    words.unchanged = MyServerCode::RecordNotFound;
    return words;
}();

MyServerReply reply(MyServerCode code) {
    return MyServerReply{code, std::nullopt, std::nullopt};
}

MyServerReply too_many_attempts(std::chrono::seconds retry_after) {
    return MyServerReply{MyServerCode::TooManyAttempts, std::nullopt, std::nullopt, retry_after};
}

}  // namespace

using namespace myserver;

MyServerDialect::MyServerDialect(auth::Authenticator& authenticator, UpdateService& updates,
                                 RecordService& records, const AddressPolicy& policy,
                                 const Logger& log, std::function<auth::TimePoint()> clock)
    : authenticator_(authenticator),
      updates_(updates),
      records_(records),
      policy_(policy),
      log_(log),
      clock_(std::move(clock)) {}

Response MyServerDialect::handle(const RequestView& request) {
    const MyServerParams params = parse_myserver_params(request.query);
    AuditFacts audit;
    const MyServerReply result = run_steps(
        log_, "myserver", [&] { return process(request, params, audit); },
        [] { return reply(MyServerCode::ServerError); });
    return answer(request, params, result, audit);
}

Response MyServerDialect::refuse_method(const RequestView& request) {
    return answer(request, parse_myserver_params(request.query),
                  reply(MyServerCode::InvalidCommand), AuditFacts{});
}

Response MyServerDialect::answer(const RequestView& request, const MyServerParams& params,
                                 const MyServerReply& result, const AuditFacts& audit) const {
    Response response = render_myserver(result);
    if (log_.enabled(LogLevel::Info)) {
        const std::string& body = response.body;
        log_.info(log_start("myserver", request) + " user=" + text::printable(params.user, 100) +
                  " fxn=" + std::string(command_name(params.command)) + " host=" +
                  text::printable(params.host, 100) + " type=" + text::printable(params.type, 100) +
                  " domain=" + text::printable(params.domain, 100) + " result=\"" +
                  body.substr(0, body.find('\r')) + "\"");
    }
    const std::string& body = response.body;
    if (auto note = myserver_audit(result.code, body.substr(0, body.find('\r')), params, audit))
        response.audit = std::move(*note);
    return response;
}

MyServerReply MyServerDialect::process(const RequestView& request, const MyServerParams& params,
                                       AuditFacts& audit) {
    if (!params.command) return reply(MyServerCode::InvalidCommand);
    if (*params.command == MyServerCommand::GetIpAddress)
        return MyServerReply{MyServerCode::IpAddress, request.client, std::nullopt};
    if (params.user.empty()) return reply(MyServerCode::InvalidUsername);

    // An unknown user gets Invalid Password like a wrong password: which names exist stays
    // secret (the authenticator makes both cost the same time, too).
    const auth::AuthOutcome outcome = authenticator_.authenticate(
        params.user, params.password, auth::CredentialPolicy::PasswordOrToken, request.client);
    if (const auto refused = refusal_of(outcome, kWords, audit.account_id))
        return *refused == MyServerCode::TooManyAttempts ? too_many_attempts(outcome.retry_after)
                                                         : reply(*refused);
    const auth::Principal& principal = *outcome.principal;
    if (*params.command == MyServerCommand::Login) return login(principal, params);
    if (principal.account.plan == auth::Plan::Domain)
        return change_zone(principal, params, request, audit);
    return change_host(principal, params, request, audit);
}

MyServerReply MyServerDialect::login(const auth::Principal& principal,
                                     const MyServerParams& params) {
    MyServerLogin info{
        principal.account.username, principal.account.plan, principal.account.expires_at, {}};
    // A token limited to one host sees that host's addresses, not the zone.
    if (principal.account.plan == auth::Plan::Free || !principal.may_manage_zones()) {
        for (const auth::Host* h : principal.updatable_hosts())
            list_host_addresses(*h, h->zone->name, info.records);
        sort_by_owner(info.records, 0);
    } else {
        std::vector<const auth::Zone*> zones;
        if (!params.domain.empty()) {
            const auto zone = pick_zone(principal, params.domain, {});
            if (!zone) return reply(zone.error());
            zones.push_back(*zone);
        } else {
            for (const auto& z : principal.owned_zones) zones.push_back(z.get());
        }
        // HOST relative to the zone only when the listing covers one zone; else full names.
        for (const auth::Zone* zone : zones) {
            const std::size_t from = info.records.size();  // zone by zone, each sorted
            const auto base = zones.size() == 1 ? std::optional(zone->name) : std::nullopt;
            for (auto& record : records_.list(*zone)) info.records.push_back({record, base});
            for (const auth::Host* h : principal.updatable_hosts())
                if (h->zone->id == zone->id) list_host_addresses(*h, base, info.records);
            sort_by_owner(info.records, from);
        }
    }
    return MyServerReply{MyServerCode::LoginSuccess, std::nullopt, std::move(info)};
}

// A free account's name holds a set of A records (the legacy client's round robin, at most
// auth::kMaxIpv4): Add joins the set, Delete removes the given address or, without IP, the
// whole set. Every other dialect replaces the set (see docs/protocols.md, section 4).
MyServerReply MyServerDialect::change_host(const auth::Principal& principal,
                                           const MyServerParams& params, const RequestView& request,
                                           AuditFacts& audit) {
    if (!requested_type(params, auth::Plan::Free)) return reply(MyServerCode::InvalidRecordType);
    const auto host = pick_host(principal, params.host, params.domain);
    if (!host) return reply(host.error());
    const auth::Host& target = **host;
    audit.about(target);
    const bool adding = *params.command == MyServerCommand::Add;

    FamilyIntent intent;
    if (adding) {
        // No IP: the address the request comes from (automatic IP capture).
        const auto address =
            params.value.empty() ? std::optional(request.client) : parse_ipv4(params.value);
        if (!address || !address->is_v4() || !policy_.allows(*address))
            return reply(MyServerCode::InvalidIpAddress);
        const auto held = a_set(target);
        if (!target.offline && held.size() >= auth::kMaxIpv4 &&
            std::find(held.begin(), held.end(), *address) == held.end())
            return reply(MyServerCode::InvalidData);  // the round robin is full
        intent = FamilyIntent::join(*address);
    } else if (!params.value.empty()) {
        const auto address = parse_ipv4(params.value);
        if (!address) return reply(MyServerCode::InvalidIpAddress);
        const auto held = a_set(target);
        if (std::find(held.begin(), held.end(), *address) == held.end())
            return reply(MyServerCode::RecordNotFound);
        intent = FamilyIntent::leave(*address);
    } else {
        if (!target.ipv4) return reply(MyServerCode::RecordNotFound);
        intent = FamilyIntent::remove();
    }
    const auto results = updates_.apply({HostIntent{&target,
                                                    intent,
                                                    FamilyIntent::keep(),
                                                    false,
                                                    {},
                                                    derived_from(principal.hosts, target)}},
                                        clock_());
    audit.applied_to(target, results.front());
    // An Add that repeats the stored address is a no-change update and counts against the
    // budget like any other (TooManyAttempts with Retry-After).
    if (results.front().status == ApplyStatus::Abuse)
        return too_many_attempts(results.front().retry_after);
    // A request that put only a derived host right still changed DNS: a success, not the error
    // line "Record Already Exists" the old client shows as a failure.
    ApplyStatus status = results.front().status;
    if (status == ApplyStatus::Unchanged && !results.front().derived.empty())
        status = ApplyStatus::Changed;
    return reply(answer_of(adding ? kWords : kDeleteWords, status));
}

// A domain account manages its zone: Add is additive (a second A makes a round robin), Delete
// removes one RR (IP/Data given) or the whole RRset (for "MX n": the MX records of preference n).
MyServerReply MyServerDialect::change_zone(const auth::Principal& principal,
                                           const MyServerParams& params, const RequestView& request,
                                           AuditFacts& audit) {
    // A token limited to one host must not reach the rest of the zone.
    if (!principal.may_manage_zones()) return reply(MyServerCode::PermissionDenied);
    const auto type = requested_type(params, auth::Plan::Domain);
    if (!type) return reply(MyServerCode::InvalidRecordType);
    const auto zone = pick_zone(principal, params.domain, params.host);
    if (!zone) return reply(zone.error());
    const auto owner = resolve_myserver_owner(params.host, (*zone)->name);
    if (!owner) return reply(owner.error());
    audit.host = audit_record(*owner, *type, params.value);

    if (*params.command == MyServerCommand::Add) {
        // No IP for an A record: the address the request comes from.
        const std::string value = params.value.empty() && type->type == RecordType::A
                                      ? request.client.to_string()
                                      : params.value;
        const auto data = parse_rdata(*type, value);
        if (!data) return reply(data.error());
        if (const auto* a = std::get_if<IpAddress>(&*data); a && !policy_.allows(*a))
            return reply(MyServerCode::InvalidIpAddress);
        const auto record = ResourceRecord::make(*owner, type->type, (*zone)->default_ttl, *data);
        if (!record) return reply(MyServerCode::InvalidData);
        return reply(audit_result(records_.add(**zone, *record), *audit.host));
    }

    RecordSelector selector{*owner, type->type, std::nullopt, type->mx_preference};
    if (!params.value.empty()) {
        auto data = parse_rdata(*type, params.value);
        if (!data) return reply(data.error());
        selector.data = std::move(*data);
    }
    return reply(audit_result(records_.remove(**zone, selector), *audit.host));
}

}  // namespace ddns::gateway
