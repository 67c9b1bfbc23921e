// UpdateClient against a real named: records are checked in named itself (dig), never inferred
// from the client's answer alone.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "ddns/nsupdate/update_client.hpp"
#include "named_server.hpp"

namespace ddns {
namespace {

using test::NamedServer;
using test::NamedServerOptions;

constexpr const char* kZone = "example.test";

DnsName N(std::string_view text) {
    return *DnsName::parse(text);
}
ResourceRecord A(std::string_view owner, std::string_view address, std::uint32_t ttl = 300) {
    return ResourceRecord::address(N(owner), ttl, *IpAddress::parse(address));
}
std::vector<std::string> V(std::initializer_list<std::string> items) {
    return items;
}

TsigKey load_key(const std::filesystem::path& file) {
    auto key = parse_tsig_key_file(test::read_file(file));
    if (!key) throw std::runtime_error("key file: " + key.error());
    return std::move(key).value();
}

std::uint64_t wall_seconds() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

class NamedTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { shared_ = NamedServer::start().release(); }
    static void TearDownTestSuite() {
        delete shared_;
        shared_ = nullptr;
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << "named log:\n" << shared_->log() << "\n";
    }

    NamedServer& named() { return *shared_; }
    ServerEndpoint endpoint() const { return {*IpAddress::parse("127.0.0.1"), shared_->port()}; }
    TsigKey key() const { return load_key(shared_->key_file()); }
    UpdateResult send(const UpdateRequest& request) {
        UpdateClient client;
        return client.send(request, key(), endpoint());
    }
    UpdateRequest request(std::vector<UpdateOperation> ops, std::vector<Prerequisite> pre = {}) {
        return UpdateRequest{N(kZone), std::move(pre), std::move(ops)};
    }
    std::uint32_t serial() { return named().soa_serial(kZone).value_or(0); }

    static NamedServer* shared_;  // NOLINT: one named per suite keeps the suite fast
};
NamedServer* NamedTest::shared_ = nullptr;

TEST_F(NamedTest, AddsAnARecord) {
    const auto before = serial();
    const auto result = send(request({AddRecord{A("add.example.test", "192.0.2.1")}}));
    ASSERT_EQ(result.status, UpdateStatus::Success) << result.detail;
    EXPECT_EQ(named().query("add.example.test", "A"), V({"192.0.2.1"}));
    EXPECT_EQ(serial(), before + 1);
}

TEST_F(NamedTest, ReplacesAAndAaaaAtomicallyInOneMessage) {
    ASSERT_TRUE(send(request({AddRecord{A("both.example.test", "192.0.2.1")},
                              AddRecord{A("both.example.test", "2001:db8::1")}}))
                    .ok());
    const auto before = serial();
    const auto result = send(request({DeleteRRset{N("both.example.test"), RecordType::A},
                                      DeleteRRset{N("both.example.test"), RecordType::AAAA},
                                      AddRecord{A("both.example.test", "192.0.2.2")},
                                      AddRecord{A("both.example.test", "2001:db8::2")}}));
    ASSERT_EQ(result.status, UpdateStatus::Success) << result.detail;
    EXPECT_EQ(named().query("both.example.test", "A"), V({"192.0.2.2"}));
    EXPECT_EQ(named().query("both.example.test", "AAAA"), V({"2001:db8::2"}));
    EXPECT_EQ(serial(), before + 1) << "one message, one commit";
}

TEST_F(NamedTest, DeletesAnRRset) {
    ASSERT_TRUE(send(request({AddRecord{A("del.example.test", "192.0.2.1")},
                              AddRecord{A("del.example.test", "192.0.2.2")},
                              AddRecord{A("del.example.test", "2001:db8::5")}}))
                    .ok());
    ASSERT_EQ(named().query("del.example.test", "A").size(), 2u);
    const auto result = send(request({DeleteRRset{N("del.example.test"), RecordType::A}}));
    ASSERT_EQ(result.status, UpdateStatus::Success) << result.detail;
    EXPECT_TRUE(named().query("del.example.test", "A").empty());
    EXPECT_EQ(named().query("del.example.test", "AAAA"), V({"2001:db8::5"}));
}

TEST_F(NamedTest, DeletesOneRecordOfARoundRobin) {
    ASSERT_TRUE(send(request({AddRecord{A("rr.example.test", "192.0.2.1")},
                              AddRecord{A("rr.example.test", "192.0.2.2")},
                              AddRecord{A("rr.example.test", "192.0.2.3")}}))
                    .ok());
    const auto result = send(request({DeleteRecord{A("rr.example.test", "192.0.2.2")}}));
    ASSERT_EQ(result.status, UpdateStatus::Success) << result.detail;
    EXPECT_EQ(named().query("rr.example.test", "A"), V({"192.0.2.1", "192.0.2.3"}));
}

TEST_F(NamedTest, DeletesAName) {
    ASSERT_TRUE(
        send(request({AddRecord{A("name.example.test", "192.0.2.1")},
                      AddRecord{*ResourceRecord::make(N("name.example.test"), RecordType::TXT, 60,
                                                      TxtData{{"hello"}})}}))
            .ok());
    ASSERT_EQ(send(request({DeleteName{N("name.example.test")}})).status, UpdateStatus::Success);
    EXPECT_TRUE(named().query("name.example.test", "A").empty());
    EXPECT_TRUE(named().query("name.example.test", "TXT").empty());
}

TEST_F(NamedTest, FailedPrerequisiteChangesNothing) {
    const auto before = serial();
    const auto result = send(request({AddRecord{A("pre.example.test", "192.0.2.9")}},
                                     {RRsetExists{N("pre.example.test"), RecordType::A}}));
    EXPECT_EQ(result.status, UpdateStatus::NxRrset) << result.detail;
    EXPECT_TRUE(named().query("pre.example.test", "A").empty());
    EXPECT_EQ(serial(), before);

    ASSERT_TRUE(send(request({AddRecord{A("pre.example.test", "192.0.2.9")}})).ok());
    EXPECT_EQ(send(request({}, {NameAbsent{N("pre.example.test")}})).status,
              UpdateStatus::YxDomain);
    EXPECT_EQ(send(request({}, {RRsetExistsValue{A("pre.example.test", "192.0.2.9")}})).status,
              UpdateStatus::Success);
    EXPECT_EQ(send(request({}, {RRsetExistsValue{A("pre.example.test", "192.0.2.8")}})).status,
              UpdateStatus::NxRrset);
}

TEST_F(NamedTest, MxTxtCnameAndWildcard) {
    const auto mx = *ResourceRecord::make(N("mx.example.test"), RecordType::MX, 60,
                                          MxData{10, N("mail.example.net")});
    const auto txt = *ResourceRecord::make(N("mx.example.test"), RecordType::TXT, 60,
                                           TxtData{{"v=spf1 -all", "quote\" semi;"}});
    const auto cname =
        *ResourceRecord::make(N("alias.example.test"), RecordType::CNAME, 60, N("mx.example.test"));
    const auto result = send(request({AddRecord{mx}, AddRecord{txt}, AddRecord{cname},
                                      AddRecord{A("*.wild.example.test", "192.0.2.77")}}));
    ASSERT_EQ(result.status, UpdateStatus::Success) << result.detail;
    EXPECT_EQ(named().query("mx.example.test", "MX"), V({"10 mail.example.net."}));
    EXPECT_EQ(named().query("mx.example.test", "TXT"), V({R"("v=spf1 -all" "quote\" semi;")"}));
    EXPECT_EQ(named().query("alias.example.test", "CNAME"), V({"mx.example.test."}));
    EXPECT_EQ(named().query("anything.wild.example.test", "A"), V({"192.0.2.77"}));
}

TEST_F(NamedTest, WrongSecretIsBadSig) {
    const auto real = key();
    auto wrong = make_tsig_key(real.name.str(), to_string(real.algorithm),
                               "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=");
    ASSERT_TRUE(wrong.has_value());
    UpdateClient client;
    const auto result = client.send(request({AddRecord{A("badsig.example.test", "192.0.2.1")}}),
                                    wrong.value(), endpoint());
    EXPECT_EQ(result.status, UpdateStatus::BadSig) << result.detail;
    EXPECT_TRUE(named().query("badsig.example.test", "A").empty());
}

TEST_F(NamedTest, UnknownKeyIsBadKey) {
    auto unknown =
        make_tsig_key("nobody-key", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=");
    ASSERT_TRUE(unknown.has_value());
    UpdateClient client;
    const auto result = client.send(request({AddRecord{A("badkey.example.test", "192.0.2.1")}}),
                                    unknown.value(), endpoint());
    EXPECT_EQ(result.status, UpdateStatus::BadKey) << result.detail;
    EXPECT_TRUE(named().query("badkey.example.test", "A").empty());
}

TEST_F(NamedTest, KeyNotGrantedIsRefused) {
    UpdateClient client;
    const auto result = client.send(request({AddRecord{A("refused.example.test", "192.0.2.1")}}),
                                    load_key(named().ungranted_key_file()), endpoint());
    EXPECT_EQ(result.status, UpdateStatus::Refused) << result.detail;
    EXPECT_TRUE(named().query("refused.example.test", "A").empty());
}

TEST_F(NamedTest, NameOutsideZoneIsAnEncodeErrorWithoutTraffic) {
    // Nothing listens on this port: any attempt to send would end in NetworkError or Timeout.
    const ServerEndpoint nowhere{*IpAddress::parse("127.0.0.1"), test::free_port()};
    UpdateClient client;
    const auto result =
        client.send(request({AddRecord{A("host.example.org", "192.0.2.1")}}), key(), nowhere);
    EXPECT_EQ(result.status, UpdateStatus::EncodeError) << result.detail;
}

TEST_F(NamedTest, ZoneNotServedIsNotAuth) {
    const auto result =
        send(UpdateRequest{N("other.test"), {}, {AddRecord{A("h.other.test", "192.0.2.1")}}});
    EXPECT_EQ(result.status, UpdateStatus::NotAuth) << result.detail;
}

TEST_F(NamedTest, LargeMessageGoesOverTcp) {
    std::vector<UpdateOperation> ops;
    for (int i = 0; i < 40; ++i) {
        ops.push_back(AddRecord{
            *ResourceRecord::make(N("big.example.test"), RecordType::TXT, 60,
                                  TxtData{{std::to_string(100 + i) + std::string(150, 'x')}})});
    }
    const auto req = request(ops);
    const auto wire = encode_signed_update(req, key(), 1, wall_seconds());
    ASSERT_TRUE(wire.has_value());
    ASSERT_GT(wire->size(), 4096u) << "must not fit a plain UDP message";
    const auto result = send(req);
    ASSERT_EQ(result.status, UpdateStatus::Success) << result.detail;
    EXPECT_EQ(named().query("big.example.test", "TXT").size(), 40u);
}

TEST_F(NamedTest, ClockSkewedByAnHourIsBadTime) {
    UpdateClientOptions options;
    options.clock = [] { return wall_seconds() + 3600; };
    UpdateClient client(options);
    const auto result =
        client.send(request({AddRecord{A("skew.example.test", "192.0.2.1")}}), key(), endpoint());
    EXPECT_EQ(result.status, UpdateStatus::BadTime) << result.detail;
    EXPECT_TRUE(named().query("skew.example.test", "A").empty());
}

TEST_F(NamedTest, ConcurrentSendsFromManyThreads) {
    UpdateClient client;  // one client shared by all threads, as in the gateway
    const auto k = key();
    constexpr int kThreads = 8;
    std::vector<UpdateResult> results(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            const auto owner = "t" + std::to_string(i) + ".concurrent.example.test";
            results[static_cast<std::size_t>(i)] = client.send(
                request({AddRecord{A(owner, "192.0.2." + std::to_string(i + 1))}}), k, endpoint());
        });
    }
    for (auto& t : threads) t.join();
    for (int i = 0; i < kThreads; ++i) {
        EXPECT_EQ(results[static_cast<std::size_t>(i)].status, UpdateStatus::Success)
            << results[static_cast<std::size_t>(i)].detail;
        EXPECT_EQ(named().query("t" + std::to_string(i) + ".concurrent.example.test", "A"),
                  V({"192.0.2." + std::to_string(i + 1)}));
    }
}

// Tests that need a named of their own.
class OwnNamedTest : public ::testing::Test {
protected:
    void TearDown() override {
        if (HasFailure() && server_) std::cerr << "named log:\n" << server_->log() << "\n";
    }
    std::unique_ptr<NamedServer> server_;
};

TEST_F(OwnNamedTest, StoppedNamedFailsQuicklyThenRecovers) {
    server_ = NamedServer::start();
    const ServerEndpoint ep{*IpAddress::parse("127.0.0.1"), server_->port()};
    const auto k = load_key(server_->key_file());
    server_->stop();

    UpdateClientOptions options;
    options.timeout = std::chrono::milliseconds(500);
    UpdateClient client(options);
    const auto req = UpdateRequest{N(kZone), {}, {AddRecord{A("down.example.test", "192.0.2.1")}}};
    const auto started = std::chrono::steady_clock::now();
    const auto result = client.send(req, k, ep);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(result.status == UpdateStatus::NetworkError ||
                result.status == UpdateStatus::Timeout)
        << to_string(result.status) << ": " << result.detail;
    EXPECT_LT(elapsed, std::chrono::milliseconds(1500));

    server_->start_again();
    const auto again = client.send(req, k, ep);
    ASSERT_EQ(again.status, UpdateStatus::Success) << again.detail;
    EXPECT_EQ(server_->query("down.example.test", "A"), V({"192.0.2.1"}));
}

class AlgorithmTest : public OwnNamedTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(AlgorithmTest, ZoneWithThisKeyAlgorithmAcceptsUpdates) {
    NamedServerOptions options;
    options.key_algorithm = GetParam();
    server_ = NamedServer::start(options);
    const auto k = load_key(server_->key_file());
    ASSERT_EQ(to_string(k.algorithm), GetParam());
    UpdateClient client;
    const auto result =
        client.send(UpdateRequest{N(kZone), {}, {AddRecord{A("alg.example.test", "2001:db8::7")}}},
                    k, ServerEndpoint{*IpAddress::parse("127.0.0.1"), server_->port()});
    ASSERT_EQ(result.status, UpdateStatus::Success) << result.detail;
    EXPECT_EQ(server_->query("alg.example.test", "AAAA"), V({"2001:db8::7"}));
}

// hmac-sha384 is the one ldns 1.8.3 gets wrong; hmac-sha512 is required.
INSTANTIATE_TEST_SUITE_P(Algorithms, AlgorithmTest,
                         ::testing::Values("hmac-sha512", "hmac-sha384", "hmac-sha1"),
                         [](const auto& param_info) {
                             std::string name = param_info.param;
                             for (auto& c : name) c = c == '-' ? '_' : c;
                             return name;
                         });

}  // namespace
}  // namespace ddns
