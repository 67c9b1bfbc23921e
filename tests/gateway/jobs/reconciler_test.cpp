// The reconciler against fakes: a fake authoritative server that evaluates prerequisites the way
// BIND does (for the kinds the reconciler sends) and a fake store with row "locks". Asserts on
// the fake server's records and the store's in-doubt marks, not on log lines.
#include "ddns/gateway/jobs/reconciler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "job_fakes.hpp"

namespace ddns::gateway {
namespace {

using fakes::FakeReconcileStore;
using fakes::FakeZoneDns;

DnsName name(const std::string& text) {
    return *DnsName::parse(text);
}
ResourceRecord a(const std::string& owner, const char* address, std::uint32_t ttl = 60) {
    return ResourceRecord::address(name(owner), ttl, *IpAddress::parse(address));
}

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

    FakeZoneDns dns;
    FakeReconcileStore store;
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
    // A and AAAA of host 1 and of *.h1 (its unknown UPDATE may have left a mirror), only.
    EXPECT_EQ(dns.reads, 4);
}

// A zone-level wildcard answers the queries for a host that holds nothing: the synthesized A is
// told from a real one ("RRset exists" says NXRRSET), nothing is repaired and the host settles.
TEST_F(ReconcilerTest, AnAnswerSynthesizedFromAZoneWildcardIsNotRepaired) {
    add(1, nullptr, true);
    dns.wildcard_a = IpAddress::parse("192.0.2.250");
    auto reconciler = make();
    const auto report = reconciler.settle_in_doubt();
    EXPECT_TRUE(dns.sent.empty());
    EXPECT_EQ(report.failed, 0u);
    EXPECT_FALSE(in_doubt(1));
    EXPECT_EQ(dns.probes, 2) << "h1 and *.h1 each read as holding the wildcard's A";
}

TEST_F(ReconcilerTest, AMirrorThatTheUnknownUpdateOfAHostInDoubtWroteIsRemoved) {
    // A wildcard=ON update to .7 reached BIND, its reply was lost: the database says .1, no
    // mirror. The copy at *.h1 is the gateway's; the TXT there is not.
    add(1, "192.0.2.1", true);
    const std::string mirror = "*." + host_name(1);
    const auto by_hand = *ResourceRecord::make(name(mirror), RecordType::TXT, 60, TxtData{{"x"}});
    dns.set(host_name(1), {a(host_name(1), "192.0.2.7")});
    dns.set(mirror, {a(mirror, "192.0.2.7")});
    dns.set(mirror, {by_hand}, RecordType::TXT);
    auto reconciler = make();
    reconciler.settle_in_doubt();
    EXPECT_EQ(dns.get(host_name(1)), std::vector{a(host_name(1), "192.0.2.1")});
    EXPECT_TRUE(dns.get(mirror).empty());
    EXPECT_EQ(dns.get(mirror, RecordType::TXT), std::vector{by_hand});
    EXPECT_FALSE(in_doubt(1));
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

TEST_F(ReconcilerTest, AFullPassReadsTheZoneOnceAndQueriesOnlyTheHostsThatDiffer) {
    for (int id = 1; id <= 20; ++id) {
        add(id, "192.0.2.1");
        dns.set(host_name(id), {a(host_name(id), "192.0.2.1")});
    }
    dns.set(host_name(7), {a(host_name(7), "192.0.2.99")});  // changed by hand
    dns.transfers_enabled = true;
    auto reconciler = make();
    const auto report = reconciler.full_pass();
    EXPECT_EQ(dns.transfers, 1);
    EXPECT_EQ(report.transfers, 1u);
    EXPECT_EQ(dns.reads, 2) << "A and AAAA of host 7 only, read again before the repair";
    EXPECT_EQ(report.hosts_checked, 20u);
    EXPECT_EQ(report.repaired, 1u);
    EXPECT_EQ(dns.get(host_name(7)), std::vector{a(host_name(7), "192.0.2.1")});
    EXPECT_EQ(reconciler.counters().transfers.load(), 1u);
}

// The hosts that agree with the transfer are compared without a row lock; only the ones it shows
// as different, and those in doubt, are locked (and read again under the lock). Before, a full
// pass locked every host of every zone, 100 rows at a time (issue #13).
TEST_F(ReconcilerTest, AFullPassLocksOnlyTheHostsTheTransferShowsAsDifferentOrInDoubt) {
    for (int id = 1; id <= 250; ++id) {
        add(id, "192.0.2.1", id == 3 || id == 240);
        dns.set(host_name(id), {a(host_name(id), "192.0.2.1")});
    }
    dns.set(host_name(7), {a(host_name(7), "192.0.2.99")});     // changed by hand
    dns.set(host_name(150), {a(host_name(150), "192.0.2.8")});  // in the second batch
    dns.transfers_enabled = true;
    auto reconciler = make();
    const auto report = reconciler.full_pass();
    EXPECT_EQ(store.locked, (std::vector<std::int64_t>{3, 7, 150, 240}));
    EXPECT_EQ(report.hosts_checked, 250u);
    EXPECT_EQ(report.repaired, 2u);
    EXPECT_EQ(report.settled, 2u);
    EXPECT_TRUE(report.complete);
    EXPECT_EQ(dns.get(host_name(150)), std::vector{a(host_name(150), "192.0.2.1")});
}

TEST_F(ReconcilerTest, ADifferenceOnlyInAnOlderTransferIsNotRepaired) {
    // The transfer saw .9, then an update committed .1 to BIND and the database: the host's
    // fresh read agrees, so nothing is sent.
    add(1, "192.0.2.1");
    dns.set(host_name(1), {a(host_name(1), "192.0.2.9")});
    dns.transfers_enabled = true;
    dns.after_transfer = [this] { dns.set(host_name(1), {a(host_name(1), "192.0.2.1")}); };
    auto reconciler = make();
    const auto report = reconciler.full_pass();
    EXPECT_EQ(report.drift_found, 0u);
    EXPECT_TRUE(dns.sent.empty());
}

TEST_F(ReconcilerTest, AHostInDoubtIsReadAgainEvenWhenTheTransferAgrees) {
    // The UPDATE whose reply was lost reached BIND after the transfer was read: only a fresh
    // read sees it, and the mark may only be cleared after one.
    add(1, "192.0.2.1", true);
    dns.set(host_name(1), {a(host_name(1), "192.0.2.1")});
    dns.transfers_enabled = true;
    dns.after_transfer = [this] { dns.set(host_name(1), {a(host_name(1), "192.0.2.7")}); };
    auto reconciler = make();
    const auto report = reconciler.full_pass();
    EXPECT_EQ(report.repaired, 1u);
    EXPECT_EQ(dns.get(host_name(1)), std::vector{a(host_name(1), "192.0.2.1")});
    EXPECT_FALSE(in_doubt(1));
}

TEST_F(ReconcilerTest, ARefusedTransferFallsBackToQueryingEveryHost) {
    for (int id = 1; id <= 3; ++id) add(id, "192.0.2.1");
    dns.set(host_name(2), {a(host_name(2), "192.0.2.1")});
    dns.transfers_enabled = true;
    dns.transfer_refused = true;
    auto reconciler = make();
    const auto report = reconciler.full_pass();
    EXPECT_EQ(report.transfers, 0u);
    EXPECT_EQ(reconciler.counters().transfer_failures.load(), 1u);
    EXPECT_EQ(dns.reads, 6);
    EXPECT_EQ(report.repaired, 2u);
    for (int id = 1; id <= 3; ++id) EXPECT_EQ(dns.get(host_name(id)).size(), 1u) << id;
}

ResourceRecord mx(const std::string& owner, std::uint16_t preference, const std::string& target) {
    return *ResourceRecord::make(name(owner), RecordType::MX, 300,
                                 MxData{preference, name(target)});
}
ResourceRecord txt(const std::string& owner, const std::string& text) {
    return *ResourceRecord::make(name(owner), RecordType::TXT, 300, TxtData{{text}});
}

TEST_F(ReconcilerTest, ADomainRecordChangedByHandIsRepairedAndOthersAreLeftAlone) {
    // The owner of example.org keeps two MX and a TXT at the apex; someone edited the MX in BIND
    // and added a TXT at a name the gateway does not manage.
    store.records = {mx("example.org", 10, "mx1.example.net"),
                     mx("example.org", 20, "mx2.example.net"), txt("example.org", "v=spf1 -all")};
    dns.set("example.org", {mx("example.org", 10, "evil.example.net")}, RecordType::MX);
    dns.set("example.org", {txt("example.org", "v=spf1 -all")}, RecordType::TXT);
    dns.set("static.example.org", {txt("static.example.org", "by hand")}, RecordType::TXT);
    auto reconciler = make();
    const auto report = reconciler.full_pass();
    auto held = dns.get("example.org", RecordType::MX);
    EXPECT_TRUE(FakeZoneDns::same_rdata(held, {mx("example.org", 10, "mx1.example.net"),
                                               mx("example.org", 20, "mx2.example.net")}));
    EXPECT_EQ(dns.get("static.example.org", RecordType::TXT),
              std::vector{txt("static.example.org", "by hand")});
    EXPECT_EQ(report.drift_found, 1u);
    EXPECT_EQ(report.repaired, 1u);
    EXPECT_EQ(report.record_sets_checked, 2u);
    EXPECT_EQ(store.record_commits, 1);
    ASSERT_EQ(report.differences.size(), 1u);
    EXPECT_NE(report.differences[0].find("evil.example.net"), std::string::npos);
}

TEST_F(ReconcilerTest, DomainRecordsAreReadFromTheTransferAndOnlySuspectsAreQueried) {
    store.records = {txt("example.org", "a"), txt("www.example.org", "b"),
                     txt("mail.example.org", "c")};
    for (const auto& rr : store.records) dns.set(rr.owner().str(), {rr}, RecordType::TXT);
    dns.set("www.example.org", {txt("www.example.org", "changed")}, RecordType::TXT);
    dns.transfers_enabled = true;
    auto reconciler = make();
    const auto report = reconciler.full_pass();
    EXPECT_EQ(dns.transfers, 1);
    EXPECT_EQ(dns.reads, 1) << "only www's TXT, read again under the lock";
    EXPECT_EQ(dns.get("www.example.org", RecordType::TXT),
              std::vector{txt("www.example.org", "b")});
}

TEST_F(ReconcilerTest, AZoneWhoseRecordsAreBeingChangedIsLeftForTheNextPass) {
    store.records = {txt("example.org", "a")};
    store.records_held_elsewhere = true;
    auto reconciler = make();
    reconciler.full_pass();
    EXPECT_TRUE(dns.sent.empty());
    EXPECT_EQ(dns.reads, 0);
    store.records_held_elsewhere = false;
    reconciler.full_pass();
    EXPECT_EQ(dns.get("example.org", RecordType::TXT), std::vector{txt("example.org", "a")});
}

// Domain-record RRsets in doubt (record_rrsets_in_doubt): the record service marks the RRset of
// a change whose reply was lost or whose commit has an unknown outcome.
class RecordsInDoubt : public ReconcilerTest {
protected:
    void mark(const std::string& owner, RecordType type) {
        store.records_in_doubt.push_back({name(owner), type, auth::Clock::now()});
    }
    // An Add of a TXT at www that reached BIND while its reply did not: marked, no row.
    void lost_add() {
        mark("www.example.org", RecordType::TXT);
        dns.set("www.example.org", {txt("www.example.org", "added")}, RecordType::TXT);
    }
    bool marked(const std::string& owner, RecordType type) {
        return std::any_of(
            store.records_in_doubt.begin(), store.records_in_doubt.end(),
            [&](const auth::RRsetInDoubt& m) { return m.name == name(owner) && m.type == type; });
    }
};

TEST_F(RecordsInDoubt, AnAddWhoseReplyWasLostIsRemovedWhenTheDatabaseHasNoRow) {
    lost_add();
    dns.set("static.example.org", {txt("static.example.org", "by hand")}, RecordType::TXT);
    auto reconciler = make();
    const auto report = reconciler.settle_in_doubt();
    EXPECT_TRUE(dns.get("www.example.org", RecordType::TXT).empty());
    EXPECT_FALSE(marked("www.example.org", RecordType::TXT));
    EXPECT_EQ(dns.get("static.example.org", RecordType::TXT),
              std::vector{txt("static.example.org", "by hand")});
    EXPECT_EQ(report.drift_found, 1u);
    EXPECT_EQ(report.repaired, 1u);
    EXPECT_EQ(report.settled, 1u);
    EXPECT_EQ(reconciler.counters().settled.load(), 1u);
}

TEST_F(RecordsInDoubt, ARemovalWhoseReplyWasLostIsPutBackFromTheRows) {
    store.records = {mx("example.org", 10, "mx1.example.net"),
                     mx("example.org", 20, "mx2.example.net")};
    mark("example.org", RecordType::MX);
    dns.set("example.org", {mx("example.org", 10, "mx1.example.net")}, RecordType::MX);
    auto reconciler = make();
    reconciler.settle_in_doubt();
    EXPECT_TRUE(FakeZoneDns::same_rdata(dns.get("example.org", RecordType::MX), store.records));
    EXPECT_FALSE(marked("example.org", RecordType::MX));
}

TEST_F(RecordsInDoubt, AnRRsetThatAgreesIsSettledWithoutAnUpdate) {
    store.records = {txt("www.example.org", "b")};
    mark("www.example.org", RecordType::TXT);
    dns.set("www.example.org", {txt("www.example.org", "b")}, RecordType::TXT);
    auto reconciler = make();
    const auto report = reconciler.settle_in_doubt();
    EXPECT_TRUE(dns.sent.empty());
    EXPECT_FALSE(marked("www.example.org", RecordType::TXT));
    EXPECT_EQ(report.settled, 1u);
}

TEST_F(RecordsInDoubt, UnreadableBindOrAFailedGuardKeepsTheMark) {
    lost_add();
    dns.unreadable = true;
    auto reconciler = make();
    EXPECT_FALSE(reconciler.settle_in_doubt().complete);
    EXPECT_TRUE(marked("www.example.org", RecordType::TXT));
    EXPECT_TRUE(dns.sent.empty());

    dns.unreadable = false;
    // Another change lands between the read and the repair: the guard fails, nothing is
    // overwritten, the mark stays for the next pass.
    dns.before_update = [&] {
        dns.set("www.example.org", {txt("www.example.org", "newer")}, RecordType::TXT);
    };
    reconciler.settle_in_doubt();
    EXPECT_EQ(dns.get("www.example.org", RecordType::TXT),
              std::vector{txt("www.example.org", "newer")});
    EXPECT_TRUE(marked("www.example.org", RecordType::TXT));

    dns.before_update = nullptr;
    reconciler.settle_in_doubt();
    EXPECT_TRUE(dns.get("www.example.org", RecordType::TXT).empty());
    EXPECT_FALSE(marked("www.example.org", RecordType::TXT));
}

TEST_F(RecordsInDoubt, DryRunKeepsTheMarkAndChangesNothing) {
    lost_add();
    ReconcileOptions options;
    options.dry_run = true;
    auto reconciler = make(options);
    const auto report = reconciler.settle_in_doubt();
    EXPECT_EQ(report.drift_found, 1u);
    EXPECT_TRUE(dns.sent.empty());
    EXPECT_TRUE(marked("www.example.org", RecordType::TXT));
}

TEST_F(RecordsInDoubt, AFullPassReadsMarkedRRsetsAgainEvenWhenTheTransferAgrees) {
    // The lost Add lands in BIND after the transfer was read; the zone has no rows at all.
    mark("www.example.org", RecordType::TXT);
    dns.transfers_enabled = true;
    dns.after_transfer = [&] {
        dns.set("www.example.org", {txt("www.example.org", "late")}, RecordType::TXT);
    };
    auto reconciler = make();
    const auto report = reconciler.full_pass();
    EXPECT_EQ(dns.transfers, 1);
    EXPECT_TRUE(dns.get("www.example.org", RecordType::TXT).empty());
    EXPECT_FALSE(marked("www.example.org", RecordType::TXT));
    EXPECT_EQ(report.settled, 1u);
}

TEST_F(RecordsInDoubt, AZoneWhoseRecordsAreBeingChangedKeepsItsMarksForTheNextPass) {
    lost_add();
    store.records_held_elsewhere = true;
    auto reconciler = make();
    reconciler.settle_in_doubt();
    EXPECT_EQ(dns.reads, 0);
    EXPECT_TRUE(marked("www.example.org", RecordType::TXT));
}

}  // namespace
}  // namespace ddns::gateway
