#include "ddns/gateway/dialects/myserver_dialect.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <type_traits>
#include <variant>

#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/dialects/audit_facts.hpp"

namespace ddns::gateway {
namespace {

using text::iequals;
using text::trim;

constexpr std::uint16_t kMaxMxPreference = 10;

std::string param(const QueryParams& query, std::string_view name) {
    return std::string(trim(query.get_nocase(name).value_or("")));
}

// "MX n" as the client spells it; everything else by its mnemonic.
std::string type_text(const MyServerType& type) {
    if (type.type == RecordType::MX && type.mx_preference)
        return "MX " + std::to_string(*type.mx_preference);
    return std::string(to_string(type.type));
}

MyServerType listed_type(const ResourceRecord& record) {
    MyServerType out{record.type(), std::nullopt};
    if (const auto* mx = std::get_if<MxData>(&record.data())) out.mx_preference = mx->preference;
    return out;
}

// HOST of a listing: "@" for the apex, the label one level below, else the full name (which
// Add/Delete read back as a full name, so every listed HOST can be sent back unchanged).
std::string host_text(const DnsName& owner, const std::optional<DnsName>& zone) {
    if (!zone) return owner.str();
    const auto relative = owner.relative_to(*zone);
    if (!relative || relative->find('.') != std::string::npos) return owner.str();
    return *relative;
}

// DATA of a listing: addresses as text, names without the trailing dot (as users type them).
std::string data_text(const Rdata& data) {
    return std::visit(
        [](const auto& value) -> std::string {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, IpAddress>) {
                return value.to_string();
            } else if constexpr (std::is_same_v<T, DnsName>) {
                return value.str();
            } else if constexpr (std::is_same_v<T, MxData>) {
                return value.exchange.str();
            } else {
                std::string joined;
                for (const auto& s : value.strings) joined += s;
                return joined;
            }
        },
        data);
}

std::string record_types_text(const MyServerLogin& login) {
    // The original service listed the allowed types sorted as strings ("MX 1,MX 10,MX 2").
    std::vector<std::string> allowed;
    for (const auto& t : myserver_allowed_types(login.plan)) allowed.push_back(type_text(t));
    std::sort(allowed.begin(), allowed.end());
    std::string out;
    for (const auto& t : allowed) out += (out.empty() ? "" : ",") + t;
    out += ";;";
    for (const auto& listed : login.records) {
        out += type_text(listed_type(listed.record)) + ";;" +
               host_text(listed.record.owner(), listed.zone) + ";;" +
               data_text(listed.record.data()) + ";;";
    }
    return out;
}

std::vector<std::string> lines_of(const MyServerReply& reply) {
    switch (reply.code) {
        case MyServerCode::IpAddress:
            return {"DNS LOGIN:SUCCESS",
                    "IPAddress:" + (reply.address ? reply.address->to_string() : std::string())};
        case MyServerCode::LoginSuccess: {
            if (!reply.login) return {"Error:Server Error"};
            const MyServerLogin& login = *reply.login;
            // Without an expiry date: SQL Server's largest datetime, i.e. "never".
            return {"DNS LOGIN:SUCCESS",
                    "ExpirationDate:" + (login.expires_at ? format_myserver_date(*login.expires_at)
                                                          : std::string("Dec 31 9999 11:59PM")),
                    "UserName:" + login.username,
                    std::string("UserLevel:") + (login.plan == auth::Plan::Domain ? "2" : "1"),
                    "RecordTypes:" + record_types_text(login)};
        }
        case MyServerCode::AddSuccess:
            return {"DNS ADD:SUCCESS"};
        case MyServerCode::DeleteSuccess:
            return {"DNS DELETE:SUCCESS"};
        case MyServerCode::InvalidPassword:
            return {"Error:Invalid Password"};
        case MyServerCode::InvalidUsername:
            return {"Error:Invalid Username"};
        case MyServerCode::AccountExpired:
            return {"Error:Account Expired"};
        case MyServerCode::InvalidCommand:
            return {"Error:Invalid Command"};
        case MyServerCode::InvalidIpAddress:
            return {"Error:Invalid IP Address"};
        case MyServerCode::InvalidRecordType:
            return {"Error:Invalid Record Type"};
        case MyServerCode::InvalidHost:
            return {"Error:Invalid Host"};
        case MyServerCode::InvalidData:
            return {"Error:Invalid Data"};
        case MyServerCode::InvalidDomain:
            return {"Error:Invalid Domain"};
        case MyServerCode::RecordNotFound:
            return {"Error:Record Not Found"};
        case MyServerCode::RecordAlreadyExists:
            return {"Error:Record Already Exists"};
        case MyServerCode::CnameConflict:
            return {"Error:CNAME Conflict"};
        case MyServerCode::PermissionDenied:
        case MyServerCode::AccountDisabled:
            return {"Error:Permission Denied"};
        case MyServerCode::TooManyAttempts:
            return {"Error:Too Many Attempts"};
        case MyServerCode::ServerError:
            return {"Error:Server Error"};
    }
    return {"Error:Server Error"};
}

MyServerReply reply(MyServerCode code) {
    return MyServerReply{code, std::nullopt, std::nullopt};
}

MyServerReply too_many_attempts(std::chrono::seconds retry_after) {
    return MyServerReply{MyServerCode::TooManyAttempts, std::nullopt, std::nullopt, retry_after};
}

}  // namespace

std::optional<MyServerCommand> parse_myserver_command(std::string_view fxn) {
    if (iequals(fxn, "GetIPAddress")) return MyServerCommand::GetIpAddress;
    if (iequals(fxn, "Login")) return MyServerCommand::Login;
    if (iequals(fxn, "Add")) return MyServerCommand::Add;
    if (iequals(fxn, "Delete")) return MyServerCommand::Delete;
    return std::nullopt;
}

std::optional<MyServerType> parse_myserver_type(std::string_view text) {
    text = trim(text, " \t+");
    if (iequals(text, "A")) return MyServerType{RecordType::A, std::nullopt};
    if (iequals(text, "CNAME")) return MyServerType{RecordType::CNAME, std::nullopt};
    if (iequals(text, "NS")) return MyServerType{RecordType::NS, std::nullopt};
    if (text.size() < 3 || !iequals(text.substr(0, 2), "MX")) return std::nullopt;
    // '+' is how a form encodes the space in "MX 10"; the gateway keeps '+' literally.
    const std::string_view number = trim(text.substr(2), " \t+");
    if (number.empty() || number.size() > 2) return std::nullopt;
    unsigned preference = 0;
    for (char c : number) {
        if (c < '0' || c > '9') return std::nullopt;
        preference = preference * 10 + static_cast<unsigned>(c - '0');
    }
    if (preference < 1 || preference > kMaxMxPreference) return std::nullopt;
    return MyServerType{RecordType::MX, static_cast<std::uint16_t>(preference)};
}

std::vector<MyServerType> myserver_allowed_types(auth::Plan plan) {
    if (plan == auth::Plan::Free) return {MyServerType{RecordType::A, std::nullopt}};
    std::vector<MyServerType> out{{RecordType::A, std::nullopt},
                                  {RecordType::CNAME, std::nullopt},
                                  {RecordType::NS, std::nullopt}};
    for (std::uint16_t p = 1; p <= kMaxMxPreference; ++p) out.push_back({RecordType::MX, p});
    return out;
}

Response render_myserver(const MyServerReply& reply) {
    std::string body;
    for (const auto& line : lines_of(reply)) body += line + "\r\n";
    Response r = Response::text(200, "OK", std::move(body));
    if (reply.code == MyServerCode::TooManyAttempts)
        r.headers.push_back(
            {"Retry-After", std::to_string(std::max<long long>(1, reply.retry_after.count()))});
    return r;
}

std::string format_myserver_date(auth::TimePoint time) {
    using namespace std::chrono;
    static constexpr std::array<const char*, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto day = floor<days>(time);
    const year_month_day date{day};
    const hh_mm_ss clock{floor<minutes>(time - day)};
    const auto hours24 = clock.hours().count();
    const long hours12 = hours24 % 12 == 0 ? 12 : hours24 % 12;
    std::array<char, 32> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%s %2u %d %2ld:%02ld%s",
                  kMonths.at(static_cast<unsigned>(date.month()) - 1),
                  static_cast<unsigned>(date.day()), static_cast<int>(date.year()), hours12,
                  static_cast<long>(clock.minutes().count()), hours24 < 12 ? "AM" : "PM");
    return buffer.data();
}

MyServerParams parse_myserver_params(const QueryParams& query) {
    MyServerParams p;
    p.command = parse_myserver_command(param(query, "FXN"));
    p.user = param(query, "Usr");
    // The password is taken as sent: spaces may be part of it.
    p.password = Secret(query.get_nocase("Pwd").value_or(""));
    p.host = param(query, "Host");
    p.type = param(query, "Type");
    p.value = param(query, "Data");
    if (p.value.empty()) p.value = param(query, "IP");
    p.domain = param(query, "Domain");
    return p;
}

Expected<DnsName, MyServerCode> resolve_myserver_owner(std::string_view host, const DnsName& zone) {
    if (host.empty() || host == "@") return zone;
    if (host.find('.') == std::string_view::npos) {
        const auto name = DnsName::parse(host);
        if (!name) return Unexpected{MyServerCode::InvalidHost};
        const auto owner = zone.prepend(name->str());
        if (!owner) return Unexpected{MyServerCode::InvalidHost};
        return *owner;
    }
    const auto name = DnsName::parse(host);
    if (!name) return Unexpected{MyServerCode::InvalidHost};
    if (!name->is_at_or_below(zone)) return Unexpected{MyServerCode::PermissionDenied};
    return *name;
}

namespace {

bool is_full_name(std::string_view host) {
    return host.find('.') != std::string_view::npos;
}

// A token limited to one host sees only that host (as in dyndns2).
std::vector<const auth::Host*> visible_hosts(const auth::Principal& principal) {
    const bool scoped = principal.token && principal.token->host_id.has_value();
    std::vector<const auth::Host*> out;
    for (const auto& h : principal.hosts)
        if (!scoped || *principal.token->host_id == h.id) out.push_back(&h);
    return out;
}

// The owned zone a domain account's request is about: the one Domain names, else the one that
// contains a full-name Host, else the only one.
Expected<const auth::Zone*, MyServerCode> pick_zone(const auth::Principal& principal,
                                                    std::string_view domain,
                                                    std::string_view host) {
    const auto& zones = principal.owned_zones;
    if (!domain.empty()) {
        const auto name = DnsName::parse(domain);
        if (!name) return Unexpected{MyServerCode::InvalidDomain};
        for (const auto& z : zones)
            if (z->name == *name) return z.get();
        return Unexpected{MyServerCode::PermissionDenied};
    }
    if (is_full_name(host)) {
        const auto name = DnsName::parse(host);
        if (!name) return Unexpected{MyServerCode::InvalidHost};
        const auth::Zone* best = nullptr;  // the closest enclosing zone wins
        for (const auto& z : zones)
            if (name->is_at_or_below(z->name) &&
                (!best || z->name.label_count() > best->name.label_count()))
                best = z.get();
        if (!best) return Unexpected{MyServerCode::PermissionDenied};
        return best;
    }
    if (zones.empty()) return Unexpected{MyServerCode::PermissionDenied};
    if (zones.size() > 1) return Unexpected{MyServerCode::InvalidDomain};
    return zones.front().get();
}

// The host a free account's request is about: Host as label or full name (within Domain when
// given), or the account's only host when Host is absent.
Expected<const auth::Host*, MyServerCode> pick_host(const auth::Principal& principal,
                                                    std::string_view host,
                                                    std::string_view domain) {
    std::vector<const auth::Host*> candidates = visible_hosts(principal);
    if (!domain.empty()) {
        const auto name = DnsName::parse(domain);
        if (!name) return Unexpected{MyServerCode::InvalidDomain};
        std::erase_if(candidates, [&](const auth::Host* h) { return h->zone->name != *name; });
        if (candidates.empty()) return Unexpected{MyServerCode::PermissionDenied};
    }
    if (host.empty()) {
        if (candidates.size() == 1) return candidates.front();
        if (candidates.empty()) return Unexpected{MyServerCode::PermissionDenied};
        return Unexpected{MyServerCode::InvalidHost};
    }
    std::vector<const auth::Host*> matches;
    for (const auth::Host* h : candidates) {
        const auto owner = resolve_myserver_owner(host, h->zone->name);
        if (!owner && owner.error() == MyServerCode::InvalidHost) return Unexpected{owner.error()};
        if (owner && *owner == h->name) matches.push_back(h);
    }
    if (matches.empty()) return Unexpected{MyServerCode::PermissionDenied};
    // The same label in two shared zones: Domain must say which.
    if (matches.size() > 1) return Unexpected{MyServerCode::InvalidDomain};
    return matches.front();
}

std::optional<IpAddress> parse_ipv4(std::string_view text) {
    auto address = IpAddress::parse(text);
    if (!address || !address->is_v4()) return std::nullopt;
    return address;
}

// IP/Data of a domain account's record: an IPv4 address for A, a name (trailing dot optional,
// always absolute) for CNAME, NS and MX.
Expected<Rdata, MyServerCode> parse_rdata(const MyServerType& type, std::string_view value) {
    if (type.type == RecordType::A) {
        const auto address = parse_ipv4(value);
        if (!address) return Unexpected{MyServerCode::InvalidIpAddress};
        return Rdata{*address};
    }
    const auto name = DnsName::parse(value);
    if (!name) return Unexpected{MyServerCode::InvalidData};
    if (type.type == RecordType::MX) return Rdata{MxData{type.mx_preference.value_or(0), *name}};
    return Rdata{*name};
}

MyServerCode code_of(RecordOutcome outcome) {
    switch (outcome) {
        case RecordOutcome::Added:
            return MyServerCode::AddSuccess;
        case RecordOutcome::Removed:
            return MyServerCode::DeleteSuccess;
        case RecordOutcome::AlreadyExists:
            return MyServerCode::RecordAlreadyExists;
        case RecordOutcome::NotFound:
            return MyServerCode::RecordNotFound;
        case RecordOutcome::CnameConflict:
            return MyServerCode::CnameConflict;
        case RecordOutcome::NameTaken:
        case RecordOutcome::OutsideZone:
            return MyServerCode::PermissionDenied;
        case RecordOutcome::DnsFailed:
        case RecordOutcome::StoreFailed:
            return MyServerCode::ServerError;
    }
    return MyServerCode::ServerError;
}

// The type a request names (A when absent), if the plan allows it.
std::optional<MyServerType> requested_type(const MyServerParams& params, auth::Plan plan) {
    const auto type = params.type.empty() ? std::optional(MyServerType{RecordType::A, {}})
                                          : parse_myserver_type(params.type);
    if (!type) return std::nullopt;
    const auto allowed = myserver_allowed_types(plan);
    if (std::find(allowed.begin(), allowed.end(), *type) == allowed.end()) return std::nullopt;
    return type;
}

void list_host_addresses(const auth::Host& host, const std::optional<DnsName>& zone,
                         std::vector<MyServerListedRecord>& out) {
    for (const auto& address : {host.ipv4, host.ipv6})
        if (address) out.push_back({ResourceRecord::address(host.name, host.ttl, *address), zone});
}

// Sorts records[from..] by owner name, keeping the store's type/data order within a name.
void sort_by_owner(std::vector<MyServerListedRecord>& records, std::size_t from) {
    std::stable_sort(records.begin() + static_cast<std::ptrdiff_t>(from), records.end(),
                     [](const MyServerListedRecord& a, const MyServerListedRecord& b) {
                         return a.record.owner() < b.record.owner();
                     });
}

std::string_view command_name(const std::optional<MyServerCommand>& command) {
    if (!command) return "-";
    switch (*command) {
        case MyServerCommand::GetIpAddress:
            return "getipaddress";
        case MyServerCommand::Login:
            return "login";
        case MyServerCommand::Add:
            return "add";
        case MyServerCommand::Delete:
            return "delete";
    }
    return "-";
}

// The update-log entry of a record operation: no host row, the owner name, and "TYPE[ DATA]"
// as the detail (data only when it parses, so no raw client text reaches the log).
auth::AuditHost audit_record(const DnsName& owner, const MyServerType& type,
                             std::string_view value) {
    auth::AuditHost entry;
    entry.name = owner.str();
    entry.detail = type_text(type) + " record";
    if (!value.empty())
        if (const auto data = parse_rdata(type, value)) entry.detail += " " + data_text(*data);
    return entry;
}

// The code of a record operation's result; a DNS failure also goes into the entry's detail.
MyServerCode audit_result(const RecordResult& result, auth::AuditHost& entry) {
    if (result.outcome == RecordOutcome::DnsFailed)
        entry.detail += ": DNS update failed: " + std::string(to_string(result.dns_status));
    return code_of(result.outcome);
}

}  // namespace

auth::FaultClass myserver_fault(MyServerCode code) noexcept {
    switch (code) {
        case MyServerCode::IpAddress:
        case MyServerCode::LoginSuccess:
        case MyServerCode::AddSuccess:
        case MyServerCode::DeleteSuccess:
            return auth::FaultClass::None;
        case MyServerCode::InvalidPassword:
        case MyServerCode::AccountExpired:
        case MyServerCode::AccountDisabled:
            return auth::FaultClass::Auth;
        case MyServerCode::ServerError:
            return auth::FaultClass::Server;
        case MyServerCode::InvalidUsername:
        case MyServerCode::InvalidCommand:
        case MyServerCode::InvalidIpAddress:
        case MyServerCode::InvalidRecordType:
        case MyServerCode::InvalidHost:
        case MyServerCode::InvalidData:
        case MyServerCode::InvalidDomain:
        case MyServerCode::RecordNotFound:
        case MyServerCode::RecordAlreadyExists:
        case MyServerCode::CnameConflict:
        case MyServerCode::PermissionDenied:
        case MyServerCode::TooManyAttempts:
            return auth::FaultClass::Client;
    }
    return auth::FaultClass::Client;
}

std::optional<auth::AuditNote> myserver_audit(MyServerCode code, std::string_view word,
                                              const MyServerParams& params,
                                              const AuditFacts& facts) {
    if (params.command == MyServerCommand::GetIpAddress) return std::nullopt;
    auth::AuditNote note;
    note.dialect = "myserver";
    note.account_id = facts.account_id;
    note.username = params.user;
    auth::AuditHost entry;
    if (facts.host) {
        entry = *facts.host;
    } else if (!params.host.empty() && !is_full_name(params.host) && !params.domain.empty()) {
        entry.name = audit_name(params.host + "." + params.domain);
    } else if (params.host != "@") {
        entry.name = audit_name(params.host);
    }
    entry.outcome = audit_word(word);
    entry.fault = myserver_fault(code);
    if (code == MyServerCode::RecordAlreadyExists && facts.applied == ApplyStatus::Unchanged)
        entry.fault = auth::FaultClass::None;
    note.hosts.push_back(std::move(entry));
    return note;
}

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
    MyServerReply result;
    AuditFacts audit;
    try {
        result = process(request, params, audit);
    } catch (const std::exception& e) {
        log_.error(std::string("myserver: backend failure: ") + e.what());
        result = reply(MyServerCode::ServerError);
    }
    Response response = render_myserver(result);
    if (log_.enabled(LogLevel::Info)) {
        const std::string& body = response.body;
        log_.info("myserver client=" + request.client.to_string() +
                  " user=" + text::printable(params.user, 100) +
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
    if (request.method != "GET" && request.method != "POST" && request.method != "HEAD")
        return reply(MyServerCode::InvalidCommand);
    if (!params.command) return reply(MyServerCode::InvalidCommand);
    if (*params.command == MyServerCommand::GetIpAddress)
        return MyServerReply{MyServerCode::IpAddress, request.client, std::nullopt};
    if (params.user.empty()) return reply(MyServerCode::InvalidUsername);

    // An unknown user gets Invalid Password like a wrong password: which names exist stays
    // secret (the authenticator makes both cost the same time, too).
    const auth::AuthOutcome outcome = authenticator_.authenticate(
        params.user, params.password, auth::CredentialPolicy::PasswordOrToken, request.client);
    if (outcome.principal) audit.account_id = outcome.principal->account.id;
    switch (outcome.status) {
        case auth::AuthStatus::Ok:
            break;
        case auth::AuthStatus::BadCredentials:
            return reply(MyServerCode::InvalidPassword);
        case auth::AuthStatus::Expired:
            return reply(MyServerCode::AccountExpired);
        case auth::AuthStatus::Disabled:
            return reply(MyServerCode::AccountDisabled);
        case auth::AuthStatus::Blocked:
            return reply(MyServerCode::PermissionDenied);
        case auth::AuthStatus::Throttled:
            return too_many_attempts(outcome.retry_after);
    }
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
    const bool scoped = principal.token && principal.token->host_id;
    if (principal.account.plan == auth::Plan::Free || scoped) {
        for (const auth::Host* h : visible_hosts(principal))
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
            for (const auth::Host* h : visible_hosts(principal))
                if (h->zone->id == zone->id) list_host_addresses(*h, base, info.records);
            sort_by_owner(info.records, from);
        }
    }
    return MyServerReply{MyServerCode::LoginSuccess, std::nullopt, std::move(info)};
}

// A free account's name holds one address per family: Add replaces the A record, Delete removes
// it (only the given address, when IP is sent).
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
        intent = FamilyIntent::set(*address);
    } else {
        if (!params.value.empty()) {
            const auto address = parse_ipv4(params.value);
            if (!address) return reply(MyServerCode::InvalidIpAddress);
            if (target.ipv4 != address) return reply(MyServerCode::RecordNotFound);
        }
        if (!target.ipv4) return reply(MyServerCode::RecordNotFound);
        intent = FamilyIntent::remove();
    }
    const auto results =
        updates_.apply({HostIntent{&target, intent, FamilyIntent::keep()}}, clock_());
    audit.applied_to(target, results.front());
    switch (results.front().status) {
        case ApplyStatus::Changed:
            return reply(adding ? MyServerCode::AddSuccess : MyServerCode::DeleteSuccess);
        case ApplyStatus::Unchanged:
            return reply(adding ? MyServerCode::RecordAlreadyExists : MyServerCode::RecordNotFound);
        case ApplyStatus::Gone:
            return reply(MyServerCode::RecordNotFound);
        case ApplyStatus::DnsFailed:
        case ApplyStatus::StoreFailed:
        case ApplyStatus::InDoubt:
            return reply(MyServerCode::ServerError);
        case ApplyStatus::Blocked:
            return reply(MyServerCode::PermissionDenied);
        case ApplyStatus::Abuse:
            // An Add that repeats the stored address is a no-change update and counts against
            // the budget like any other.
            return too_many_attempts(results.front().retry_after);
    }
    return reply(MyServerCode::ServerError);
}

// A domain account manages its zone: Add is additive (a second A makes a round robin), Delete
// removes one RR (IP/Data given) or the whole RRset (for "MX n": the MX records of preference n).
MyServerReply MyServerDialect::change_zone(const auth::Principal& principal,
                                           const MyServerParams& params, const RequestView& request,
                                           AuditFacts& audit) {
    // A token limited to one host must not reach the rest of the zone.
    if (principal.token && principal.token->host_id) return reply(MyServerCode::PermissionDenied);
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
