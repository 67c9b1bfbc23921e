// The record path against fakes: what each add/remove sends (and with which prerequisites),
// every refusal that must cost no DNS traffic, nothing recorded unless BIND said yes, and the
// inverse UPDATE when recording fails.
#include "ddns/gateway/core/record_service.hpp"
#include "fakes.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace ddns::gateway {
namespace {

using fakes::FakeRecordStore;
using fakes::FakeSender;

DnsName name(const char* text) {
    return *DnsName::parse(text);
}
IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}
ResourceRecord rr(const char* owner, RecordType type, Rdata data, std::uint32_t ttl = 60) {
    return *ResourceRecord::make(name(owner), type, ttl, std::move(data));
}
ResourceRecord a(const char* owner, const char* address, std::uint32_t ttl = 60) {
    return rr(owner, RecordType::A, ip(address), ttl);
}
ResourceRecord cname(const char* owner, const char* target) {
    return rr(owner, RecordType::CNAME, name(target));
}
ResourceRecord mx(const char* owner, std::uint16_t preference, const char* exchange) {
    return rr(owner, RecordType::MX, MxData{preference, name(exchange)});
}

class RecordServiceTest : public ::testing::Test {
protected:
    RecordServiceTest()
        : zone{7,
               name("example.org"),
               ServerEndpoint{ip("127.0.0.1"), 53},
               make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0").value(),
               60,
               42} {
        store.hosts.insert(name("home.example.org"));
    }
    void seed(const std::vector<ResourceRecord>& records) {
        for (const auto& r : records) store.add(zone.id, r);
    }
    RecordOutcome add(const ResourceRecord& record) { return service.add(zone, record).outcome; }
    RecordOutcome remove(const RecordSelector& selector) {
        return service.remove(zone, selector).outcome;
    }

    auth::Zone zone;
    FakeSender sender;
    FakeRecordStore store;
    Logger log{LogLevel::Error};
    RecordService service{sender, store, log};
};

TEST_F(RecordServiceTest, AddSendsOneAddGuardedAgainstACnameAndRecordsIt) {
    EXPECT_EQ(add(mx("example.org", 10, "mail.example.org")), RecordOutcome::Added);
    ASSERT_EQ(sender.sent.size(), 1u);
    const auto& request = sender.sent[0];
    EXPECT_EQ(request.zone, name("example.org"));
    ASSERT_EQ(request.operations.size(), 1u);
    EXPECT_EQ(std::get<AddRecord>(request.operations[0]).record,
              mx("example.org", 10, "mail.example.org"));
    ASSERT_EQ(request.prerequisites.size(), 1u);
    const auto& absent = std::get<RRsetAbsent>(request.prerequisites[0]);
    EXPECT_EQ(absent.owner, name("example.org"));
    EXPECT_EQ(absent.type, RecordType::CNAME);
    EXPECT_EQ(store.stored(zone.id), std::vector{mx("example.org", 10, "mail.example.org")});
    EXPECT_EQ(store.locked_zones, std::vector<std::int64_t>{7});
}

TEST_F(RecordServiceTest, ASecondAddressJoinsTheRrsetWithoutDeletingTheFirst) {
    ASSERT_EQ(add(a("www.example.org", "192.0.2.1")), RecordOutcome::Added);
    ASSERT_EQ(add(a("www.example.org", "192.0.2.2")), RecordOutcome::Added);
    ASSERT_EQ(sender.sent.size(), 2u);
    ASSERT_EQ(sender.sent[1].operations.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<AddRecord>(sender.sent[1].operations[0]));
    EXPECT_EQ(store.stored(zone.id),
              (std::vector{a("www.example.org", "192.0.2.1"), a("www.example.org", "192.0.2.2")}));
}

TEST_F(RecordServiceTest, ACnameAddRequiresAnUnusedNameInDnsToo) {
    EXPECT_EQ(add(cname("alias.example.org", "www.example.org")), RecordOutcome::Added);
    ASSERT_EQ(sender.sent.size(), 1u);
    ASSERT_EQ(sender.sent[0].prerequisites.size(), 1u);
    EXPECT_EQ(std::get<NameAbsent>(sender.sent[0].prerequisites[0]).owner,
              name("alias.example.org"));
}

// Each row: what is stored, the RR to add, and the refusal. None of them may reach BIND.
struct Refusal {
    const char* label;
    std::vector<ResourceRecord> stored;
    ResourceRecord record;
    RecordOutcome outcome;
};

TEST_F(RecordServiceTest, RefusalsCostNoDnsTrafficAndChangeNothing) {
    const std::vector<Refusal> rows{
        {"exact duplicate",
         {a("w.example.org", "192.0.2.1")},
         a("w.example.org", "192.0.2.1"),
         RecordOutcome::AlreadyExists},
        {"duplicate with another TTL",
         {a("w.example.org", "192.0.2.1")},
         a("w.example.org", "192.0.2.1", 3600),
         RecordOutcome::AlreadyExists},
        {"same CNAME again",
         {cname("c.example.org", "w.example.org")},
         cname("c.example.org", "w.example.org"),
         RecordOutcome::AlreadyExists},
        {"CNAME next to data",
         {mx("c.example.org", 10, "mx.example.org")},
         cname("c.example.org", "w.example.org"),
         RecordOutcome::CnameConflict},
        {"second CNAME",
         {cname("c.example.org", "w.example.org")},
         cname("c.example.org", "v.example.org"),
         RecordOutcome::CnameConflict},
        {"data next to a CNAME",
         {cname("c.example.org", "w.example.org")},
         a("c.example.org", "192.0.2.1"),
         RecordOutcome::CnameConflict},
        {"TXT next to a CNAME",
         {cname("c.example.org", "w.example.org")},
         rr("c.example.org", RecordType::TXT, TxtData{{"x"}}),
         RecordOutcome::CnameConflict},
        {"CNAME at the apex",
         {},
         cname("example.org", "w.example.org"),
         RecordOutcome::CnameConflict},
        {"NS at the apex",
         {},
         rr("example.org", RecordType::NS, name("ns9.example.net")),
         RecordOutcome::NameTaken},
        {"A at a host's name", {}, a("home.example.org", "192.0.2.1"), RecordOutcome::NameTaken},
        {"AAAA at a host's name",
         {},
         rr("home.example.org", RecordType::AAAA, ip("2001:db8::1")),
         RecordOutcome::NameTaken},
        {"CNAME at a host's name",
         {},
         cname("home.example.org", "w.example.org"),
         RecordOutcome::NameTaken},
        {"NS at a host's name",
         {},
         rr("home.example.org", RecordType::NS, name("ns.example.net")),
         RecordOutcome::NameTaken},
        {"outside the zone", {}, a("www.example.net", "192.0.2.1"), RecordOutcome::OutsideZone},
        {"suffix but not below", {}, a("badexample.org", "192.0.2.1"), RecordOutcome::OutsideZone},
    };
    for (const auto& row : rows) {
        store.zones[zone.id].clear();
        seed(row.stored);
        sender.sent.clear();
        EXPECT_EQ(add(row.record), row.outcome) << row.label;
        EXPECT_TRUE(sender.sent.empty()) << row.label;
        EXPECT_EQ(store.stored(zone.id), row.stored) << row.label;
    }
}

TEST_F(RecordServiceTest, MailAndTextMayLiveAtAHostsName) {
    EXPECT_EQ(add(mx("home.example.org", 10, "mail.example.org")), RecordOutcome::Added);
    EXPECT_EQ(add(rr("home.example.org", RecordType::TXT, TxtData{{"hello"}})),
              RecordOutcome::Added);
    EXPECT_EQ(store.zones[zone.id].size(), 2u);
}

TEST_F(RecordServiceTest, AFailedPrerequisiteIsACnameConflictAndNothingIsRecorded) {
    for (const auto status : {UpdateStatus::YxRrset, UpdateStatus::YxDomain}) {
        sender.scripted = {status};
        const auto result = service.add(zone, cname("x.example.org", "w.example.org"));
        EXPECT_EQ(result.outcome, RecordOutcome::CnameConflict);
        EXPECT_EQ(result.dns_status, status);
        EXPECT_TRUE(store.zones[zone.id].empty());
    }
}

TEST_F(RecordServiceTest, BindRefusingMeansNothingIsRecorded) {
    for (const auto status : {UpdateStatus::Refused, UpdateStatus::Timeout, UpdateStatus::BadSig,
                              UpdateStatus::NotZone, UpdateStatus::ServFail}) {
        sender.scripted = {status};
        const auto result = service.add(zone, a("x.example.org", "192.0.2.1"));
        EXPECT_EQ(result.outcome, RecordOutcome::DnsFailed);
        EXPECT_EQ(result.dns_status, status);
        EXPECT_TRUE(store.zones[zone.id].empty());
    }
}

// BIND refuses an MX whose in-zone exchange has no address with the same REFUSED as a policy
// denial; two prerequisite-only probes ("A exists", "AAAA exists") tell the two apart.
TEST_F(RecordServiceTest, ARefusedMxToAnInZoneTargetWithoutAddressIsToldApart) {
    sender.scripted = {UpdateStatus::Refused, UpdateStatus::NxRrset, UpdateStatus::NxRrset};
    const auto result = service.add(zone, mx("example.org", 10, "mail.example.org"));
    EXPECT_EQ(result.outcome, RecordOutcome::TargetWithoutAddress);
    EXPECT_TRUE(store.zones[zone.id].empty());
    ASSERT_EQ(sender.sent.size(), 3u);
    for (std::size_t i = 1; i < 3; ++i) {
        EXPECT_TRUE(sender.sent[i].operations.empty()) << "a probe changes nothing";
        ASSERT_EQ(sender.sent[i].prerequisites.size(), 1u);
        const auto* exists = std::get_if<RRsetExists>(&sender.sent[i].prerequisites.front());
        ASSERT_NE(exists, nullptr);
        EXPECT_EQ(exists->owner, name("mail.example.org"));
        EXPECT_EQ(exists->type, i == 1 ? RecordType::A : RecordType::AAAA);
    }
}

TEST_F(RecordServiceTest, ARefusedMxWhoseTargetHasAnAddressStaysADnsFailure) {
    // The AAAA probe succeeds: the refusal had another reason (update-policy).
    sender.scripted = {UpdateStatus::Refused, UpdateStatus::NxRrset, UpdateStatus::Success};
    EXPECT_EQ(add(mx("example.org", 10, "mail.example.org")), RecordOutcome::DnsFailed);
    // An exchange outside the zone is not BIND's integrity check: no probe at all.
    sender.sent.clear();
    sender.scripted = {UpdateStatus::Refused};
    EXPECT_EQ(add(mx("example.org", 10, "mail.example.net")), RecordOutcome::DnsFailed);
    EXPECT_EQ(sender.sent.size(), 1u);
    // Another failure than REFUSED is not probed either.
    sender.sent.clear();
    sender.scripted = {UpdateStatus::Timeout};
    EXPECT_EQ(add(mx("example.org", 10, "mail.example.org")), RecordOutcome::DnsFailed);
    EXPECT_EQ(sender.sent.size(), 1u);
    EXPECT_TRUE(store.zones[zone.id].empty());
}

TEST_F(RecordServiceTest, AFailedCommitAfterAnAddIsUndoneInDns) {
    store.fail_commit = true;
    EXPECT_EQ(add(a("x.example.org", "192.0.2.1")), RecordOutcome::StoreFailed);
    ASSERT_EQ(sender.sent.size(), 2u);
    const auto& undo = sender.sent[1];
    // Only where BIND still holds exactly what the add wrote.
    ASSERT_EQ(undo.prerequisites.size(), 1u);
    EXPECT_EQ(std::get<RRsetExistsValue>(undo.prerequisites[0]).record,
              a("x.example.org", "192.0.2.1"));
    ASSERT_EQ(undo.operations.size(), 1u);
    EXPECT_EQ(std::get<DeleteRecord>(undo.operations[0]).record, a("x.example.org", "192.0.2.1"));
    EXPECT_TRUE(store.zones[zone.id].empty());
}

TEST_F(RecordServiceTest, ACommitWithAnUnknownOutcomeKeepsDnsAndAnswersAServerError) {
    store.commit_unknown = true;
    EXPECT_EQ(add(a("x.example.org", "192.0.2.1")), RecordOutcome::StoreFailed);
    EXPECT_EQ(sender.sent.size(), 1u);  // no rollback: the database may hold the record
    EXPECT_EQ(store.zones[zone.id].size(), 1u);
    EXPECT_EQ(store.in_doubt,
              (std::set<FakeRecordStore::RRset>{{zone.id, name("x.example.org"), RecordType::A}}));
    EXPECT_EQ(remove({name("x.example.org"), RecordType::A, std::nullopt, std::nullopt}),
              RecordOutcome::StoreFailed);
    EXPECT_EQ(sender.sent.size(), 2u);
}

TEST_F(RecordServiceTest, TheDatabaseDownBeforehandCostsNoDnsTraffic) {
    store.fail_begin = true;
    EXPECT_EQ(add(a("x.example.org", "192.0.2.1")), RecordOutcome::StoreFailed);
    EXPECT_EQ(remove({name("x.example.org"), RecordType::A, std::nullopt, std::nullopt}),
              RecordOutcome::StoreFailed);
    EXPECT_TRUE(sender.sent.empty());
}

TEST_F(RecordServiceTest, AnotherTtlRetimesTheWholeRrsetAsBindDoes) {
    seed({a("w.example.org", "192.0.2.1", 300), a("w.example.org", "192.0.2.2", 300),
          rr("w.example.org", RecordType::TXT, TxtData{{"t"}}, 300)});
    ASSERT_EQ(add(a("w.example.org", "192.0.2.3", 60)), RecordOutcome::Added);
    for (const auto& r : store.stored(zone.id))
        EXPECT_EQ(r.ttl(), r.type() == RecordType::A ? 60u : 300u) << r.data_text();
    EXPECT_EQ(store.zones[zone.id].size(), 4u);

    // When recording fails, the undo puts the old TTL back along with the deletion.
    store.fail_commit = true;
    sender.sent.clear();
    ASSERT_EQ(add(a("w.example.org", "192.0.2.4", 30)), RecordOutcome::StoreFailed);
    ASSERT_EQ(sender.sent.size(), 2u);
    const auto& undo = sender.sent[1].operations;
    ASSERT_EQ(undo.size(), 4u);
    EXPECT_EQ(std::get<DeleteRecord>(undo[0]).record, a("w.example.org", "192.0.2.4", 30));
    for (std::size_t i = 1; i < undo.size(); ++i)
        EXPECT_EQ(std::get<AddRecord>(undo[i]).record.ttl(), 60u);
}

TEST_F(RecordServiceTest, RemovingSomeOfAnRrsetDeletesThoseRrsInOneMessage) {
    seed({a("w.example.org", "192.0.2.1"), a("w.example.org", "192.0.2.2"),
          a("w.example.org", "192.0.2.3"), rr("w.example.org", RecordType::TXT, TxtData{{"t"}})});
    EXPECT_EQ(remove({name("w.example.org"), RecordType::A, Rdata{ip("192.0.2.2")}, std::nullopt}),
              RecordOutcome::Removed);
    ASSERT_EQ(sender.sent.size(), 1u);
    ASSERT_EQ(sender.sent[0].operations.size(), 1u);
    EXPECT_EQ(std::get<DeleteRecord>(sender.sent[0].operations[0]).record,
              a("w.example.org", "192.0.2.2"));
    EXPECT_EQ(store.zones[zone.id].size(), 3u);
}

TEST_F(RecordServiceTest, RemovingEveryRrOfAnRrsetDeletesTheRrset) {
    seed({a("w.example.org", "192.0.2.1"), a("w.example.org", "192.0.2.2"),
          rr("w.example.org", RecordType::TXT, TxtData{{"t"}})});
    EXPECT_EQ(remove({name("w.example.org"), RecordType::A, std::nullopt, std::nullopt}),
              RecordOutcome::Removed);
    ASSERT_EQ(sender.sent.size(), 1u);
    ASSERT_EQ(sender.sent[0].operations.size(), 1u);
    const auto& del = std::get<DeleteRRset>(sender.sent[0].operations[0]);
    EXPECT_EQ(del.owner, name("w.example.org"));
    EXPECT_EQ(del.type, RecordType::A);
    EXPECT_EQ(store.stored(zone.id),
              std::vector{rr("w.example.org", RecordType::TXT, TxtData{{"t"}})});

    // The last RR named by its data is the whole RRset too.
    sender.sent.clear();
    EXPECT_EQ(remove({name("w.example.org"), RecordType::TXT, Rdata{TxtData{{"t"}}}, std::nullopt}),
              RecordOutcome::Removed);
    EXPECT_TRUE(std::holds_alternative<DeleteRRset>(sender.sent.at(0).operations.at(0)));
    EXPECT_TRUE(store.zones[zone.id].empty());
}

TEST_F(RecordServiceTest, MxRecordsCanBeChosenByPreference) {
    seed({mx("example.org", 10, "a.example.org"), mx("example.org", 10, "b.example.org"),
          mx("example.org", 20, "c.example.org")});
    EXPECT_EQ(remove({name("example.org"), RecordType::MX, std::nullopt, 10}),
              RecordOutcome::Removed);
    ASSERT_EQ(sender.sent.size(), 1u);
    EXPECT_EQ(sender.sent[0].operations.size(), 2u);
    EXPECT_EQ(store.stored(zone.id), std::vector{mx("example.org", 20, "c.example.org")});
    EXPECT_EQ(remove({name("example.org"), RecordType::MX, std::nullopt, 30}),
              RecordOutcome::NotFound);
}

TEST_F(RecordServiceTest, NothingToRemoveCostsNoDnsTraffic) {
    seed({a("w.example.org", "192.0.2.1")});
    const std::vector<RecordSelector> rows{
        {name("v.example.org"), RecordType::A, std::nullopt, std::nullopt},
        {name("w.example.org"), RecordType::AAAA, std::nullopt, std::nullopt},
        {name("w.example.org"), RecordType::A, Rdata{ip("192.0.2.9")}, std::nullopt},
        {name("w.example.org"), RecordType::A, Rdata{name("x.example.org")}, std::nullopt},
    };
    for (const auto& selector : rows)
        EXPECT_EQ(remove(selector), RecordOutcome::NotFound) << selector.name.str();
    EXPECT_EQ(remove({name("w.example.net"), RecordType::A, std::nullopt, std::nullopt}),
              RecordOutcome::OutsideZone);
    EXPECT_TRUE(sender.sent.empty());
    EXPECT_EQ(store.zones[zone.id].size(), 1u);
}

TEST_F(RecordServiceTest, RemovalFailuresLeaveTheRecordsStored) {
    seed({a("w.example.org", "192.0.2.1"), a("w.example.org", "192.0.2.2")});
    sender.scripted = {UpdateStatus::Refused};
    const auto result =
        service.remove(zone, {name("w.example.org"), RecordType::A, std::nullopt, std::nullopt});
    EXPECT_EQ(result.outcome, RecordOutcome::DnsFailed);
    EXPECT_EQ(result.dns_status, UpdateStatus::Refused);
    EXPECT_EQ(store.zones[zone.id].size(), 2u);

    // BIND deleted, the database did not record it: BIND gets the RRs back.
    store.fail_commit = true;
    sender.sent.clear();
    EXPECT_EQ(remove({name("w.example.org"), RecordType::A, std::nullopt, std::nullopt}),
              RecordOutcome::StoreFailed);
    ASSERT_EQ(sender.sent.size(), 2u);
    const auto& undo = sender.sent[1].operations;
    ASSERT_EQ(undo.size(), 2u);
    EXPECT_EQ(std::get<AddRecord>(undo[0]).record, a("w.example.org", "192.0.2.1"));
    EXPECT_EQ(std::get<AddRecord>(undo[1]).record, a("w.example.org", "192.0.2.2"));
    EXPECT_EQ(store.zones[zone.id].size(), 2u);
    // Only where BIND still holds what the removal left: nothing.
    ASSERT_EQ(sender.sent[1].prerequisites.size(), 1u);
    EXPECT_EQ(std::get<RRsetAbsent>(sender.sent[1].prerequisites[0]).type, RecordType::A);
    // And marked for the in-doubt pass (run_zone_batch: a change elsewhere may match the guard).
    EXPECT_EQ(store.in_doubt,
              (std::set<FakeRecordStore::RRset>{{zone.id, name("w.example.org"), RecordType::A}}));
}

TEST_F(RecordServiceTest, ARollbackAfterRemovingSomeRequiresWhatIsLeft) {
    seed({a("w.example.org", "192.0.2.1"), a("w.example.org", "192.0.2.2")});
    store.fail_commit = true;
    EXPECT_EQ(remove({name("w.example.org"), RecordType::A, Rdata(ip("192.0.2.1")), std::nullopt}),
              RecordOutcome::StoreFailed);
    ASSERT_EQ(sender.sent.size(), 2u);
    ASSERT_EQ(sender.sent[1].prerequisites.size(), 1u);
    EXPECT_EQ(std::get<RRsetExistsValue>(sender.sent[1].prerequisites[0]).record,
              a("w.example.org", "192.0.2.2"));
}

// BIND may have applied a change whose reply was lost: the RRset is marked in doubt for the
// reconciler (issue #9, finding 4), nothing is recorded, the caller gets a DNS failure.
TEST_F(RecordServiceTest, ALostReplyMarksTheRrsetInDoubt) {
    for (const UpdateStatus lost : {UpdateStatus::Timeout, UpdateStatus::BadReply}) {
        store.in_doubt.clear();
        sender.scripted = {lost};
        EXPECT_EQ(add(a("x.example.org", "192.0.2.1")), RecordOutcome::DnsFailed);
        EXPECT_TRUE(store.stored(zone.id).empty());
        EXPECT_EQ(
            store.in_doubt,
            (std::set<FakeRecordStore::RRset>{{zone.id, name("x.example.org"), RecordType::A}}));
    }
    seed({mx("example.org", 10, "mail.example.net")});
    store.in_doubt.clear();
    sender.scripted = {UpdateStatus::Timeout};
    EXPECT_EQ(remove({name("example.org"), RecordType::MX, std::nullopt, std::nullopt}),
              RecordOutcome::DnsFailed);
    EXPECT_EQ(store.stored(zone.id).size(), 1u);
    EXPECT_EQ(store.in_doubt,
              (std::set<FakeRecordStore::RRset>{{zone.id, name("example.org"), RecordType::MX}}));
    // A refusal is certain: nothing in doubt.
    store.in_doubt.clear();
    sender.scripted = {UpdateStatus::Refused};
    EXPECT_EQ(add(a("y.example.org", "192.0.2.1")), RecordOutcome::DnsFailed);
    EXPECT_TRUE(store.in_doubt.empty());
}

TEST_F(RecordServiceTest, ListReturnsTheStoredRecords) {
    seed({a("w.example.org", "192.0.2.1"), mx("example.org", 10, "w.example.org")});
    EXPECT_EQ(service.list(zone), store.stored(zone.id));
    store.fail_begin = true;  // list takes no lock
    EXPECT_EQ(service.list(zone).size(), 2u);
}

}  // namespace
}  // namespace ddns::gateway
