// `ddns-gateway admin` commands on the records of domain accounts, through RecordService.
#include "admin_output.hpp"
#include "admin_support.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "ddns/auth/password.hpp"
#include "ddns/auth/token.hpp"
#include "ddns/gateway/base/duration.hpp"
#include "ddns/gateway/base/text.hpp"
#include "ddns/gateway/base/utc_time.hpp"
#include "ddns/gateway/cli/commands.hpp"
#include "ddns/gateway/core/host_lifecycle.hpp"
#include "ddns/gateway/core/record_service.hpp"
#include "ddns/sql/admin_repository.hpp"
#include "ddns/sql/audit_repository.hpp"
#include "ddns/sql/database.hpp"
#include "ddns/sql/pg_store.hpp"

namespace ddns::gateway {
namespace {

std::string describe(const ResourceRecord& r) {
    return r.owner().str() + " " + std::string(to_string(r.type())) + " " + r.data_text() +
           " (ttl " + std::to_string(r.ttl()) + ")";
}

// One line per outcome; exit 0 only when the change happened.
int report(AdminContext& cx, const RecordResult& result, const auth::Zone& zone,
           const DnsName& name, const std::string& what) {
    switch (result.outcome) {
        case RecordOutcome::Added:
            cx.out << what << " added\n";
            return 0;
        case RecordOutcome::Removed:
            cx.out << what << " removed\n";
            return 0;
        case RecordOutcome::AlreadyExists:
            return cx.fail(what + " already exists");
        case RecordOutcome::NotFound:
            return cx.fail(what + ": no such record");
        case RecordOutcome::CnameConflict:
            return cx.fail(name.str() +
                           ": a CNAME cannot share its name with other records (nor stand at "
                           "the zone apex); nothing changed");
        case RecordOutcome::NameTaken:
            if (name == zone.name)
                return cx.fail("the NS records of the zone apex belong to the zone's operator");
            return cx.fail(name.str() +
                           (name.str().starts_with("*.")
                                ? " is a dynamic host's wildcard mirror (the host mirrors its "
                                  "addresses there, or its zone allows it)"
                                : " is a dynamic host's name") +
                           ": its addresses come from the host's updates, and it takes no A, "
                           "AAAA, CNAME or NS records");
        case RecordOutcome::OutsideZone:
            return cx.fail(name.str() + " is outside zone " + zone.name.str());
        case RecordOutcome::TargetWithoutAddress:
            return cx.fail(what +
                           ": the target lies in the zone and has no address; BIND refuses it "
                           "(add the target's A or AAAA first)");
        case RecordOutcome::DnsFailed:
            return cx.fail("BIND at " + zone.server.to_string() + " answered " +
                           std::string(to_string(result.dns_status)) + "; nothing changed" +
                           (result.dns_status == UpdateStatus::Refused
                                ? " (named's log says why: update-policy or check-names)"
                                : ""));
        case RecordOutcome::StoreFailed:
            return cx.fail("database failure (see the log above); nothing changed");
    }
    return cx.fail("unexpected outcome");
}

// The zone a record command acts on, or why it may not: only zones owned by a domain
// account hold records (their owner manages them; the operator's commands mirror that).
Expected<auth::Zone, std::string> owned_zone(AdminContext& cx, std::optional<auth::Zone> zone,
                                             const DnsName& name) {
    if (!zone) return Unexpected{"no registered zone contains " + name.str()};
    const auto owner = cx.repo.zone_owner(zone->id);
    if (!owner || owner->plan != auth::Plan::Domain)
        return Unexpected{"zone " + zone->name.str() +
                          " is not owned by a domain account; records are managed only in "
                          "zones added with --owner USER"};
    return std::move(*zone);
}

}  // namespace

int record_add(AdminContext& cx, const Args& a) {
    a.only({"--ttl"});
    const DnsName name = need_name(arg(a, 0, "FQDN"), "record name");
    const auto type = parse_record_type(arg(a, 1, "TYPE"));
    if (!type) return cx.fail("TYPE must be one of A, AAAA, CNAME, MX, NS, TXT");
    const std::vector<std::string> words(a.words.begin() + 2, a.words.end());
    if (words.empty()) throw UsageError("missing DATA");
    auto data = parse_rdata(*type, words);
    if (!data) return cx.fail(data.error());
    auto zone = owned_zone(cx, cx.repo.find_zone_containing(name), name);
    if (!zone) return cx.fail(zone.error());
    std::uint32_t ttl = zone->default_ttl;
    if (auto t = a.opt("--ttl")) {
        const auto given = parse_number(*t, kMaxTtl);
        if (!given) return cx.fail("--ttl must be 0..86400");
        ttl = *given;
    }
    const auto record = ResourceRecord::make(name, *type, ttl, *std::move(data));
    if (!record)
        return cx.fail("the data does not fit a " + std::string(to_string(*type)) + " record");
    RecordService records(cx.dns, cx.store, cx.log);
    const auto result = records.add(*zone, *record);
    return report(cx, result, *zone, name, "record " + describe(*record));
}

int record_remove(AdminContext& cx, const Args& a) {
    a.only({});
    const DnsName name = need_name(arg(a, 0, "FQDN"), "record name");
    const auto type = parse_record_type(arg(a, 1, "TYPE"));
    if (!type) return cx.fail("TYPE must be one of A, AAAA, CNAME, MX, NS, TXT");
    const std::vector<std::string> words(a.words.begin() + 2, a.words.end());
    RecordSelector selector{name, *type, std::nullopt, std::nullopt};
    std::string what = name.str() + " " + std::string(to_string(*type));
    if (*type == RecordType::MX && words.size() == 1) {
        selector.mx_preference = parse_number(words[0], 65535);
        if (!selector.mx_preference) return cx.fail("MX preference must be 0..65535");
        what += " " + words[0];
    } else if (!words.empty()) {
        auto data = parse_rdata(*type, words);
        if (!data) return cx.fail(data.error());
        const auto probe = ResourceRecord::make(name, *type, 0, *data);
        if (!probe)
            return cx.fail("the data does not fit a " + std::string(to_string(*type)) + " record");
        what += " " + probe->data_text();
        selector.data = *std::move(data);
    }
    auto zone = owned_zone(cx, cx.repo.find_zone_containing(name), name);
    if (!zone) return cx.fail(zone.error());
    RecordService records(cx.dns, cx.store, cx.log);
    return report(cx, records.remove(*zone, selector), *zone, name, "record(s) " + what);
}

int record_list(AdminContext& cx, const Args& a) {
    const DnsName name = need_name(arg(a, 0, "ZONE"), "zone name");
    auto zone = cx.repo.find_zone(name);
    if (!zone) return cx.fail("zone " + name.str() + ": not found");
    auto owned = owned_zone(cx, std::move(zone), name);
    if (!owned) return cx.fail(owned.error());
    RecordService records(cx.dns, cx.store, cx.log);
    Listing list({{"NAME", "name"}, {"TYPE", "type"}, {"TTL", "ttl"}, {"DATA", "data"}});
    for (const auto& r : records.list(*owned))
        list.add({text_cell(r.owner().str()), text_cell(to_string(r.type())), number_cell(r.ttl()),
                  text_cell(r.data_text())});
    list.print(cx.out, wants_json(a));
    return 0;
}

}  // namespace ddns::gateway
