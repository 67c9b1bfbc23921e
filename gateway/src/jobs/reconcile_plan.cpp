#include "ddns/gateway/jobs/reconcile_plan.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace ddns::gateway {
namespace {

using RRsetMap = std::map<RRsetKey, std::vector<ResourceRecord>>;

// A total order on records of one RRset, so two RRsets compare independent of the order BIND or
// the database listed them in.
bool record_less(const ResourceRecord& a, const ResourceRecord& b) {
    return std::make_tuple(a.data_text(), a.ttl()) < std::make_tuple(b.data_text(), b.ttl());
}

RRsetMap group_managed(const std::set<RRsetKey>& managed,
                       const std::vector<ResourceRecord>& records) {
    RRsetMap grouped;
    for (const auto& r : records) {
        RRsetKey key{r.owner(), r.type()};
        if (managed.contains(key)) grouped[key].push_back(r);
    }
    for (auto& [key, list] : grouped) {
        std::sort(list.begin(), list.end(), record_less);
        // A zone transfer never repeats an RR, but the database might list a record twice.
        list.erase(std::unique(list.begin(), list.end()), list.end());
    }
    return grouped;
}

std::string list_text(const std::vector<ResourceRecord>& records) {
    if (records.empty()) return "(none)";
    std::string text;
    for (const auto& r : records) {
        if (!text.empty()) text += ", ";
        text += r.data_text() + " ttl " + std::to_string(r.ttl());
    }
    return text;
}

// The A and AAAA records `records` holds at `owner`, without their owner, in a fixed order.
std::vector<std::tuple<RecordType, std::string, std::uint32_t>> addresses_at(
    const DnsName& owner, const std::vector<ResourceRecord>& records) {
    std::vector<std::tuple<RecordType, std::string, std::uint32_t>> out;
    for (const auto& r : records)
        if (r.owner() == owner && (r.type() == RecordType::A || r.type() == RecordType::AAAA))
            out.emplace_back(r.type(), r.data_text(), r.ttl());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace

bool is_mirror_copy(const DnsName& host, const DnsName& mirror,
                    const std::vector<ResourceRecord>& wanted,
                    const std::vector<ResourceRecord>& observed) {
    const auto at_mirror = addresses_at(mirror, observed);
    return !at_mirror.empty() &&
           (at_mirror == addresses_at(host, observed) || at_mirror == addresses_at(host, wanted));
}

std::string Drift::describe() const {
    return std::string(to_string(rrset.second)) + " " + rrset.first.fqdn() + ": BIND " +
           list_text(found) + ", database " + list_text(wanted);
}

std::vector<Drift> find_drift(const ZoneWanted& wanted,
                              const std::vector<ResourceRecord>& observed) {
    const RRsetMap want = group_managed(wanted.managed, wanted.records);
    const RRsetMap seen = group_managed(wanted.managed, observed);
    std::vector<Drift> drift;
    for (const auto& key : wanted.managed) {  // std::set: (owner, type) order
        const auto w = want.find(key);
        const auto s = seen.find(key);
        auto w_list = w == want.end() ? std::vector<ResourceRecord>{} : w->second;
        auto s_list = s == seen.end() ? std::vector<ResourceRecord>{} : s->second;
        if (w_list != s_list) drift.push_back({key, std::move(w_list), std::move(s_list)});
    }
    return drift;
}

UpdateRequest repair_request(const DnsName& zone, const Drift& drift) {
    UpdateRequest request{zone, {}, {}};
    const auto& [owner, type] = drift.rrset;
    if (drift.found.empty()) {
        request.prerequisites.emplace_back(RRsetAbsent{owner, type});
    } else {
        // RFC 2136 §3.2.5: the value-dependent prerequisites of one name and type together must
        // equal the whole RRset, so a record added by someone else since also fails the guard.
        for (const auto& r : drift.found) request.prerequisites.emplace_back(RRsetExistsValue{r});
        request.operations.emplace_back(DeleteRRset{owner, type});
    }
    for (const auto& r : drift.wanted) request.operations.emplace_back(AddRecord{r});
    return request;
}

RepairPlan plan_repairs(const ZoneWanted& wanted, const std::vector<ResourceRecord>& observed,
                        std::size_t max_repairs) {
    RepairPlan plan;
    plan.drift = find_drift(wanted, observed);
    const std::size_t n = std::min(max_repairs, plan.drift.size());
    for (std::size_t i = 0; i < n; ++i) {
        plan.repairs.push_back(repair_request(wanted.zone, plan.drift[i]));
    }
    plan.deferred = plan.drift.size() - n;
    return plan;
}

}  // namespace ddns::gateway
