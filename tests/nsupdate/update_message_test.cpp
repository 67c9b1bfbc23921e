// UPDATE encoding round trips: encode, parse the wire back with ldns, check every field.
#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "ddns/nsupdate/update_message.hpp"
#include "update_encoding.hpp"

namespace ddns {
namespace {

DnsName N(std::string_view text) {
    return *DnsName::parse(text);
}
IpAddress IP(std::string_view text) {
    return *IpAddress::parse(text);
}
ResourceRecord A(std::string_view owner, std::string_view address, std::uint32_t ttl = 300) {
    return ResourceRecord::address(N(owner), ttl, IP(address));
}

TsigKey test_key() {
    return make_tsig_key("ddns-key", "hmac-sha256", "WQYfU4JXWinQ7GwOrAfM6c3ByGHQ82RfAMmXuLIu3Sc=")
        .value();
}

struct Rr {
    std::string owner;
    unsigned type;
    unsigned klass;
    std::uint32_t ttl;
    std::vector<std::string> rdata;
    friend bool operator==(const Rr&, const Rr&) = default;
    friend std::ostream& operator<<(std::ostream& os, const Rr& rr) {
        os << rr.owner << " type=" << rr.type << " class=" << rr.klass << " ttl=" << rr.ttl
           << " rdata=[";
        for (const auto& r : rr.rdata) os << r << ";";
        return os << "]";
    }
};

struct PktDeleter {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktDeleter>;

std::string rdf_text(const ldns_rdf* rdf) {
    char* s = ldns_rdf2str(rdf);
    std::string out = s != nullptr ? s : "";
    std::free(s);  // NOLINT(cppcoreguidelines-no-malloc)
    return out;
}

std::vector<Rr> section(const ldns_rr_list* list) {
    std::vector<Rr> out;
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
        const ldns_rr* rr = ldns_rr_list_rr(list, i);
        Rr row{rdf_text(ldns_rr_owner(rr)),
               ldns_rr_get_type(rr),
               ldns_rr_get_class(rr),
               ldns_rr_ttl(rr),
               {}};
        for (std::size_t j = 0; j < ldns_rr_rd_count(rr); ++j) {
            row.rdata.push_back(rdf_text(ldns_rr_rdf(rr, j)));
        }
        out.push_back(row);
    }
    return out;
}

PktPtr parse(const std::vector<std::uint8_t>& wire) {
    ldns_pkt* pkt = nullptr;
    EXPECT_EQ(ldns_wire2pkt(&pkt, wire.data(), wire.size()), LDNS_STATUS_OK);
    return PktPtr(pkt);
}

constexpr unsigned IN = 1, NONE = 254, ANY = 255;
constexpr unsigned T_A = 1, T_MX = 15, T_TXT = 16, T_AAAA = 28, T_ANY = 255, T_CNAME = 5;

struct EncodeRow {
    std::string label;
    std::vector<Prerequisite> prerequisites;
    std::vector<UpdateOperation> operations;
    std::vector<Rr> expected_prerequisites;
    std::vector<Rr> expected_updates;
};

class EncodeRoundTrip : public ::testing::TestWithParam<EncodeRow> {};

TEST_P(EncodeRoundTrip, EverySectionAsSpecified) {
    const auto& row = GetParam();
    const UpdateRequest request{N("example.org"), row.prerequisites, row.operations};
    const auto wire = detail::encode_unsigned_update(request, 0xbeef);
    ASSERT_TRUE(wire.has_value()) << wire.error();
    const auto pkt = parse(*wire);
    ASSERT_TRUE(pkt);
    EXPECT_EQ(ldns_pkt_id(pkt.get()), 0xbeef);
    EXPECT_EQ(ldns_pkt_get_opcode(pkt.get()), LDNS_PACKET_UPDATE);
    EXPECT_FALSE(ldns_pkt_qr(pkt.get()));
    // Zone section: the zone, type SOA, class IN (a question entry has no TTL on the wire).
    const auto zone = section(ldns_pkt_question(pkt.get()));
    ASSERT_EQ(zone.size(), 1u);
    EXPECT_EQ(zone[0].owner, "example.org.");
    EXPECT_EQ(zone[0].type, 6u);
    EXPECT_EQ(zone[0].klass, IN);
    EXPECT_EQ(section(ldns_pkt_answer(pkt.get())), row.expected_prerequisites);
    EXPECT_EQ(section(ldns_pkt_authority(pkt.get())), row.expected_updates);
    EXPECT_EQ(ldns_pkt_arcount(pkt.get()), 0);
}

INSTANTIATE_TEST_SUITE_P(
    Table, EncodeRoundTrip,
    ::testing::Values(EncodeRow{"add_a",
                                {},
                                {AddRecord{A("h.example.org", "192.0.2.1", 60)}},
                                {},
                                {{"h.example.org.", T_A, IN, 60, {"192.0.2.1"}}}},
                      EncodeRow{"replace_a_and_aaaa",
                                {},
                                {DeleteRRset{N("h.example.org"), RecordType::A},
                                 DeleteRRset{N("h.example.org"), RecordType::AAAA},
                                 AddRecord{A("h.example.org", "192.0.2.1")},
                                 AddRecord{A("h.example.org", "2001:db8::1")}},
                                {},
                                {{"h.example.org.", T_A, ANY, 0, {}},
                                 {"h.example.org.", T_AAAA, ANY, 0, {}},
                                 {"h.example.org.", T_A, IN, 300, {"192.0.2.1"}},
                                 {"h.example.org.", T_AAAA, IN, 300, {"2001:db8::1"}}}},
                      EncodeRow{"delete_record",
                                {},
                                {DeleteRecord{A("rr.example.org", "192.0.2.2", 999)}},
                                {},
                                {{"rr.example.org.", T_A, NONE, 0, {"192.0.2.2"}}}},
                      EncodeRow{"delete_name",
                                {},
                                {DeleteName{N("gone.example.org")}},
                                {},
                                {{"gone.example.org.", T_ANY, ANY, 0, {}}}},
                      EncodeRow{
                          "apex_mx_txt_cname",
                          {},
                          {AddRecord{*ResourceRecord::make(N("example.org"), RecordType::MX, 3600,
                                                           MxData{10, N("mail.example.net")})},
                           AddRecord{*ResourceRecord::make(N("t.example.org"), RecordType::TXT, 5,
                                                           TxtData{{"v=spf1 -all", "a\"b; c"}})},
                           AddRecord{*ResourceRecord::make(N("c.example.org"), RecordType::CNAME, 7,
                                                           N("target.example.org"))}},
                          {},
                          {{"example.org.", T_MX, IN, 3600, {"10", "mail.example.net."}},
                           {"t.example.org.", T_TXT, IN, 5, {"\"v=spf1 -all\"", "\"a\\\"b; c\""}},
                           {"c.example.org.", T_CNAME, IN, 7, {"target.example.org."}}}},
                      EncodeRow{"every_prerequisite",
                                {RRsetExistsValue{A("v.example.org", "192.0.2.9", 123)},
                                 RRsetExists{N("e.example.org"), RecordType::AAAA},
                                 RRsetAbsent{N("a.example.org"), RecordType::TXT},
                                 NameInUse{N("u.example.org")}, NameAbsent{N("n.example.org")}},
                                {AddRecord{A("*.example.org", "192.0.2.3")}},
                                {{"v.example.org.", T_A, IN, 0, {"192.0.2.9"}},
                                 {"e.example.org.", T_AAAA, ANY, 0, {}},
                                 {"a.example.org.", T_TXT, NONE, 0, {}},
                                 {"u.example.org.", T_ANY, ANY, 0, {}},
                                 {"n.example.org.", T_ANY, NONE, 0, {}}},
                                {{"*.example.org.", T_A, IN, 300, {"192.0.2.3"}}}}),
    [](const auto& param_info) { return param_info.param.label; });

TEST(EncodeUpdate, DeleteRRsetHasEmptyRdataOnTheWire) {
    // ldns's text parser cannot express this; check the bytes: ..., ttl 0, rdlength 0.
    const UpdateRequest request{
        N("example.org"), {}, {DeleteRRset{N("example.org"), RecordType::A}}};
    const auto wire = detail::encode_unsigned_update(request, 1);
    ASSERT_TRUE(wire.has_value());
    const std::vector<std::uint8_t> tail{0x00, 0x01, 0x00, 0xff, 0, 0, 0, 0, 0, 0};
    ASSERT_GE(wire->size(), tail.size());
    EXPECT_TRUE(std::equal(tail.begin(), tail.end(), wire->end() - 10));
}

// Owners are compressed against the zone and the owners written before, also past the 16 KiB
// that a pointer can reach: 700 hosts (a delete and an add each, names of several labels) make a
// message of about 26 KiB; every owner and address reads back as written.
TEST(EncodeUpdate, CompressedOwnersReadBackBeyondThePointerRange) {
    UpdateRequest request{N("dyn.example.org"), {}, {}};
    std::vector<Rr> expected;
    for (int i = 0; i < 700; ++i) {
        const std::string owner =
            "h" + std::to_string(i) + ".site" + std::to_string(i % 7) + ".dyn.example.org";
        const std::string address =
            "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250);
        request.operations.emplace_back(DeleteRRset{N(owner), RecordType::A});
        request.operations.emplace_back(AddRecord{A(owner, address, 60)});
        expected.push_back({owner + ".", T_A, ANY, 0, {}});
        expected.push_back({owner + ".", T_A, IN, 60, {address}});
    }
    request.operations.emplace_back(DeleteRRset{N("dyn.example.org"), RecordType::TXT});
    expected.push_back({"dyn.example.org.", T_TXT, ANY, 0, {}});
    const auto wire = detail::encode_unsigned_update(request, 9);
    ASSERT_TRUE(wire.has_value()) << wire.error();
    EXPECT_GT(wire->size(), 0x3FFFU);
    const auto pkt = parse(*wire);
    ASSERT_TRUE(pkt);
    EXPECT_EQ(section(ldns_pkt_authority(pkt.get())), expected);
}

struct RejectRow {
    std::string label;
    UpdateRequest request;
};

class EncodeRejects : public ::testing::TestWithParam<RejectRow> {};

TEST_P(EncodeRejects, WithAnErrorValue) {
    const auto out = encode_signed_update(GetParam().request, test_key(), 7, 1700000000);
    ASSERT_FALSE(out.has_value());
    EXPECT_FALSE(out.error().empty());
}

UpdateRequest huge_request() {
    UpdateRequest r{N("example.org"), {}, {}};
    for (int i = 0; i < 300; ++i) {
        r.operations.push_back(AddRecord{
            *ResourceRecord::make(N("t" + std::to_string(i) + ".example.org"), RecordType::TXT, 60,
                                  TxtData{{std::string(255, 'x')}})});
    }
    return r;
}

INSTANTIATE_TEST_SUITE_P(
    Table, EncodeRejects,
    ::testing::Values(
        RejectRow{"add_outside",
                  {N("example.org"), {}, {AddRecord{A("h.example.net", "192.0.2.1")}}}},
        RejectRow{"suffix_is_not_a_parent",
                  {N("example.org"), {}, {AddRecord{A("badexample.org", "192.0.2.1")}}}},
        RejectRow{"delete_outside", {N("example.org"), {}, {DeleteRRset{N("org"), RecordType::A}}}},
        RejectRow{"delete_name_outside", {N("example.org"), {}, {DeleteName{N("x.example.com")}}}},
        RejectRow{"delete_record_outside",
                  {N("example.org"), {}, {DeleteRecord{A("x.example.com", "192.0.2.1")}}}},
        RejectRow{"prerequisite_outside", {N("example.org"), {NameAbsent{N("x.example.com")}}, {}}},
        RejectRow{"over_65535_octets", huge_request()}),
    [](const auto& param_info) { return param_info.param.label; });

TEST(EncodeUpdate, SignedMessageCarriesTsigThatLdnsReads) {
    const UpdateRequest request{N("example.org"), {}, {AddRecord{A("h.example.org", "192.0.2.1")}}};
    const auto wire = encode_signed_update(request, test_key(), 0x4242, 1700000000, 300);
    ASSERT_TRUE(wire.has_value()) << wire.error();
    const auto pkt = parse(*wire);
    ASSERT_TRUE(pkt);
    EXPECT_EQ(ldns_pkt_id(pkt.get()), 0x4242);
    const ldns_rr* tsig = ldns_pkt_tsig(pkt.get());
    ASSERT_NE(tsig, nullptr);
    EXPECT_EQ(rdf_text(ldns_rr_owner(tsig)), "ddns-key.");
    EXPECT_EQ(ldns_rr_get_class(tsig), ANY);
    EXPECT_EQ(rdf_text(ldns_rr_rdf(tsig, 0)), "hmac-sha256.");
    EXPECT_EQ(rdf_text(ldns_rr_rdf(tsig, 1)),
              "1700000000 ");                          // time signed (ldns prints a trailing space)
    EXPECT_EQ(rdf_text(ldns_rr_rdf(tsig, 2)), "300");  // fudge
    EXPECT_EQ(ldns_rdf_size(ldns_rr_rdf(tsig, 3)), 2u + 32u);  // MAC size + MAC
    EXPECT_EQ(rdf_text(ldns_rr_rdf(tsig, 4)), "16962");        // original id 0x4242
    EXPECT_EQ(rdf_text(ldns_rr_rdf(tsig, 5)), "0");            // error

    // ldns's own verifier (it skips the time check) agrees with our MAC.
    const auto key = test_key();
    const std::string secret_b64 = encode_base64(key.secret);
    EXPECT_EQ(ldns_pkt_tsig_verify(pkt.get(), wire->data(), wire->size(), "ddns-key",
                                   secret_b64.c_str(), nullptr),
              true);
}

}  // namespace
}  // namespace ddns
