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
                        "this name belongs to a dynamic host or the zone's apex");
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
