// The sweeper against fakes: re-check under the lock, batches, prerequisites failing for one host
// of a message, transport failures, and putting DNS back when recording fails.
#include "ddns/gateway/jobs/offline_sweeper.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>

#include "fakes.hpp"
#include "job_fakes.hpp"
#include "test_support.hpp"

namespace ddns::gateway {
namespace {

using fakes::FakeLifecycleStore;

using fakes::FakeSender;
using std::chrono::minutes;

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}
DnsName name(const std::string& text) {
    return *DnsName::parse(text);
}

const auth::TimePoint kNow = auth::TimePoint(std::chrono::hours(24 * 365 * 50));

class OfflineSweeperTest : public ::testing::Test {
protected:
    OfflineSweeperTest() {
        auto key = make_tsig_key("k", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0");
        zone = std::make_shared<auth::Zone>(auth::Zone{7, name("example.org"),
                                                       ServerEndpoint{ip("127.0.0.1"), 53},
                                                       std::move(*key), 60, std::nullopt});
        store.due_zones = {zone->id};
    }
    // A host last seen `ago` before kNow with a 20-minute heartbeat.
    void add(std::int64_t id, std::optional<IpAddress> v4, minutes ago = minutes(30)) {
        auth::Host h{id,         1,   name("h" + std::to_string(id) + ".example.org"),
                     60,         v4,  std::nullopt,
                     kNow - ago, zone};
        h.heartbeat_timeout = minutes(20);
        store.hosts.emplace(id, auth::SweepCandidate{std::move(h), std::nullopt});
    }
    OfflineSweeper sweeper(std::size_t batch_size = 100) {
        return OfflineSweeper(
            sender, store, log, [] { return kNow; },
            SweeperOptions{std::chrono::seconds(30), batch_size});
    }

    std::shared_ptr<auth::Zone> zone;
    FakeSender sender;
    FakeLifecycleStore store;
    Logger log{LogLevel::Error};
};

TEST_F(OfflineSweeperTest, DueHostsOfAZoneGoInOneMessageWithPrerequisites) {
    add(1, ip("192.0.2.1"));
    add(2, ip("192.0.2.2"));
    const auto report = sweeper().sweep_once();
    EXPECT_EQ(report.taken_offline, 2u);
    ASSERT_EQ(sender.sent.size(), 1u);
    EXPECT_EQ(sender.sent[0].prerequisites.size(), 2u);
    EXPECT_TRUE(store.hosts.at(1).host.offline);
    EXPECT_EQ(store.hosts.at(1).host.ipv4, std::nullopt);
    EXPECT_EQ(store.reasons.at(2), auth::OfflineReason::Heartbeat);
}

TEST_F(OfflineSweeperTest, AHostThatIsNotDueUnderTheLockIsLeftAlone) {
    add(1, ip("192.0.2.1"), minutes(5));  // came back between selection and lock
    const auto report = sweeper().sweep_once();
    EXPECT_EQ(report.taken_offline, 0u);
    EXPECT_TRUE(sender.sent.empty());
    EXPECT_FALSE(store.hosts.at(1).host.offline);
    EXPECT_EQ(store.batches, 2) << "skipped in the next batch of the pass, not selected forever";
}

TEST_F(OfflineSweeperTest, BatchesAreCappedAtTheBatchSize) {
    for (int i = 1; i <= 5; ++i) add(i, ip("192.0.2.1"));
    const auto report = sweeper(2).sweep_once();
    EXPECT_EQ(report.taken_offline, 5u);
    EXPECT_EQ(sender.sent.size(), 3u);
    EXPECT_EQ(store.commits, 3);
}

// How often `needle` occurs in `text`.
int lines_with(const std::string& text, const std::string& needle) {
    int n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + 1))
        ++n;
    return n;
}

// One pass (batches of 2) with a logger at `level` writing to a file; that file's text.
std::string logged_pass(FakeSender& sender, FakeLifecycleStore& store, LogLevel level,
                        std::size_t expect_offline) {
    const test::TempDir dir;
    const auto file = (dir.path() / "sweep.log").string();
    {
        const Logger logger(LogOptions{level, LogFormat::Text, file});
        OfflineSweeper s(
            sender, store, logger, [] { return kNow; },
            SweeperOptions{std::chrono::seconds(30), 2});
        EXPECT_EQ(s.sweep_once().taken_offline, expect_offline);
    }
    return test::read_file(file);
}

// A big sweep writes one info line per zone and pass (the counts, the zone, the batches and the
// time it took), not one per host: the hosts' own lines are debug.
TEST_F(OfflineSweeperTest, OneInfoLinePerZoneAndPassTheHostsAtDebug) {
    for (int i = 1; i <= 5; ++i) add(i, ip("192.0.2.1"));
    const std::string text = logged_pass(sender, store, LogLevel::Info, 5);
    EXPECT_EQ(lines_with(text, "\n"), 1) << text;
    EXPECT_EQ(lines_with(text,
                         "offline sweep of zone example.org: 5 host(s) taken offline, "
                         "0 left for the next pass, 3 batch(es) in "),
              1)
        << text;
    EXPECT_EQ(lines_with(text, "h1.example.org"), 0) << text;

    for (int i = 6; i <= 7; ++i) add(i, ip("192.0.2.1"));
    const std::string debug = logged_pass(sender, store, LogLevel::Debug, 2);
    EXPECT_EQ(lines_with(debug, "host h6.example.org taken offline (heartbeat, delete)"), 1)
        << debug;
    EXPECT_EQ(lines_with(debug, "host h7.example.org taken offline"), 1) << debug;
}

// A sender that encodes and signs like the real client and refuses what does not fit in one
// DNS message (65,535 octets over TCP) with the real client's EncodeError.
class EncodingSender final : public UpdateSender {
public:
    UpdateResult send(const UpdateRequest& request, const TsigKey& key,
                      const ServerEndpoint&) override {
        const auto wire = encode_signed_update(request, key, 1, 0);
        if (!wire) return {UpdateStatus::EncodeError, wire.error()};
        sizes.push_back(wire->size());
        hosts += request.prerequisites.size();
        return {UpdateStatus::Success, {}};
    }
    std::vector<std::size_t> sizes;  // of the messages that fit
    std::size_t hosts = 0;
};

TEST_F(OfflineSweeperTest, ABatchLargerThanOneMessageIsSplitAtTheMessageSizeLimit) {
    // 2,000 hosts with long names: about 100 octets each in the message, so about 200 KB.
    for (int i = 1; i <= 2000; ++i) {
        add(i, ip("192.0.2.1"));
        store.hosts.at(i).host.name =
            name("a-host-with-a-rather-long-name-" + std::to_string(i) + ".example.org");
    }
    EncodingSender encoding;
    OfflineSweeper big(
        encoding, store, log, [] { return kNow; }, SweeperOptions{std::chrono::seconds(30), 2000});
    const auto report = big.sweep_once();
    EXPECT_EQ(report.taken_offline, 2000u);
    EXPECT_EQ(report.failed, 0u);
    EXPECT_EQ(store.commits, 1) << "one transaction for the batch, whatever its messages";
    EXPECT_EQ(encoding.hosts, 2000u);
    EXPECT_GE(encoding.sizes.size(), 4u);
    EXPECT_LE(encoding.sizes.size(), 8u) << "halved only as far as needed";
    for (const std::size_t size : encoding.sizes) EXPECT_LE(size, 65535u);
    for (int i = 1; i <= 2000; ++i) EXPECT_TRUE(store.hosts.at(i).host.offline) << i;
}

TEST_F(OfflineSweeperTest, AFailedPrerequisiteIsRetriedSinglySoOnlyThatHostStays) {
    add(1, ip("192.0.2.1"));
    add(2, ip("192.0.2.2"));
    sender.scripted = {UpdateStatus::NxRrset, UpdateStatus::NxRrset, UpdateStatus::Success};
    const auto report = sweeper().sweep_once();
    EXPECT_EQ(sender.sent.size(), 3u);
    EXPECT_EQ(report.taken_offline, 1u);
    EXPECT_EQ(report.failed, 1u);
    EXPECT_FALSE(store.hosts.at(1).host.offline);
    EXPECT_EQ(store.hosts.at(1).host.ipv4, ip("192.0.2.1"));
    EXPECT_TRUE(store.hosts.at(2).host.offline);
    // The next pass tries it again.
    sender.scripted = {UpdateStatus::Success};
    EXPECT_EQ(sweeper().sweep_once().taken_offline, 1u);
    EXPECT_TRUE(store.hosts.at(1).host.offline);
}

TEST_F(OfflineSweeperTest, TransportFailuresRecordNothingAndAreNotRetriedPerHost) {
    add(1, ip("192.0.2.1"));
    add(2, ip("192.0.2.2"));
    sender.scripted = {UpdateStatus::Timeout};
    const auto report = sweeper().sweep_once();
    EXPECT_EQ(sender.sent.size(), 1u);
    EXPECT_EQ(report.failed, 2u);
    EXPECT_FALSE(store.hosts.at(1).host.offline);
    EXPECT_FALSE(store.hosts.at(2).host.offline);
}

// A lost or unverifiable reply: BIND may have taken the hosts offline. The database keeps them
// online and due, and marks them in doubt so that the reconciler settles them (issue #9, 4).
TEST_F(OfflineSweeperTest, ALostReplyMarksTheHostsInDoubtAndKeepsThemDue) {
    for (const UpdateStatus lost : {UpdateStatus::Timeout, UpdateStatus::BadReply}) {
        store.hosts.clear();
        store.marked.clear();
        add(1, ip("192.0.2.1"));
        add(2, ip("192.0.2.2"));
        add(3, std::nullopt);  // nothing in DNS: goes offline, nothing in doubt
        sender.scripted = {lost};
        const auto report = sweeper().sweep_once();
        EXPECT_EQ(report.taken_offline, 1u) << to_string(lost);
        EXPECT_EQ(report.failed, 2u) << to_string(lost);
        EXPECT_FALSE(store.hosts.at(1).host.offline);
        EXPECT_EQ(store.marked, (std::vector<std::int64_t>{1, 2})) << to_string(lost);
    }
}

TEST_F(OfflineSweeperTest, ARefusalIsCertainAndMarksNothing) {
    add(1, ip("192.0.2.1"));
    sender.scripted = {UpdateStatus::Refused};
    EXPECT_EQ(sweeper().sweep_once().failed, 1u);
    EXPECT_TRUE(store.marked.empty());
}

TEST_F(OfflineSweeperTest, HostsWithoutAddressesGoOfflineWithoutDns) {
    add(1, std::nullopt);
    EXPECT_EQ(sweeper().sweep_once().taken_offline, 1u);
    EXPECT_TRUE(sender.sent.empty());
    EXPECT_TRUE(store.hosts.at(1).host.offline);
}

TEST_F(OfflineSweeperTest, WhenRecordingFailsTheAddressesArePutBackInDns) {
    add(1, ip("192.0.2.1"));
    store.fail_commit = true;
    const auto report = sweeper().sweep_once();
    EXPECT_EQ(report.taken_offline, 0u);
    EXPECT_EQ(report.failed, 1u);
    ASSERT_EQ(sender.sent.size(), 2u);
    const auto& undo = sender.sent[1].operations;
    ASSERT_EQ(undo.size(), 2u);
    EXPECT_EQ(std::get<AddRecord>(undo[1]).record.data(), Rdata(ip("192.0.2.1")));
    EXPECT_FALSE(store.hosts.at(1).host.offline);
    // Only where BIND still holds what the sweep wrote (nothing, for a deleting zone).
    ASSERT_EQ(sender.sent[1].prerequisites.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<RRsetAbsent>(sender.sent[1].prerequisites[0]));
    // And marked for the in-doubt pass (run_zone_batch: a change elsewhere may match the guard).
    EXPECT_EQ(store.marked, std::vector<std::int64_t>{1});
}

TEST_F(OfflineSweeperTest, WhenTheCommitsOutcomeIsUnknownDnsIsKeptAndTheHostMarked) {
    add(1, ip("192.0.2.1"));
    add(2, std::nullopt);  // nothing in DNS: nothing in doubt
    store.commit_unknown = true;
    const auto report = sweeper().sweep_once();
    EXPECT_EQ(report.taken_offline, 0u);
    EXPECT_EQ(sender.sent.size(), 1u);  // no restore
    EXPECT_EQ(store.marked, std::vector<std::int64_t>{1});
}

TEST_F(OfflineSweeperTest, ExpiredAccountsGoOfflineWithTheirReason) {
    add(1, ip("192.0.2.1"), minutes(1));
    store.hosts.at(1).account_expires_at = kNow - minutes(1);
    EXPECT_EQ(sweeper().sweep_once().taken_offline, 1u);
    EXPECT_EQ(store.reasons.at(1), auth::OfflineReason::Expired);
}

// Due hosts another transaction held during a pass (SKIP LOCKED passed over them) are not left
// for a whole sweep.interval while passes make progress: the next pass follows within a second.
TEST_F(OfflineSweeperTest, AfterAPassThatTookHostsOfflineTheNextFollowsSoon) {
    add(1, ip("192.0.2.1"));
    add(2, ip("192.0.2.2"));
    store.held = {2};
    store.held_batches = 2;  // the first pass: a batch with host 1, then none
    auto s = sweeper();      // 30 s between passes that take nothing offline
    s.start();
    EXPECT_TRUE(
        ddns::test::wait_until([&] { return store.batches >= 4; }, std::chrono::seconds(10)))
        << "the second pass waited for the interval";
    s.stop();
    EXPECT_TRUE(store.hosts.at(1).host.offline);
    EXPECT_TRUE(store.hosts.at(2).host.offline);
}

// What the reconciler waits for before a full pass (reconciler_defer_test): busy from start()
// until a pass finds nothing more to take offline.
TEST_F(OfflineSweeperTest, BusyFromStartUntilAPassTakesNothingOffline) {
    add(1, ip("192.0.2.1"));
    auto s = sweeper();
    EXPECT_FALSE(s.busy());
    s.start();
    // The first pass takes host 1 offline, so the next follows within a second: busy until then.
    EXPECT_TRUE(s.busy());
    EXPECT_TRUE(ddns::test::wait_until([&] { return store.batches >= 3 && !s.busy(); },
                                       std::chrono::seconds(10)));
    s.stop();
    EXPECT_FALSE(s.busy());
    EXPECT_TRUE(store.hosts.at(1).host.offline);
}

TEST_F(OfflineSweeperTest, StartRunsPassesInTheBackgroundUntilStop) {
    add(1, ip("192.0.2.1"));
    auto s = sweeper();
    s.start();
    // The first pass runs at once; the store is only read after stop() joined the thread.
    EXPECT_TRUE(ddns::test::wait_until([&] { return store.batches >= 2; }));
    s.stop();
    EXPECT_TRUE(store.hosts.at(1).host.offline);
    s.stop();  // idempotent
}

}  // namespace
}  // namespace ddns::gateway
