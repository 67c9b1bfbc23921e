// Fakes of the stores and the DNS server the background jobs (offline sweeper, reconciler, audit
// writer and pruner) work against; the gateway's request-path fakes are in fakes.hpp.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ddns/auth/audit.hpp"
#include "ddns/auth/lifecycle.hpp"
#include "ddns/auth/reconcile_store.hpp"
#include "ddns/auth/store.hpp"
#include "ddns/nsupdate/rrset_reader.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::fakes {

using RRsetKey = std::pair<DnsName, RecordType>;

// A zone's RRsets in memory, read and updated as BIND would: prerequisites are checked
// (RRset absent, RRset exists with exactly these values), then the operations applied.
// `unreadable` makes every read time out; `before_update` runs as each message arrives.
class FakeZoneDns final : public RRsetReader, public UpdateSender {
public:
    RRsetRead read(const DnsName& owner, RecordType type, const TsigKey&,
                   const ServerEndpoint&) override {
        ++reads;
        if (unreadable) return {{UpdateStatus::Timeout, "scripted"}, {}};
        const auto it = rrsets.find({owner, type});
        // A zone-level wildcard answers for a name that holds nothing (RFC 4592), as BIND
        // answers a query; prerequisites (send) see only the real RRsets.
        const bool name_empty = std::none_of(
            rrsets.begin(), rrsets.end(), [&](const auto& kv) { return kv.first.first == owner; });
        if (wildcard_a && type == RecordType::A && name_empty)
            return {{UpdateStatus::Success, {}}, {ResourceRecord::address(owner, 60, *wildcard_a)}};
        if (it == rrsets.end()) return {{UpdateStatus::Success, {}}, {}};
        return {{UpdateStatus::Success, {}}, it->second};
    }
    // With `transfers_enabled`, the whole zone as one transfer (NotImp otherwise, as a reader
    // without transfers answers).
    ZoneRead transfer(const DnsName&, const TsigKey&, const ServerEndpoint&) override {
        ++transfers;
        if (!transfers_enabled) return {{UpdateStatus::NotImp, "scripted"}, {}, 0};
        if (unreadable || transfer_refused) return {{UpdateStatus::Refused, "scripted"}, {}, 0};
        ZoneRead zone{{UpdateStatus::Success, {}}, {}, 1};
        for (const auto& [key, list] : rrsets)
            zone.records.insert(zone.records.end(), list.begin(), list.end());
        if (after_transfer) after_transfer();
        return zone;
    }
    UpdateResult send(const UpdateRequest& request, const TsigKey&,
                      const ServerEndpoint&) override {
        // A message of prerequisites only changes nothing: counted apart from `sent`.
        if (request.operations.empty()) {
            ++probes;
        } else {
            sent.push_back(request);
            if (before_update) before_update();
        }
        std::map<RRsetKey, std::vector<ResourceRecord>> expected;
        for (const auto& p : request.prerequisites) {
            if (const auto* exists = std::get_if<RRsetExists>(&p)) {
                if (!rrsets.contains({exists->owner, exists->type}))
                    return {UpdateStatus::NxRrset, "scripted"};
            } else if (const auto* absent = std::get_if<RRsetAbsent>(&p)) {
                if (rrsets.contains({absent->owner, absent->type}))
                    return {UpdateStatus::YxRrset, "scripted"};
            } else if (const auto* v = std::get_if<RRsetExistsValue>(&p)) {
                expected[{v->record.owner(), v->record.type()}].push_back(v->record);
            } else {
                ADD_FAILURE() << "unexpected prerequisite kind";
            }
        }
        for (auto& [key, list] : expected) {
            if (!same_rdata(list, rrsets[key])) return {UpdateStatus::NxRrset, "scripted"};
        }
        for (const auto& op : request.operations) {
            if (const auto* del = std::get_if<DeleteRRset>(&op)) {
                rrsets.erase({del->owner, del->type});
            } else if (const auto* add = std::get_if<AddRecord>(&op)) {
                rrsets[{add->record.owner(), add->record.type()}].push_back(add->record);
            } else {
                ADD_FAILURE() << "unexpected operation kind";
            }
        }
        std::erase_if(rrsets, [](const auto& kv) { return kv.second.empty(); });
        return {UpdateStatus::Success, {}};
    }
    static bool same_rdata(std::vector<ResourceRecord> x, std::vector<ResourceRecord> y) {
        auto text = [](const std::vector<ResourceRecord>& v) {
            std::multiset<std::string> s;
            for (const auto& r : v) s.insert(r.data_text());
            return s;
        };
        return text(x) == text(y);
    }
    void set(const std::string& owner, std::vector<ResourceRecord> records,
             RecordType type = RecordType::A) {
        rrsets[{*DnsName::parse(owner), type}] = std::move(records);
    }
    std::vector<ResourceRecord> get(const std::string& owner, RecordType type = RecordType::A) {
        const auto it = rrsets.find({*DnsName::parse(owner), type});
        return it == rrsets.end() ? std::vector<ResourceRecord>{} : it->second;
    }

    std::map<RRsetKey, std::vector<ResourceRecord>> rrsets;
    std::vector<UpdateRequest> sent;
    bool unreadable = false;
    std::optional<IpAddress> wildcard_a;  // *.zone A: synthesized for names holding nothing
    bool transfers_enabled = false;
    bool transfer_refused = false;  // no allow-transfer for the key
    int reads = 0;
    int transfers = 0;
    int probes = 0;  // prerequisite-only messages (the reconciler's "RRset exists" checks)
    std::function<void()> before_update;
    std::function<void()> after_transfer;  // BIND changing after the transfer was read
};

// The hosts of one zone, handed out in id order in batches; hosts in `locked_elsewhere` are
// skipped as a row lock held by another gateway would make them. Clearing in-doubt marks
// applies at commit.
class FakeReconcileStore final : public auth::ReconcileStore {
public:
    class Batch final : public auth::ReconcileBatch {
    public:
        Batch(FakeReconcileStore& store, std::vector<auth::ReconcileHost> hosts)
            : store_(store), hosts_(std::move(hosts)) {}
        std::shared_ptr<const auth::Zone> zone() const override { return store_.zone; }
        const std::vector<auth::ReconcileHost>& hosts() const override { return hosts_; }
        void clear_in_doubt(std::int64_t id) override { cleared_.push_back(id); }
        void commit() override {
            for (auto id : cleared_) store_.hosts.at(id).in_doubt_since.reset();
        }

    private:
        FakeReconcileStore& store_;
        std::vector<auth::ReconcileHost> hosts_;
        std::vector<std::int64_t> cleared_;
    };

    std::vector<std::int64_t> zone_ids() override { return {zone->id}; }
    std::vector<std::int64_t> zones_in_doubt() override {
        for (const auto& [id, h] : hosts)
            if (h.in_doubt_since) return {zone->id};
        return {};
    }
    std::unique_ptr<auth::ReconcileBatch> lock_hosts(std::int64_t zone_id,
                                                     auth::HostSelection which, std::int64_t after,
                                                     std::size_t limit) override {
        std::vector<auth::ReconcileHost> out;
        for (const auto& [id, h] : hosts) {
            if (zone_id != zone->id || id <= after || out.size() >= limit) continue;
            if (which == auth::HostSelection::InDoubt && !h.in_doubt_since) continue;
            if (locked_elsewhere.contains(id)) continue;
            out.push_back(h);
        }
        return std::make_unique<Batch>(*this, std::move(out));
    }
    // Reads take no lock: hosts "locked elsewhere" are read too.
    auth::HostPage read_hosts(std::int64_t zone_id, std::int64_t after,
                              std::size_t limit) override {
        auth::HostPage page;
        if (zone_id != zone->id) return page;
        page.zone = zone;
        for (const auto& [id, h] : hosts)
            if (id > after && page.hosts.size() < limit) page.hosts.push_back(h);
        return page;
    }
    std::unique_ptr<auth::ReconcileBatch> lock_host_ids(
        std::int64_t zone_id, const std::vector<std::int64_t>& ids) override {
        std::vector<auth::ReconcileHost> out;
        for (auto id : ids) {
            if (zone_id != zone->id || !hosts.contains(id) || locked_elsewhere.contains(id))
                continue;
            out.push_back(hosts.at(id));
            locked.push_back(id);
        }
        return std::make_unique<Batch>(*this, std::move(out));
    }

    // Domain records and RRsets in doubt: handed out unless a record change "holds" the zone;
    // commits are counted, cleared marks go at commit.
    class Records final : public auth::ReconcileRecords {
    public:
        explicit Records(FakeReconcileStore& store)
            : store_(store), in_doubt_(store.records_in_doubt) {}
        std::shared_ptr<const auth::Zone> zone() const override { return store_.zone; }
        const std::vector<ResourceRecord>& records() const override { return store_.records; }
        const std::vector<auth::RRsetInDoubt>& in_doubt() const override { return in_doubt_; }
        void clear_in_doubt(const DnsName& name, RecordType type) override {
            cleared_.push_back({name, type});
        }
        void commit() override {
            ++store_.record_commits;
            std::erase_if(store_.records_in_doubt, [&](const auth::RRsetInDoubt& m) {
                return std::find(cleared_.begin(), cleared_.end(), RRsetKey{m.name, m.type}) !=
                       cleared_.end();
            });
        }

    private:
        FakeReconcileStore& store_;
        std::vector<auth::RRsetInDoubt> in_doubt_;
        std::vector<RRsetKey> cleared_;
    };
    std::vector<std::int64_t> zones_with_records_in_doubt() override {
        if (records_in_doubt.empty()) return {};
        return {zone->id};
    }
    std::unique_ptr<auth::ReconcileRecords> lock_zone_records(std::int64_t zone_id) override {
        if (zone_id != zone->id || records_held_elsewhere) return nullptr;
        if (records.empty() && records_in_doubt.empty()) return nullptr;
        return std::make_unique<Records>(*this);
    }

    std::shared_ptr<const auth::Zone> zone;
    std::map<std::int64_t, auth::ReconcileHost> hosts;
    std::set<std::int64_t> locked_elsewhere;
    std::vector<std::int64_t> locked;  // every host lock_host_ids locked, in order
    std::vector<ResourceRecord> records;
    std::vector<auth::RRsetInDoubt> records_in_doubt;
    bool records_held_elsewhere = false;
    int record_commits = 0;
};

// The hosts of the zones in `due_zones`. Every online host is "selected" (as if the SQL had found
// it due); the sweeper must re-check. Offline records apply at commit, which can fail or end with
// an unknown outcome.
class FakeLifecycleStore final : public auth::LifecycleStore {
public:
    class Batch final : public auth::SweepBatch {
    public:
        Batch(FakeLifecycleStore& store, std::vector<auth::SweepCandidate> hosts)
            : store_(store), hosts_(std::move(hosts)) {}
        const std::vector<auth::SweepCandidate>& hosts() const override { return hosts_; }
        void record_offline(std::int64_t id, const std::optional<IpAddress>& v4,
                            const std::optional<IpAddress>& v6, auth::OfflineReason reason,
                            auth::TimePoint) override {
            recorded_.push_back({id, v4, v6, reason});
        }
        void commit() override {
            if (store_.fail_commit) throw auth::StoreError("database down");
            if (store_.commit_unknown) throw auth::CommitUnknown("connection lost during COMMIT");
            for (const auto& r : recorded_) {
                auto& h = store_.hosts.at(r.id).host;
                h.ipv4 = r.v4;
                h.ipv6 = r.v6;
                h.offline = true;
                store_.reasons[r.id] = r.reason;
            }
            ++store_.commits;
        }

    private:
        struct Recorded {
            std::int64_t id;
            std::optional<IpAddress> v4, v6;
            auth::OfflineReason reason;
        };
        FakeLifecycleStore& store_;
        std::vector<auth::SweepCandidate> hosts_;
        std::vector<Recorded> recorded_;
    };

    std::vector<std::int64_t> zones_with_due_hosts(auth::TimePoint) override { return due_zones; }
    std::unique_ptr<auth::SweepBatch> lock_due_hosts(std::int64_t, auth::TimePoint,
                                                     std::size_t limit,
                                                     std::int64_t after_id) override {
        const bool holding = ++batches <= held_batches;
        std::vector<auth::SweepCandidate> out;
        for (const auto& [id, c] : hosts) {
            if (c.host.offline || id <= after_id) continue;
            if (holding && held.count(id) != 0) continue;  // SKIP LOCKED
            if (out.size() == limit) break;
            out.push_back(c);
        }
        return std::make_unique<Batch>(*this, std::move(out));
    }

    void mark_in_doubt(const std::vector<std::int64_t>& ids, auth::TimePoint) override {
        marked.insert(marked.end(), ids.begin(), ids.end());
    }

    std::vector<std::int64_t> due_zones;
    std::map<std::int64_t, auth::SweepCandidate> hosts;
    std::map<std::int64_t, auth::OfflineReason> reasons;
    std::vector<std::int64_t> marked;
    bool fail_commit = false;
    bool commit_unknown = false;
    int commits = 0;
    std::atomic<int> batches{0};
    // Rows another transaction holds (an update, the reconciler, another instance) during the
    // first `held_batches` calls of lock_due_hosts, which passes over them as SKIP LOCKED does.
    std::set<std::int64_t> held;
    int held_batches = 0;
};

// Records the batches; can hold a write "in the database" until released, or fail.
class FakeAuditStore final : public auth::AuditStore {
public:
    void write(const std::vector<auth::AuditRecord>& records) override {
        std::unique_lock lock(mutex);
        ++calls;
        entered.notify_all();
        released.wait(lock, [&] { return !hold; });
        if (failures > 0) {
            --failures;
            throw auth::StoreError("database down");
        }
        batches.push_back(records);
    }
    std::size_t prune(auth::TimePoint cutoff, std::size_t limit) override {
        std::lock_guard lock(mutex);
        cutoffs.push_back(cutoff);
        const std::size_t n = std::min(limit, old_rows);
        old_rows -= n;
        return n;
    }

    std::vector<std::string> usernames() {
        std::lock_guard lock(mutex);
        std::vector<std::string> out;
        for (const auto& b : batches)
            for (const auto& r : b) out.push_back(r.note.username);
        return out;
    }
    void wait_for_call(int n) {
        std::unique_lock lock(mutex);
        entered.wait(lock, [&] { return calls >= n; });
    }
    void release() {
        {
            std::lock_guard lock(mutex);
            hold = false;
        }
        released.notify_all();
    }

    std::mutex mutex;
    std::condition_variable entered;
    std::condition_variable released;
    bool hold = false;
    int failures = 0;
    int calls = 0;
    std::vector<std::vector<auth::AuditRecord>> batches;
    std::size_t old_rows = 0;
    std::vector<auth::TimePoint> cutoffs;
};

}  // namespace ddns::fakes
