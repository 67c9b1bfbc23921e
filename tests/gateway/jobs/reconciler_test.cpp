// The reconciler against fakes: a fake authoritative server that evaluates prerequisites the way
// BIND does (for the kinds the reconciler sends) and a fake store with row "locks". Asserts on
// the fake server's records and the store's in-doubt marks, not on log lines.
#include "ddns/gateway/jobs/reconciler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace ddns::gateway {
namespace {

DnsName name(const std::string& text) {
    return *DnsName::parse(text);
}
ResourceRecord a(const std::string& owner, const char* address, std::uint32_t ttl = 60) {
    return ResourceRecord::address(name(owner), ttl, *IpAddress::parse(address));
}

using Key = std::pair<DnsName, RecordType>;

class FakeDns final : public RRsetReader, public UpdateSender {
public:
    RRsetRead read(const DnsName& owner, RecordType type, const TsigKey&,
                   const ServerEndpoint&) override {
        ++reads;
        if (unreadable) return {{UpdateStatus::Timeout, "scripted"}, {}};
        const auto it = rrsets.find({owner, type});
        if (it == rrsets.end()) return {{UpdateStatus::Success, {}}, {}};
        return {{UpdateStatus::Success, {}}, it->second};
    }
    UpdateResult send(const UpdateRequest& request, const TsigKey&,
                      const ServerEndpoint&) override {
        sent.push_back(request);
        if (before_update) before_update();
        std::map<Key, std::vector<ResourceRecord>> expected;
        for (const auto& p : request.prerequisites) {
            if (const auto* absent = std::get_if<RRsetAbsent>(&p)) {
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
        rrsets[{name(owner), type}] = std::move(records);
    }
    std::vector<ResourceRecord> get(const std::string& owner, RecordType type = RecordType::A) {
        const auto it = rrsets.find({name(owner), type});
        return it == rrsets.end() ? std::vector<ResourceRecord>{} : it->second;
    }

    std::map<Key, std::vector<ResourceRecord>> rrsets;
    std::vector<UpdateRequest> sent;
    bool unreadable = false;
    int reads = 0;
    std::function<void()> before_update;
};

class FakeStore final : public auth::ReconcileStore {
public:
    class Batch final : public auth::ReconcileBatch {
    public:
        Batch(FakeStore& store, std::vector<auth::ReconcileHost> hosts)
            : store_(store), hosts_(std::move(hosts)) {}
        std::shared_ptr<const auth::Zone> zone() const override { return store_.zone; }
        const std::vector<auth::ReconcileHost>& hosts() const override { return hosts_; }
        void clear_in_doubt(std::int64_t id) override { cleared_.push_back(id); }
        void commit() override {
            for (auto id : cleared_) store_.hosts.at(id).in_doubt_since.reset();
        }

    private:
        FakeStore& store_;
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

    std::shared_ptr<const auth::Zone> zone;
    std::map<std::int64_t, auth::ReconcileHost> hosts;
    std::set<std::int64_t> locked_elsewhere;
};

class ReconcilerTest : public ::testing::Test {
protected:
    ReconcilerTest() {
        auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0");
        store.zone = std::make_shared<auth::Zone>(
            auth::Zone{7, name("example.org"), ServerEndpoint{*IpAddress::parse("127.0.0.1"), 53},
                       std::move(*key), 60, std::nullopt});
    }
    static std::string host_name(std::int64_t id) {
        return "h" + std::to_string(id) + ".example.org";
    }
    void add(std::int64_t id, const char* v4, bool in_doubt = false) {
        auth::ReconcileHost h{id, name(host_name(id)), 60, std::nullopt, std::nullopt, {}};
        if (v4) h.ipv4 = IpAddress::parse(v4);
        if (in_doubt) h.in_doubt_since = auth::Clock::now();
        store.hosts.emplace(id, h);
    }
    bool in_doubt(std::int64_t id) { return store.hosts.at(id).in_doubt_since.has_value(); }
    Reconciler make(ReconcileOptions options = {}) {
        return Reconciler(dns, dns, store, log, options);
    }

    FakeDns dns;
    FakeStore store;
    Logger log{LogLevel::Error};
};

TEST_F(ReconcilerTest, RepairsARecordChangedByHand) {
    add(1, "192.0.2.1");
    dns.set(host_name(1), {a(host_name(1), "192.0.2.9")});
    auto reconciler = make();
    const auto report = reconciler.full_pass();
    EXPECT_EQ(dns.get(host_name(1)), std::vector{a(host_name(1), "192.0.2.1")});
    EXPECT_EQ(report.drift_found, 1u);
    EXPECT_EQ(report.repaired, 1u);
    EXPECT_TRUE(report.complete);
    ASSERT_EQ(report.differences.size(), 1u);
    EXPECT_NE(report.differences[0].find("192.0.2.9"), std::string::npos);
    EXPECT_EQ(reconciler.counters().drift_found.load(), 1u);
    EXPECT_EQ(reconciler.counters().repaired.load(), 1u);

    const auto again = reconciler.full_pass();
    EXPECT_EQ(again.drift_found, 0u);
    EXPECT_EQ(dns.sent.size(), 1u);
}

TEST_F(ReconcilerTest, SettlesAHostInDoubtToTheDatabase) {
    // The reply to an UPDATE to .7 was lost: BIND holds .7, the database still .1.
    add(1, "192.0.2.1", true);
    dns.set(host_name(1), {a(host_name(1), "192.0.2.7")});
    auto reconciler = make();
    const auto report = reconciler.settle_in_doubt();
    EXPECT_EQ(dns.get(host_name(1)), std::vector{a(host_name(1), "192.0.2.1")});
    EXPECT_FALSE(in_doubt(1));
    EXPECT_EQ(report.settled, 1u);
    EXPECT_EQ(reconciler.counters().settled.load(), 1u);
}

TEST_F(ReconcilerTest, AHostInDoubtThatAgreesIsSettledWithoutAnUpdate) {
    add(1, "192.0.2.1", true);
    add(2, "192.0.2.2");  // not in doubt, also not looked at by an in-doubt pass
    dns.set(host_name(1), {a(host_name(1), "192.0.2.1")});
    auto reconciler = make();
    reconciler.settle_in_doubt();
    EXPECT_FALSE(in_doubt(1));
    EXPECT_TRUE(dns.sent.empty());
    EXPECT_EQ(dns.reads, 2);  // A and AAAA of host 1 only
}

TEST_F(ReconcilerTest, UnreadableBindChangesNothingAndKeepsTheMark) {
    add(1, "192.0.2.1", true);
    add(2, "192.0.2.2", true);
    dns.unreadable = true;
    auto reconciler = make();
    const auto report = reconciler.settle_in_doubt();
    EXPECT_TRUE(in_doubt(1));
    EXPECT_TRUE(in_doubt(2));
    EXPECT_TRUE(dns.sent.empty());
    EXPECT_FALSE(report.complete);
    EXPECT_EQ(dns.reads, 1);  // the first failure ends the zone's pass: no rows held on timeouts
}

TEST_F(ReconcilerTest, ARepairWhoseGuardFailsKeepsTheMarkAndOverwritesNothing) {
    add(1, "192.0.2.1", true);
    dns.set(host_name(1), {a(host_name(1), "192.0.2.7")});
    // Someone changes BIND between the read and the repair.
    dns.before_update = [this] { dns.set(host_name(1), {a(host_name(1), "192.0.2.8")}); };
    auto reconciler = make();
    const auto report = reconciler.settle_in_doubt();
    EXPECT_EQ(dns.get(host_name(1)), std::vector{a(host_name(1), "192.0.2.8")});
    EXPECT_TRUE(in_doubt(1));
    EXPECT_EQ(report.failed, 1u);
}

TEST_F(ReconcilerTest, DeletesWhatAnOfflineHostMustNotHold) {
    // BIND restored from an old zone file: an offline host (no address in the database) is back.
    add(1, nullptr);
    dns.set(host_name(1), {a(host_name(1), "192.0.2.1")});
    auto reconciler = make();
    reconciler.full_pass();
    EXPECT_TRUE(dns.get(host_name(1)).empty());
}

TEST_F(ReconcilerTest, NeverTouchesNamesAndTypesItDoesNotManage) {
    add(1, "192.0.2.1");
    dns.set("ns1.example.org", {a("ns1.example.org", "192.0.2.53")});
    const auto txt =
        *ResourceRecord::make(name(host_name(1)), RecordType::TXT, 60, TxtData{{"by hand"}});
    dns.set(host_name(1), {txt}, RecordType::TXT);
    auto reconciler = make();
    reconciler.full_pass();
    EXPECT_EQ(dns.get("ns1.example.org"), std::vector{a("ns1.example.org", "192.0.2.53")});
    EXPECT_EQ(dns.get(host_name(1), RecordType::TXT), std::vector{txt});
    EXPECT_EQ(dns.get(host_name(1)), std::vector{a(host_name(1), "192.0.2.1")});
}

TEST_F(ReconcilerTest, BoundsTheRepairsOfOnePass) {
    for (int id = 1; id <= 5; ++id) add(id, "192.0.2.1");
    auto reconciler =
        make(ReconcileOptions{std::chrono::seconds(300), std::chrono::seconds(5), 2, 2, false});
    const auto first = reconciler.full_pass();
    EXPECT_EQ(first.repaired, 2u);
    EXPECT_FALSE(first.complete);
    EXPECT_EQ(reconciler.full_pass().repaired, 2u);
    const auto third = reconciler.full_pass();
    EXPECT_EQ(third.repaired, 1u);
    EXPECT_TRUE(third.complete);
    for (int id = 1; id <= 5; ++id) EXPECT_EQ(dns.get(host_name(id)).size(), 1u) << id;
}

TEST_F(ReconcilerTest, DryRunReportsAndChangesNothing) {
    add(1, "192.0.2.1", true);
    auto reconciler =
        make(ReconcileOptions{std::chrono::seconds(300), std::chrono::seconds(5), 100, 100, true});
    const auto report = reconciler.full_pass();
    EXPECT_EQ(report.drift_found, 1u);
    EXPECT_EQ(report.differences.size(), 1u);
    EXPECT_TRUE(dns.sent.empty());
    EXPECT_TRUE(in_doubt(1));
}

TEST_F(ReconcilerTest, SkipsHostsAnotherTransactionHolds) {
    add(1, "192.0.2.1");
    add(2, "192.0.2.2");
    store.locked_elsewhere = {1};
    auto reconciler = make();
    reconciler.full_pass();
    EXPECT_TRUE(dns.get(host_name(1)).empty());
    EXPECT_EQ(dns.get(host_name(2)).size(), 1u);
}

TEST_F(ReconcilerTest, TheThreadSettlesHostsInDoubtUntilStopped) {
    add(1, "192.0.2.1");
    auto reconciler = make(
        ReconcileOptions{std::chrono::seconds(3600), std::chrono::seconds(1), 100, 100, false});
    reconciler.start();  // the first pass is a full one
    for (int i = 0; i < 500 && reconciler.counters().passes.load() == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    reconciler.stop();
    EXPECT_GE(reconciler.counters().passes.load(), 1u);
    EXPECT_EQ(dns.get(host_name(1)).size(), 1u);
}

}  // namespace
}  // namespace ddns::gateway
