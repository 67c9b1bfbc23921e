#include "ddns/gateway/core/record_service.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>

namespace ddns::gateway {
namespace {

std::string describe(const ResourceRecord& rr) {
    return rr.owner().str() + " " + std::string(to_string(rr.type())) + " " + rr.data_text();
}

bool same_rr(const ResourceRecord& a, const ResourceRecord& b) {
    // An RR's identity is owner, type and data; the TTL belongs to the RRset (RFC 2181 §5.2).
    return a.owner() == b.owner() && a.type() == b.type() && a.data() == b.data();
}

ResourceRecord with_ttl(const ResourceRecord& rr, std::uint32_t ttl) {
    return *ResourceRecord::make(rr.owner(), rr.type(), ttl, rr.data());  // same data: fits
}

// Types whose RRs at a dynamic host's name would clash with the host's own A/AAAA (an NS there
// would delegate the host's name away).
bool clashes_with_host(RecordType type) {
    return type == RecordType::A || type == RecordType::AAAA || type == RecordType::CNAME ||
           type == RecordType::NS;
}

// The checks that need no DNS traffic, on the state read under the zone lock.
std::optional<RecordOutcome> refuse_add(const auth::Zone& zone, const ResourceRecord& record,
                                        const std::vector<auth::StoredRecord>& here,
                                        bool host_named) {
    const bool apex = record.owner() == zone.name;
    // The apex NS RRset is the zone's delegation, kept by the zone's operator; BIND would also
    // silently ignore a deletion of its last RR, so the database could not follow.
    if (host_named || (apex && record.type() == RecordType::NS)) return RecordOutcome::NameTaken;
    for (const auto& stored : here)
        if (same_rr(stored.record, record)) return RecordOutcome::AlreadyExists;
    // A CNAME cannot share its name with other data (RFC 1034 §3.6.2), and the apex always
    // holds SOA and NS. BIND ignores such an add and still answers NOERROR.
    if (record.type() == RecordType::CNAME && (apex || !here.empty()))
        return RecordOutcome::CnameConflict;
    for (const auto& stored : here)
        if (stored.record.type() == RecordType::CNAME) return RecordOutcome::CnameConflict;
    return std::nullopt;
}

bool matches(const RecordSelector& selector, const ResourceRecord& rr) {
    if (rr.owner() != selector.name || rr.type() != selector.type) return false;
    if (selector.data && rr.data() != *selector.data) return false;
    if (selector.mx_preference) {
        const auto* mx = std::get_if<MxData>(&rr.data());
        if (mx == nullptr || mx->preference != *selector.mx_preference) return false;
    }
    return true;
}

// The exchange of an MX that lies in `zone`, where BIND's integrity check applies to it.
std::optional<DnsName> in_zone_exchange(const auth::Zone& zone, const ResourceRecord& record) {
    const auto* mx = std::get_if<MxData>(&record.data());
    if (mx == nullptr || !mx->exchange.is_at_or_below(zone.name)) return std::nullopt;
    return mx->exchange;
}

// A message whose prerequisites say that BIND holds exactly `rrset` at (name, type): the
// compensation of a change that wrote it, which must never overwrite a newer change another
// instance made meanwhile (RFC 2136 §3.2.5: together the records are the whole RRset).
UpdateRequest guarded_by(const auth::Zone& zone, const DnsName& name, RecordType type,
                         const std::vector<ResourceRecord>& rrset) {
    UpdateRequest request{zone.name, {}, {}};
    for (const auto& rr : rrset) request.prerequisites.emplace_back(RRsetExistsValue{rr});
    if (rrset.empty()) request.prerequisites.emplace_back(RRsetAbsent{name, type});
    return request;
}

bool prerequisite_failed(UpdateStatus status) {
    return status == UpdateStatus::YxDomain || status == UpdateStatus::YxRrset;
}

}  // namespace

RecordService::RecordService(UpdateSender& sender, auth::RecordStore& store, const Logger& log)
    : sender_(sender), store_(store), log_(log) {}

RecordResult RecordService::add(const auth::Zone& zone, const ResourceRecord& record) {
    if (!record.owner().is_at_or_below(zone.name)) return {RecordOutcome::OutsideZone};

    // Lock the zone and read what is stored at the name: the decision below stays true until
    // commit, across requests and gateway instances.
    std::unique_ptr<auth::RecordChange> change;
    std::vector<auth::StoredRecord> here;
    bool host_named = false;
    try {
        change = store_.begin_record_change(zone.id);
        here = change->records_at(record.owner());
        if (clashes_with_host(record.type())) host_named = change->host_named(record.owner());
    } catch (const auth::StoreError& e) {
        log_.error(std::string("database failure before a record change: ") + e.what());
        return {RecordOutcome::StoreFailed};
    }
    if (auto refusal = refuse_add(zone, record, here, host_named)) return {*refusal};

    // RFC 2136 add without delete: the RR joins its RRset (a second A makes a round robin).
    // BIND keeps one TTL per RRset, so the RRs already there take the new one.
    std::vector<auth::StoredRecord> retimed;
    std::vector<ResourceRecord> written{record};  // the RRset once BIND applied the add
    for (const auto& stored : here) {
        if (stored.record.type() != record.type()) continue;
        written.push_back(with_ttl(stored.record, record.ttl()));
        if (stored.record.ttl() != record.ttl()) retimed.push_back(stored);
    }
    // The CNAME rule again, in DNS: if the database missed data that BIND holds, the
    // prerequisite fails instead of BIND silently ignoring the add.
    UpdateRequest request{zone.name, {}, {AddRecord{record}}};
    if (record.type() == RecordType::CNAME)
        request.prerequisites.emplace_back(NameAbsent{record.owner()});
    else
        request.prerequisites.emplace_back(RRsetAbsent{record.owner(), RecordType::CNAME});
    UpdateRequest undo = guarded_by(zone, record.owner(), record.type(), written);
    undo.operations.emplace_back(DeleteRecord{record});
    for (const auto& old : retimed) undo.operations.emplace_back(AddRecord{old.record});

    const ZoneBatchResult r = run(zone, record.owner(), record.type(), "adding " + describe(record),
                                  std::move(change), request, undo, [&](auth::RecordChange& c) {
                                      c.insert(record);
                                      for (const auto& old : retimed) {
                                          c.erase(old.id);
                                          c.insert(with_ttl(old.record, record.ttl()));
                                      }
                                  });
    if (!r.sent.failed.empty()) {
        const UpdateResult& sent = r.sent.failed.begin()->second;
        if (prerequisite_failed(sent.status)) {
            log_.warning("DNS and the database disagree at " + record.owner().str() + " in zone " +
                         zone.name.str() + ": BIND holds data the database does not know (" +
                         std::string(to_string(sent.status)) + " adding " + describe(record) + ")");
            return {RecordOutcome::CnameConflict, sent.status};
        }
        if (sent.status == UpdateStatus::Refused && target_lacks_address(zone, record)) {
            log_.info("adding " + describe(record) + " refused: its target has no address");
            return {RecordOutcome::TargetWithoutAddress, sent.status};
        }
        log_.warning("adding " + describe(record) + " via " + zone.server.to_string() +
                     " failed: " + std::string(to_string(sent.status)));
        return {RecordOutcome::DnsFailed, sent.status};
    }
    if (r.outcome != CommitOutcome::Committed) return {RecordOutcome::StoreFailed};
    return {RecordOutcome::Added};
}

RecordResult RecordService::remove(const auth::Zone& zone, const RecordSelector& selector) {
    if (!selector.name.is_at_or_below(zone.name)) return {RecordOutcome::OutsideZone};

    std::unique_ptr<auth::RecordChange> change;
    std::vector<auth::StoredRecord> rrset;
    try {
        change = store_.begin_record_change(zone.id);
        for (auto& stored : change->records_at(selector.name))
            if (stored.record.type() == selector.type) rrset.push_back(std::move(stored));
    } catch (const auth::StoreError& e) {
        log_.error(std::string("database failure before a record change: ") + e.what());
        return {RecordOutcome::StoreFailed};
    }
    std::vector<auth::StoredRecord> matched;
    std::copy_if(rrset.begin(), rrset.end(), std::back_inserter(matched),
                 [&](const auth::StoredRecord& s) { return matches(selector, s.record); });
    if (matched.empty()) return {RecordOutcome::NotFound};

    // One message: the whole RRset when every RR of it goes, else each RR on its own.
    UpdateRequest request{zone.name, {}, {}};
    if (matched.size() == rrset.size())
        request.operations.emplace_back(DeleteRRset{selector.name, selector.type});
    else
        for (const auto& s : matched) request.operations.emplace_back(DeleteRecord{s.record});
    std::vector<ResourceRecord> left;  // the RRset once BIND applied the removal
    for (const auto& s : rrset)
        if (!matches(selector, s.record)) left.push_back(s.record);
    UpdateRequest undo = guarded_by(zone, selector.name, selector.type, left);
    for (const auto& s : matched) undo.operations.emplace_back(AddRecord{s.record});

    const std::string what = "removing " + std::to_string(matched.size()) + " " +
                             std::string(to_string(selector.type)) + " record(s) at " +
                             selector.name.str();
    const ZoneBatchResult r = run(zone, selector.name, selector.type, what, std::move(change),
                                  request, undo, [&](auth::RecordChange& c) {
                                      for (const auto& s : matched) c.erase(s.id);
                                  });
    if (!r.sent.failed.empty()) {
        const UpdateResult& sent = r.sent.failed.begin()->second;
        log_.warning(what + " via " + zone.server.to_string() +
                     " failed: " + std::string(to_string(sent.status)));
        return {RecordOutcome::DnsFailed, sent.status};
    }
    if (r.outcome != CommitOutcome::Committed) return {RecordOutcome::StoreFailed};
    return {RecordOutcome::Removed};
}

std::vector<ResourceRecord> RecordService::list(const auth::Zone& zone) {
    std::vector<ResourceRecord> records;
    for (auto& stored : store_.list_records(zone.id)) records.push_back(std::move(stored.record));
    return records;
}

// One record change through the shared sequence: it is a batch of one (id 0). `write` stores
// the change in `change`; a failed commit sends `undo`, an unknown outcome (the commit's, or a
// lost reply) marks the RRset in doubt.
ZoneBatchResult RecordService::run(const auth::Zone& zone, const DnsName& name, RecordType type,
                                   const std::string& what,
                                   std::unique_ptr<auth::RecordChange> change,
                                   const UpdateRequest& request, const UpdateRequest& undo,
                                   const std::function<void(auth::RecordChange&)>& write) {
    const ZoneBatchSteps steps{
        [&](const std::vector<std::int64_t>&) {
            return sender_.send(request, zone.key, zone.server);
        },
        [&](const BatchSendResult& sent) {
            if (sent.applied.empty()) return;  // BIND said no: nothing to record
            write(*change);
            change->commit();
        },
        [&] { change.reset(); },
        [&](const std::vector<std::int64_t>&) { return sender_.send(undo, zone.key, zone.server); },
        [&](const std::vector<std::int64_t>&) { store_.mark_rrset_in_doubt(zone.id, name, type); },
    };
    return run_zone_batch({0}, steps, log_, what + " in zone " + zone.name.str());
}

// BIND answers REFUSED both for a policy denial and for an MX whose in-zone exchange has no
// address. Two prerequisite-only messages ask BIND itself (it knows the operator's zone file
// too, which the database does not): both "A exists" and "AAAA exists" failing with NXRRSET
// mean the target has no address. Anything else keeps the refusal a DNS failure.
bool RecordService::target_lacks_address(const auth::Zone& zone, const ResourceRecord& record) {
    const auto exchange = in_zone_exchange(zone, record);
    if (!exchange) return false;
    for (const RecordType type : {RecordType::A, RecordType::AAAA}) {
        const UpdateRequest probe{zone.name, {RRsetExists{*exchange, type}}, {}};
        if (sender_.send(probe, zone.key, zone.server).status != UpdateStatus::NxRrset)
            return false;
    }
    return true;
}

}  // namespace ddns::gateway
