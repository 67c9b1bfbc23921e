// dyndns2's wire: its words, the address parameters, whose fault an answer is, and the
// update-log note (protocols.md §1).
#include <charconv>
#include <string_view>

#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/core/ipv6_prefix.hpp"
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

namespace {

// "/len" after an address: a number up to the family's width, else Malformed.
Expected<std::optional<unsigned>, AddressError> suffix_length(std::string_view suffix,
                                                              const IpAddress& address) {
    if (suffix.empty()) return std::optional<unsigned>{};
    unsigned length = 0;
    const auto [end, ec] = std::from_chars(suffix.data(), suffix.data() + suffix.size(), length);
    if (ec != std::errc{} || end != suffix.data() + suffix.size() || suffix.size() > 3 ||
        length > (address.is_v4() ? 32u : 128u))
        return Unexpected{AddressError::Malformed};
    return std::optional<unsigned>{length};
}

// Keeps one prefix per request: a second, different one is Conflicting.
std::optional<AddressError> take_prefix(std::optional<IpNetwork>& slot, const IpNetwork& prefix) {
    if (slot && *slot != prefix) return AddressError::Conflicting;
    slot = prefix;
    return std::nullopt;
}

// ip6lanprefix: absent or empty is fine (a FRITZ!Box without IPv6 sends it empty).
std::optional<AddressError> read_lan_prefix(const QueryParams& query, Dyndns2Addresses& out) {
    const auto value = query.get("ip6lanprefix");
    if (!value || trim(*value).empty()) return std::nullopt;
    const auto prefix = parse_router_prefix(trim(*value));
    if (prefix) return take_prefix(out.ipv6_prefix, *prefix);
    switch (prefix.error()) {
        case PrefixError::Length:
            return AddressError::PrefixLength;
        case PrefixError::NotAPrefix:
            return AddressError::NotAPrefix;
        case PrefixError::Malformed:
            break;
    }
    return AddressError::Malformed;
}

}  // namespace

namespace {

// One address of the address parameters: the address and its "/len" (nullopt: none).
struct AddressToken {
    IpAddress address;
    std::optional<unsigned> length;
};

// Calls `take` for every non-empty item of myip, myipv4, myipv6, ip and ipv6, in that order; the
// first error (Malformed for an item that is no address with a valid length, or take's) ends it.
template <class Take>
std::optional<AddressError> each_address(const QueryParams& query, Take take) {
    for (const char* name : {"myip", "myipv4", "myipv6", "ip", "ipv6"}) {
        const auto value = query.get(name);
        if (!value) continue;
        for (std::string_view token : split_list(*value)) {
            if (token.empty()) continue;
            const auto slash = token.find('/');
            const auto address = IpAddress::parse(token.substr(0, slash));
            if (!address) return AddressError::Malformed;
            std::optional<unsigned> length;
            if (slash != std::string_view::npos) {
                const auto read = suffix_length(token.substr(slash + 1), *address);
                if (!read || !*read) return AddressError::Malformed;
                length = *read;
            }
            if (auto e = take(AddressToken{*address, length})) return e;
        }
    }
    return std::nullopt;
}

}  // namespace

Expected<Dyndns2Addresses, AddressError> parse_dyndns2_addresses(const QueryParams& query,
                                                                 const IpAddress& client) {
    Dyndns2Addresses out;
    bool any = false;
    const auto error =
        each_address(query, [&](const AddressToken& t) -> std::optional<AddressError> {
            // "2001:db8:1:2::/64" (FRITZ!Box, deSEC): the address, and the prefix it lies in.
            if (t.length && t.address.is_v6() && !t.address.is_unspecified()) {
                if (*t.length < kMinPrefixLength) return AddressError::PrefixLength;
                if (*t.length <= kMaxPrefixLength)
                    if (auto e = take_prefix(out.ipv6_prefix, IpNetwork(t.address, *t.length)))
                        return e;
            }
            const FamilyIntent intent =
                t.address.is_unspecified() ? FamilyIntent::remove() : FamilyIntent::set(t.address);
            FamilyIntent& slot = t.address.is_v4() ? out.ipv4 : out.ipv6;
            if (slot.action != FamilyAction::Keep &&
                (slot.action != intent.action || slot.address != intent.address))
                return AddressError::Conflicting;
            slot = intent;
            any = true;
            return std::nullopt;
        });
    if (error) return Unexpected{*error};
    if (auto e = read_lan_prefix(query, out)) return Unexpected{*e};
    if (!any) {
        (client.is_v4() ? out.ipv4 : out.ipv6) = FamilyIntent::set(client);
    }
    return out;
}

Expected<Dyndns2Addresses, AddressError> parse_dyndns2_delete(const QueryParams& query) {
    Dyndns2Addresses out;
    bool any = false;
    const auto error =
        each_address(query, [&](const AddressToken& t) -> std::optional<AddressError> {
            (t.address.is_v4() ? out.ipv4 : out.ipv6) = FamilyIntent::remove();
            any = true;
            return std::nullopt;
        });
    if (error) return Unexpected{*error};
    if (!any) out = Dyndns2Addresses{FamilyIntent::remove(), FamilyIntent::remove()};
    return out;
}

std::optional<bool> dyndns2_wildcard(const QueryParams& query) {
    const auto value = query.get("wildcard");
    if (!value) return std::nullopt;
    if (text::iequals(*value, "ON")) return true;
    if (text::iequals(*value, "OFF")) return false;
    return std::nullopt;
}

bool is_dyndns2_delete(std::string_view path) {
    return text::iequals(text::trim(path, "/"), "nic/delete");
}

}  // namespace ddns::gateway
