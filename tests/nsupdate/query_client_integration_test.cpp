// QueryClient against a real named: what it reads is what an UPDATE acknowledged just before, a
// missing name or RRset reads as empty, and a reply that cannot be trusted reads as a failure.
// The zone transfer reads the same records, across many TSIG-signed messages for a large zone,
// and a transfer with a key BIND does not allow is a failure, not an empty zone.
#include <gtest/gtest.h>

#include <algorithm>

#include "ddns/nsupdate/rrset_reader.hpp"
#include "named_server.hpp"

namespace ddns {
namespace {

using test::NamedServer;

DnsName N(std::string_view text) {
    return *DnsName::parse(text);
}
ResourceRecord A(std::string_view owner, std::string_view address, std::uint32_t ttl = 300) {
    return ResourceRecord::address(N(owner), ttl, *IpAddress::parse(address));
}

TsigKey load_key(const std::filesystem::path& file) {
    auto key = parse_tsig_key_file(test::read_file(file));
    if (!key) throw std::runtime_error("key file: " + key.error());
    return std::move(key).value();
}

class QueryClientTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { shared_ = NamedServer::start().release(); }
    static void TearDownTestSuite() {
        delete shared_;
        shared_ = nullptr;
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << "named log:\n" << shared_->log() << "\n";
    }
    ServerEndpoint endpoint() const { return {*IpAddress::parse("127.0.0.1"), shared_->port()}; }
    TsigKey key() const { return load_key(shared_->key_file()); }
    void apply(std::vector<UpdateOperation> ops) {
        UpdateClient client;
        const auto r = client.send({N("example.test"), {}, std::move(ops)}, key(), endpoint());
        ASSERT_TRUE(r.ok()) << r.detail;
    }
    static NamedServer* shared_;
};
NamedServer* QueryClientTest::shared_ = nullptr;

TEST_F(QueryClientTest, ReadsTheWholeRRsetBindHolds) {
    apply({DeleteName{N("q1.example.test")}, AddRecord{A("q1.example.test", "192.0.2.1", 120)},
           AddRecord{A("q1.example.test", "192.0.2.2", 120)}});
    QueryClient client;
    auto read = client.read(N("q1.example.test"), RecordType::A, key(), endpoint());
    ASSERT_TRUE(read.ok()) << read.result.detail;
    std::sort(read.records.begin(), read.records.end(),
              [](const auto& a, const auto& b) { return a.data_text() < b.data_text(); });
    EXPECT_EQ(read.records, (std::vector{A("q1.example.test", "192.0.2.1", 120),
                                         A("q1.example.test", "192.0.2.2", 120)}));
}

TEST_F(QueryClientTest, ReadsAaaaMxAndTxt) {
    const auto v6 = *ResourceRecord::make(N("q2.example.test"), RecordType::AAAA, 60,
                                          *IpAddress::parse("2001:db8::7"));
    const auto mx = *ResourceRecord::make(N("q2.example.test"), RecordType::MX, 60,
                                          MxData{10, N("mail.example.net")});
    const auto txt = *ResourceRecord::make(N("q2.example.test"), RecordType::TXT, 60,
                                           TxtData{{"hello world", "second"}});
    apply({DeleteName{N("q2.example.test")}, AddRecord{v6}, AddRecord{mx}, AddRecord{txt}});
    QueryClient client;
    for (const auto& want : {v6, mx, txt}) {
        const auto read = client.read(want.owner(), want.type(), key(), endpoint());
        ASSERT_TRUE(read.ok()) << read.result.detail;
        EXPECT_EQ(read.records, std::vector{want}) << to_string(want.type());
    }
}

TEST_F(QueryClientTest, AMissingNameOrRRsetReadsEmpty) {
    apply({DeleteName{N("q3.example.test")}, AddRecord{A("q3.example.test", "192.0.2.3")}});
    QueryClient client;
    const auto no_name = client.read(N("absent.example.test"), RecordType::A, key(), endpoint());
    ASSERT_TRUE(no_name.ok()) << no_name.result.detail;
    EXPECT_TRUE(no_name.records.empty());
    const auto no_rrset = client.read(N("q3.example.test"), RecordType::AAAA, key(), endpoint());
    ASSERT_TRUE(no_rrset.ok()) << no_rrset.result.detail;
    EXPECT_TRUE(no_rrset.records.empty());
}

TEST_F(QueryClientTest, AWrongKeyIsAFailureNotAnEmptyRRset) {
    apply({DeleteName{N("q4.example.test")}, AddRecord{A("q4.example.test", "192.0.2.4")}});
    const auto wrong = parse_tsig_key_file(
        "key \"other-key\" { algorithm hmac-sha256; secret \"c2VjcmV0c2VjcmV0c2VjcmV0\"; };");
    ASSERT_TRUE(wrong.has_value());
    QueryClient client;
    const auto read = client.read(N("q4.example.test"), RecordType::A, *wrong, endpoint());
    EXPECT_FALSE(read.ok());
    EXPECT_TRUE(read.records.empty());
}

TEST_F(QueryClientTest, NoServerIsAFailure) {
    QueryClient client(QueryClientOptions{std::chrono::milliseconds(300), 300, {}});
    // Port 1 on loopback: nothing listens, the connection is refused.
    const auto read = client.read(N("q1.example.test"), RecordType::A, key(),
                                  {*IpAddress::parse("127.0.0.1"), 1});
    EXPECT_FALSE(read.ok());
}

std::vector<ResourceRecord> at(const std::vector<ResourceRecord>& records, std::string_view owner) {
    std::vector<ResourceRecord> out;
    for (const auto& rr : records)
        if (rr.owner() == N(owner)) out.push_back(rr);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::pair{a.type(), a.data_text()} < std::pair{b.type(), b.data_text()};
    });
    return out;
}

TEST_F(QueryClientTest, ATransferReadsEveryRecordTheGatewayWrites) {
    const auto mx = *ResourceRecord::make(N("t1.example.test"), RecordType::MX, 60,
                                          MxData{10, N("mail.example.net")});
    const auto txt =
        *ResourceRecord::make(N("t1.example.test"), RecordType::TXT, 60, TxtData{{"v=spf1 -all"}});
    const auto alias =
        *ResourceRecord::make(N("t2.example.test"), RecordType::CNAME, 60, N("t1.example.test"));
    apply({DeleteName{N("t1.example.test")}, DeleteName{N("t2.example.test")},
           AddRecord{A("t1.example.test", "192.0.2.11", 90)}, AddRecord{mx}, AddRecord{txt},
           AddRecord{alias}});
    QueryClient client;
    const auto zone = client.transfer(N("example.test"), key(), endpoint());
    ASSERT_TRUE(zone.ok()) << zone.result.detail;
    EXPECT_GE(zone.messages, 1u);
    EXPECT_EQ(at(zone.records, "t1.example.test"),
              (std::vector{A("t1.example.test", "192.0.2.11", 90), mx, txt}));
    EXPECT_EQ(at(zone.records, "t2.example.test"), std::vector{alias});
    EXPECT_FALSE(at(zone.records, "example.test").empty()) << "the apex NS is part of the zone";
}

TEST_F(QueryClientTest, ALargeZoneArrivesInManySignedMessagesAndIsReadWhole) {
    // About 4,000 records of ~100 octets: BIND sends them in many messages, each signed (or
    // covered by the next signature); every one of them must verify and none may be missing.
    constexpr int kNames = 4000;
    const std::string filler(80, 'x');
    for (int batch = 0; batch < kNames / 200; ++batch) {
        std::vector<UpdateOperation> ops;
        for (int i = batch * 200; i < (batch + 1) * 200; ++i) {
            const auto owner = N("bulk" + std::to_string(i) + ".example.test");
            ops.emplace_back(DeleteName{owner});
            ops.emplace_back(
                AddRecord{*ResourceRecord::make(owner, RecordType::TXT, 60, TxtData{{filler}})});
        }
        apply(std::move(ops));
    }
    QueryClient client;
    const auto zone = client.transfer(N("example.test"), key(), endpoint());
    ASSERT_TRUE(zone.ok()) << zone.result.detail;
    EXPECT_GT(zone.messages, 3u);
    int bulk = 0;
    for (const auto& rr : zone.records)
        if (rr.owner().str().rfind("bulk", 0) == 0) ++bulk;
    EXPECT_EQ(bulk, kNames);
}

TEST_F(QueryClientTest, ATransferWithAKeyBindDoesNotAllowIsAFailure) {
    QueryClient client;
    const auto other = load_key(shared_->ungranted_key_file());
    const auto refused = client.transfer(N("example.test"), other, endpoint());
    EXPECT_FALSE(refused.ok());
    EXPECT_TRUE(refused.records.empty());

    const auto wrong = parse_tsig_key_file(
        "key \"other-key\" { algorithm hmac-sha256; secret \"c2VjcmV0c2VjcmV0c2VjcmV0\"; };");
    ASSERT_TRUE(wrong.has_value());
    const auto unverified = client.transfer(N("example.test"), *wrong, endpoint());
    EXPECT_FALSE(unverified.ok());
    EXPECT_TRUE(unverified.records.empty());
}

TEST_F(QueryClientTest, ATransferFromNoServerIsAFailure) {
    QueryClientOptions options;
    options.transfer_timeout = std::chrono::milliseconds(300);
    QueryClient client(options);
    const auto zone =
        client.transfer(N("example.test"), key(), {*IpAddress::parse("127.0.0.1"), 1});
    EXPECT_FALSE(zone.ok());
}

}  // namespace
}  // namespace ddns
