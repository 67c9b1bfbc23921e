// MyServer wire words: parsing the request's parameters and rendering every reply.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <type_traits>
#include <variant>

#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/dialects/myserver_dialect.hpp"
#include "myserver_detail.hpp"

namespace ddns::gateway {

namespace myserver {

std::string type_text(const MyServerType& type) {
    if (type.type == RecordType::MX && type.mx_preference)
        return "MX " + std::to_string(*type.mx_preference);
    return std::string(to_string(type.type));
}

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

}  // namespace myserver

namespace {

using myserver::data_text;
using myserver::type_text;
using text::iequals;
using text::trim;

constexpr std::uint16_t kMaxMxPreference = 10;

std::string param(const QueryParams& query, std::string_view name) {
    return std::string(trim(query.get_nocase(name).value_or("")));
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

}  // namespace ddns::gateway
