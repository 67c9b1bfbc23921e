// dyndns2's wire: its words, the address parameters, whose fault an answer is, and the
// update-log note (protocols.md §1).
#include <string_view>

#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/dialects/audit_facts.hpp"
#include "ddns/gateway/dialects/dyndns2_dialect.hpp"

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

}  // namespace

std::string dyndns2_word(const Dyndns2Line& line) {
    switch (line.code) {
        case Dyndns2Code::Good:
            return "good " + addresses_text(line);
        case Dyndns2Code::NoChg:
            return "nochg " + addresses_text(line);
        case Dyndns2Code::BadAuth:
        case Dyndns2Code::NoCredentials:
            return "badauth";
        case Dyndns2Code::NotFqdn:
            return "notfqdn";
        case Dyndns2Code::NoHost:
            return "nohost";
        case Dyndns2Code::NumHost:
            return "numhost";
        case Dyndns2Code::Abuse:
            return "abuse";
        case Dyndns2Code::BadAgent:
            return "badagent";
        case Dyndns2Code::BadSys:
            return "badsys";
        case Dyndns2Code::NotDonator:
            return "!donator";
        case Dyndns2Code::DnsErr:
        case Dyndns2Code::AddressRefused:
            return "dnserr";
        case Dyndns2Code::ServerError:
            return "911";
    }
    return "911";
}

Response render_dyndns2(const std::vector<Dyndns2Line>& lines, const std::string& realm,
                        std::chrono::seconds retry_after) {
    std::string body;
    bool unauthorized = false;
    for (const auto& line : lines) {
        if (!body.empty()) body += '\n';
        body += dyndns2_word(line);
        unauthorized = unauthorized || line.code == Dyndns2Code::BadAuth ||
                       line.code == Dyndns2Code::NoCredentials;
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
            entry.name = audit_name(raw);
            note.hosts.push_back(std::move(entry));
        }
        if (note.hosts.empty()) note.hosts.emplace_back();
    }
    for (std::size_t i = 0; i < note.hosts.size(); ++i) {
        const Dyndns2Line& line = lines.size() == note.hosts.size() ? lines[i] : lines.front();
        const std::string word = dyndns2_word(line);
        note.hosts[i].outcome = word.substr(0, word.find(' '));
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

}  // namespace ddns::gateway
