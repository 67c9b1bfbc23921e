// QueryClient against a real named: what it reads is what an UPDATE acknowledged just before, a
// missing name or RRset reads as empty, and a reply that cannot be trusted reads as a failure.
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

}  // namespace
}  // namespace ddns
