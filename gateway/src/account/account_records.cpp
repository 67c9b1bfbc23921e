// The account use cases on the records of zones a domain account owns: the record service's
// rules (admin record's), limited to the caller's own zones.
#include <algorithm>

#include "account_rules.hpp"
#include "ddns/gateway/account/account_service.hpp"

namespace ddns::gateway {

using account_rules::fail;

namespace {

AccountResult<Done> record_answer(const RecordResult& r) {
    switch (r.outcome) {
        case RecordOutcome::Added:
        case RecordOutcome::Removed:
            return Done{};
        case RecordOutcome::AlreadyExists:
            return fail(AccountError::Conflict, "this record exists already");
        case RecordOutcome::NotFound:
            return fail(AccountError::NotFound, "no such record");
        case RecordOutcome::CnameConflict:
            return fail(AccountError::Conflict, "a CNAME cannot share its name with other records");
        case RecordOutcome::NameTaken:
            return fail(AccountError::Conflict,
                        "this name belongs to a dynamic host (or its wildcard mirror) or the "
                        "zone's apex");
        case RecordOutcome::OutsideZone:
            return fail(AccountError::NotFound, "the name is outside your zones");
        case RecordOutcome::TargetWithoutAddress:
            return fail(AccountError::Conflict,
                        "the mail exchanger lies in the zone but has no address yet");
        case RecordOutcome::DnsFailed:
            return fail(AccountError::DnsFailed, "the DNS server did not take the change");
        case RecordOutcome::StoreFailed:
            break;
    }
    return fail(AccountError::Unavailable, "the change could not be recorded; try again");
}

}  // namespace

std::optional<auth::Zone> AccountService::owned_zone_for(std::int64_t account_id,
                                                         const DnsName& name) {
    std::optional<auth::Zone> best;
    for (auto& zone : d_.store.owned_zones(account_id))
        if (name.is_at_or_below(zone.name) &&
            (!best || zone.name.label_count() > best->name.label_count()))
            best = std::move(zone);
    return best;
}

AccountResult<std::vector<auth::Zone>> AccountService::owned_zones(std::int64_t account_id) {
    if (!d_.store.account_by_id(account_id)) return fail(AccountError::NotFound, "no such account");
    auto zones = d_.store.owned_zones(account_id);
    std::sort(zones.begin(), zones.end(),
              [](const auth::Zone& a, const auth::Zone& b) { return a.name.str() < b.name.str(); });
    return zones;
}

AccountResult<std::vector<ResourceRecord>> AccountService::records(std::int64_t account_id,
                                                                   std::string_view zone) {
    const auto name = DnsName::parse(zone);
    std::optional<auth::Zone> owned;
    if (name) owned = owned_zone_for(account_id, *name);
    if (!owned || owned->name != *name) return fail(AccountError::NotFound, "no such zone");
    return d_.records.list(*owned);
}

AccountResult<Done> AccountService::add_record(std::int64_t account_id,
                                               const ResourceRecord& record) {
    const auto zone = owned_zone_for(account_id, record.owner());
    if (!zone) return fail(AccountError::NotFound, "the name is outside your zones");
    return record_answer(d_.records.add(*zone, record));
}

AccountResult<Done> AccountService::remove_record(std::int64_t account_id,
                                                  const RecordSelector& selector) {
    const auto zone = owned_zone_for(account_id, selector.name);
    if (!zone) return fail(AccountError::NotFound, "the name is outside your zones");
    return record_answer(d_.records.remove(*zone, selector));
}

}  // namespace ddns::gateway

namespace ddns::gateway {

using account_rules::fail;

namespace {

std::optional<std::uint16_t> preference(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

AccountResult<Rdata> parse_data(RecordType type, const std::string& data) {
    switch (type) {
        case RecordType::A:
        case RecordType::AAAA: {
            const auto address = IpAddress::parse(data);
            if (!address || address_record_type(address->family()) != type)
                return fail(AccountError::BadInput,
                            std::string(to_string(type)) + " data is one IPv" +
                                (type == RecordType::A ? "4" : "6") + " address");
            return Rdata{*address};
        }
        case RecordType::CNAME:
        case RecordType::NS: {
            const auto target = DnsName::parse(data);
            if (!target) return fail(AccountError::BadInput, "the data is one domain name");
            return Rdata{*target};
        }
        case RecordType::MX: {
            const auto space = data.find(' ');
            const auto pref =
                space == std::string::npos ? std::nullopt : preference(data.substr(0, space));
            const auto exchange =
                space == std::string::npos ? std::nullopt : DnsName::parse(data.substr(space + 1));
            if (!pref || !exchange)
                return fail(AccountError::BadInput, "MX data is PREFERENCE (0-65535) HOST");
            return Rdata{MxData{*pref, *exchange}};
        }
        case RecordType::TXT: {
            if (data.size() > 2048) return fail(AccountError::BadInput, "TXT data is too long");
            TxtData txt;
            for (std::size_t at = 0; at < data.size(); at += 255)
                txt.strings.push_back(data.substr(at, 255));
            if (txt.strings.empty()) txt.strings.emplace_back();
            return Rdata{std::move(txt)};
        }
    }
    return fail(AccountError::BadInput, "unknown record type");
}

}  // namespace

AccountResult<Done> AccountService::add_record(std::int64_t account_id, const RecordInput& input) {
    const auto owner = DnsName::parse(input.name);
    const auto type = parse_record_type(input.type);
    if (!owner) return fail(AccountError::BadInput, "the name is not a domain name");
    if (!type) return fail(AccountError::BadInput, "the type is A, AAAA, CNAME, MX, NS or TXT");
    auto data = parse_data(*type, input.data);
    if (!data) return Unexpected{data.error()};
    const auto zone = owned_zone_for(account_id, *owner);
    if (!zone) return fail(AccountError::NotFound, "the name is outside your zones");
    auto record = ResourceRecord::make(*owner, *type, input.ttl.value_or(zone->default_ttl),
                                       std::move(*data));
    if (!record) return fail(AccountError::BadInput, "the data does not fit the type");
    return add_record(account_id, *record);
}

AccountResult<Done> AccountService::remove_record(std::int64_t account_id,
                                                  const RecordInput& input) {
    const auto owner = DnsName::parse(input.name);
    const auto type = parse_record_type(input.type);
    if (!owner) return fail(AccountError::BadInput, "the name is not a domain name");
    if (!type) return fail(AccountError::BadInput, "the type is A, AAAA, CNAME, MX, NS or TXT");
    RecordSelector selector{*owner, *type, std::nullopt, std::nullopt};
    if (*type == RecordType::MX && preference(input.data)) {
        selector.mx_preference = preference(input.data);
    } else if (!input.data.empty()) {
        auto data = parse_data(*type, input.data);
        if (!data) return Unexpected{data.error()};
        selector.data = std::move(*data);
    }
    return remove_record(account_id, selector);
}

}  // namespace ddns::gateway
