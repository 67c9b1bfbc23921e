#include "ddns/gateway/update_service.hpp"

#include <string>

namespace ddns::gateway {
namespace {

std::optional<IpAddress> resolve(const FamilyIntent& intent,
                                 const std::optional<IpAddress>& current) {
    switch (intent.action) {
        case FamilyAction::Keep:
            return current;
        case FamilyAction::Set:
            return intent.address;
        case FamilyAction::Remove:
            return std::nullopt;
    }
    return current;
}

// Replace one family of a host: delete its RRset, add the new RR (if any). Both in the same
// message as the other family, so A and AAAA change together or not at all.
void add_family_ops(std::vector<UpdateOperation>& ops, const auth::Host& host, RecordType type,
                    const std::optional<IpAddress>& target) {
    ops.emplace_back(DeleteRRset{host.name, type});
    if (target) ops.emplace_back(AddRecord{ResourceRecord::address(host.name, host.ttl, *target)});
}

bool splittable(UpdateStatus status) {
    // Statuses that may be caused by one change in the message; transport and key failures are
    // the same for every change, so retrying singly would only multiply the damage.
    switch (status) {
        case UpdateStatus::Refused:
        case UpdateStatus::NotZone:
        case UpdateStatus::FormErr:
        case UpdateStatus::ServFail:
        case UpdateStatus::EncodeError:
            return true;
        default:
            return false;
    }
}

}  // namespace

UpdateService::UpdateService(UpdateSender& sender, auth::HostStore& store, const Logger& log,
                             UpdateServiceOptions options)
    : sender_(sender), store_(store), log_(log), options_(options) {}

std::mutex& UpdateService::zone_mutex(std::int64_t zone_id) {
    std::lock_guard lock(zones_mutex_);
    auto& slot = zone_mutexes_[zone_id];
    if (!slot) slot = std::make_unique<std::mutex>();
    return *slot;
}

std::vector<HostApplyResult> UpdateService::apply(const std::vector<HostIntent>& intents,
                                                  auth::TimePoint now) {
    std::vector<HostApplyResult> results(intents.size());
    std::map<std::int64_t, std::vector<std::size_t>> by_zone;
    for (std::size_t i = 0; i < intents.size(); ++i) {
        const auth::Host& host = *intents[i].host;
        HostApplyResult& r = results[i];
        r.ipv4 = resolve(intents[i].ipv4, host.ipv4);
        r.ipv6 = resolve(intents[i].ipv6, host.ipv6);
        if (r.ipv4 == host.ipv4 && r.ipv6 == host.ipv6) {
            r.status = ApplyStatus::Unchanged;
            if (!host.last_seen || now - *host.last_seen >= options_.seen_refresh)
                store_.record_seen(host.id, now);
            continue;
        }
        by_zone[host.zone->id].push_back(i);
    }
    for (const auto& [zone_id, members] : by_zone) {
        // BIND commits one zone at a time anyway; serialising here keeps the order in which the
        // database records changes equal to the order in which BIND applied them.
        std::lock_guard lock(zone_mutex(zone_id));
        apply_zone(members, intents, results, now);
    }
    return results;
}

void UpdateService::apply_zone(const std::vector<std::size_t>& members,
                               const std::vector<HostIntent>& intents,
                               std::vector<HostApplyResult>& results, auth::TimePoint now) {
    UpdateResult sent = send_group(members, intents, results);
    if (sent.ok()) {
        record_group(members, intents, results, now);
        return;
    }
    if (members.size() > 1 && splittable(sent.status)) {
        // One bad change must not fail the others: retry each host in its own message.
        for (std::size_t index : members) apply_zone({index}, intents, results, now);
        return;
    }
    const auth::Zone& zone = *intents[members.front()].host->zone;
    log_.warning("dns update for zone " + zone.name.str() + " via " + zone.server.to_string() +
                 " failed: " + std::string(to_string(sent.status)) + " " + sent.detail);
    for (std::size_t index : members) {
        const auth::Host& host = *intents[index].host;
        results[index] = HostApplyResult{ApplyStatus::DnsFailed, host.ipv4, host.ipv6, sent.status};
    }
}

UpdateResult UpdateService::send_group(const std::vector<std::size_t>& members,
                                       const std::vector<HostIntent>& intents,
                                       const std::vector<HostApplyResult>& targets) {
    const auth::Zone& zone = *intents[members.front()].host->zone;
    UpdateRequest request{zone.name, {}, {}};
    for (std::size_t index : members) {
        const auth::Host& host = *intents[index].host;
        if (targets[index].ipv4 != host.ipv4)
            add_family_ops(request.operations, host, RecordType::A, targets[index].ipv4);
        if (targets[index].ipv6 != host.ipv6)
            add_family_ops(request.operations, host, RecordType::AAAA, targets[index].ipv6);
    }
    return sender_.send(request, zone.key, zone.server);
}

void UpdateService::record_group(const std::vector<std::size_t>& members,
                                 const std::vector<HostIntent>& intents,
                                 std::vector<HostApplyResult>& results, auth::TimePoint now) {
    for (std::size_t index : members) {
        const auth::Host& host = *intents[index].host;
        HostApplyResult& r = results[index];
        try {
            store_.record_applied(host.id, r.ipv4, r.ipv6, now);
            r.status = ApplyStatus::Changed;
        } catch (const auth::StoreError& e) {
            // BIND holds the new state but the database could not record it. Put BIND back so
            // the two agree, then report a server error to the caller.
            log_.error("recording host " + host.name.str() +
                       " failed after DNS update: " + e.what() + "; rolling DNS back");
            const HostApplyResult wanted = r;
            // Roll back = send the stored state as the target, with the new state as "current".
            auth::Host reverted = host;
            reverted.ipv4 = wanted.ipv4;
            reverted.ipv6 = wanted.ipv6;
            std::vector<HostIntent> undo{HostIntent{&reverted, {}, {}}};
            std::vector<HostApplyResult> undo_targets{
                HostApplyResult{ApplyStatus::Unchanged, host.ipv4, host.ipv6, {}}};
            const UpdateResult rolled = send_group({0}, undo, undo_targets);
            if (!rolled.ok())
                log_.error("rollback of " + host.name.str() +
                           " failed; DNS and database disagree until the next update: " +
                           std::string(to_string(rolled.status)));
            r = HostApplyResult{ApplyStatus::StoreFailed, host.ipv4, host.ipv6,
                                UpdateStatus::Success};
        }
    }
}

}  // namespace ddns::gateway
