// TSIG golden vectors (MACs computed independently with Python's hmac module over the RFC 8945
// digest input) and reply classification with crafted reply bytes.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "ddns/nsupdate/update_message.hpp"
#include "tsig.hpp"

namespace ddns {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::string_view kSecret = "WQYfU4JXWinQ7GwOrAfM6c3ByGHQ82RfAMmXuLIu3Sc=";
constexpr std::uint64_t kTime = 1700000000;

Bytes from_hex(std::string_view hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const auto b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

TsigKey key(std::string_view algorithm = "hmac-sha256", std::string_view name = "ddns-key",
            std::string_view secret = kSecret) {
    return make_tsig_key(name, algorithm, secret).value();
}

// UPDATE id 0x1234 for zone example.org adding "h.example.org 60 IN A 192.0.2.1", written out by
// hand without name compression.
const Bytes kRequest = from_hex(
    "123428000001000000010000076578616d706c65036f726700000600010168076578616d706c65036f726700000100"
    "010000003c0004c0000201");

struct GoldenRow {
    std::string algorithm;
    std::string mac_hex;
};

class TsigGolden : public ::testing::TestWithParam<GoldenRow> {};

TEST_P(TsigGolden, MacMatchesIndependentComputation) {
    const auto& row = GetParam();
    const auto k = key(row.algorithm);
    const auto signed_message = detail::sign_message(kRequest, k, {kTime, 300, 0, {}, true});
    ASSERT_TRUE(signed_message.has_value());
    EXPECT_EQ(to_hex(signed_message->mac), row.mac_hex);

    // The appended TSIG RR, byte for byte.
    const Bytes mac = from_hex(row.mac_hex);
    Bytes tsig = from_hex(
        "0864646e732d6b657900"
        "00fa"
        "00ff"
        "00000000");
    Bytes rdata;
    rdata.push_back(static_cast<std::uint8_t>(row.algorithm.size()));
    rdata.insert(rdata.end(), row.algorithm.begin(), row.algorithm.end());
    rdata.push_back(0);
    const Bytes time_fudge = from_hex("00006553f100012c");
    rdata.insert(rdata.end(), time_fudge.begin(), time_fudge.end());
    rdata.push_back(0);
    rdata.push_back(static_cast<std::uint8_t>(mac.size()));
    rdata.insert(rdata.end(), mac.begin(), mac.end());
    const Bytes tail = from_hex("123400000000");
    rdata.insert(rdata.end(), tail.begin(), tail.end());
    tsig.push_back(0);
    tsig.push_back(static_cast<std::uint8_t>(rdata.size()));
    tsig.insert(tsig.end(), rdata.begin(), rdata.end());

    Bytes expected = kRequest;
    expected[11] = 1;  // ARCOUNT
    expected.insert(expected.end(), tsig.begin(), tsig.end());
    EXPECT_EQ(to_hex(signed_message->wire), to_hex(expected));
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, TsigGolden,
    ::testing::Values(
        GoldenRow{"hmac-sha256",
                  "273980743ed9aa86665440a965abb725b9064634aec13be8a933051b2db2847a"},
        GoldenRow{"hmac-sha512",
                  "aab3ee5fb39a5b5223086ff1ffc342485941868549d9bc97fd8fe06656470b27c642f8d08ef3bb1e"
                  "53fb79051b0e2f3b5f56807650ec47e0804f2e55688866ce"}),
    [](const auto& param_info) {
        return param_info.param.algorithm == "hmac-sha256" ? "sha256" : "sha512";
    });

TEST(TsigGolden, EncodeSignedUpdateUsesTheGivenTime) {
    const UpdateRequest request{
        *DnsName::parse("example.org"),
        {},
        {AddRecord{ResourceRecord::address(*DnsName::parse("h.example.org"), 60,
                                           *IpAddress::parse("192.0.2.1"))}}};
    const auto a = encode_signed_update(request, key(), 0x1234, kTime, 300);
    const auto b = encode_signed_update(request, key(), 0x1234, kTime, 300);
    const auto c = encode_signed_update(request, key(), 0x1234, kTime + 1, 300);
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(*a, *b);  // deterministic for a fixed time and id
    EXPECT_NE(*a, *c);
}

// ---- reply classification -------------------------------------------------------------------

constexpr std::uint16_t kId = 0x1234;

// A reply header + echoed zone section for kRequest.
Bytes reply_body(unsigned rcode, std::uint16_t id = kId, std::uint16_t opcode = 5, bool qr = true) {
    Bytes out = from_hex("000000000001000000000000076578616d706c65036f72670000060001");
    out[0] = static_cast<std::uint8_t>(id >> 8);
    out[1] = static_cast<std::uint8_t>(id);
    const unsigned flags = (qr ? 0x8000u : 0u) | (unsigned{opcode} << 11) | rcode;
    out[2] = static_cast<std::uint8_t>(flags >> 8);
    out[3] = static_cast<std::uint8_t>(flags);
    return out;
}

struct Fixture {
    TsigKey k = key();
    detail::SignedMessage request = *detail::sign_message(kRequest, k, {kTime, 300, 0, {}, true});

    Bytes signed_reply(unsigned rcode, std::uint64_t time = kTime, const TsigKey* with = nullptr,
                       std::uint16_t id = kId) const {
        const TsigKey& signer = with != nullptr ? *with : k;
        return detail::sign_message(
                   reply_body(rcode, id), signer,
                   {time, 300, 0, std::span<const std::uint8_t>(request.mac), true})
            ->wire;
    }
    Bytes tsig_error_reply(std::uint16_t error) const {
        return detail::sign_message(reply_body(9), k, {kTime, 300, error, {}, false})->wire;
    }
};

struct ClassifyRow {
    std::string label;
    std::function<Bytes(const Fixture&)> reply;
    UpdateStatus expected;
    std::uint64_t now = kTime;
};

class ClassifyReply : public ::testing::TestWithParam<ClassifyRow> {};

TEST_P(ClassifyReply, Classifies) {
    const auto& row = GetParam();
    const Fixture f;
    const auto reply = row.reply(f);
    const auto result = detail::classify_reply(f.request.mac, kId, reply, f.k, row.now);
    EXPECT_EQ(to_string(result.status), to_string(row.expected)) << result.detail;
    EXPECT_EQ(result.ok(), row.expected == UpdateStatus::Success);
}

using S = UpdateStatus;
INSTANTIATE_TEST_SUITE_P(
    Table, ClassifyReply,
    ::testing::Values(
        ClassifyRow{"signed_noerror", [](const Fixture& f) { return f.signed_reply(0); },
                    S::Success},
        ClassifyRow{"signed_refused", [](const Fixture& f) { return f.signed_reply(5); },
                    S::Refused},
        ClassifyRow{"signed_notauth", [](const Fixture& f) { return f.signed_reply(9); },
                    S::NotAuth},
        ClassifyRow{"signed_nxrrset", [](const Fixture& f) { return f.signed_reply(8); },
                    S::NxRrset},
        ClassifyRow{"signed_yxdomain", [](const Fixture& f) { return f.signed_reply(6); },
                    S::YxDomain},
        ClassifyRow{"signed_servfail", [](const Fixture& f) { return f.signed_reply(2); },
                    S::ServFail},
        ClassifyRow{"signed_notzone", [](const Fixture& f) { return f.signed_reply(10); },
                    S::NotZone},
        ClassifyRow{"unsigned_noerror", [](const Fixture&) { return reply_body(0); }, S::BadReply},
        ClassifyRow{"unsigned_refused", [](const Fixture&) { return reply_body(5); }, S::Refused},
        ClassifyRow{"unsigned_formerr", [](const Fixture&) { return reply_body(1); }, S::FormErr},
        ClassifyRow{"badkey", [](const Fixture& f) { return f.tsig_error_reply(17); }, S::BadKey},
        ClassifyRow{"badsig", [](const Fixture& f) { return f.tsig_error_reply(16); }, S::BadSig},
        ClassifyRow{"badtime", [](const Fixture& f) { return f.tsig_error_reply(18); }, S::BadTime},
        ClassifyRow{"unknown_tsig_error", [](const Fixture& f) { return f.tsig_error_reply(22); },
                    S::BadReply},
        ClassifyRow{
            "empty_mac_without_error",
            [](const Fixture& f) {
                return detail::sign_message(reply_body(0), f.k, {kTime, 300, 0, {}, false})->wire;
            },
            S::BadReply},
        ClassifyRow{"flipped_mac_byte",
                    [](const Fixture& f) {
                        auto r = f.signed_reply(0);
                        r[r.size() - 10] ^= 1;  // last MAC octet (then id, error, other len)
                        return r;
                    },
                    S::BadReply},
        ClassifyRow{"rcode_changed_after_signing",
                    [](const Fixture& f) {
                        auto r = f.signed_reply(5);
                        r[3] = static_cast<std::uint8_t>(r[3] & 0xf0);
                        return r;
                    },
                    S::BadReply},
        ClassifyRow{"wrong_id",
                    [](const Fixture& f) { return f.signed_reply(0, kTime, nullptr, 0x4321); },
                    S::BadReply},
        ClassifyRow{"other_secret",
                    [](const Fixture& f) {
                        const auto other =
                            key("hmac-sha256", "ddns-key", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0");
                        return f.signed_reply(0, kTime, &other);
                    },
                    S::BadReply},
        ClassifyRow{"other_key_name",
                    [](const Fixture& f) {
                        const auto other = key("hmac-sha256", "other-key");
                        return f.signed_reply(0, kTime, &other);
                    },
                    S::BadReply},
        ClassifyRow{"other_algorithm",
                    [](const Fixture& f) {
                        const auto other = key("hmac-sha512");
                        return f.signed_reply(0, kTime, &other);
                    },
                    S::BadReply},
        ClassifyRow{
            "over_request_without_prior_mac",
            [](const Fixture& f) {
                return detail::sign_message(reply_body(0), f.k, {kTime, 300, 0, {}, true})->wire;
            },
            S::BadReply},
        ClassifyRow{"time_at_edge_of_fudge", [](const Fixture& f) { return f.signed_reply(0); },
                    S::Success, kTime + 300},
        ClassifyRow{"time_past_fudge", [](const Fixture& f) { return f.signed_reply(0); },
                    S::BadReply, kTime + 301},
        ClassifyRow{"time_before_fudge", [](const Fixture& f) { return f.signed_reply(0); },
                    S::BadReply, kTime - 301},
        ClassifyRow{"not_a_response", [](const Fixture&) { return reply_body(0, kId, 5, false); },
                    S::BadReply},
        ClassifyRow{"query_opcode", [](const Fixture&) { return reply_body(0, kId, 0); },
                    S::BadReply},
        ClassifyRow{"cut_short",
                    [](const Fixture& f) {
                        auto r = f.signed_reply(0);
                        r.pop_back();
                        return r;
                    },
                    S::BadReply},
        ClassifyRow{"trailing_garbage",
                    [](const Fixture& f) {
                        auto r = f.signed_reply(0);
                        r.push_back(0);
                        return r;
                    },
                    S::BadReply},
        ClassifyRow{"header_only", [](const Fixture&) { return Bytes(11, 0); }, S::BadReply},
        ClassifyRow{"empty", [](const Fixture&) { return Bytes{}; }, S::BadReply}),
    [](const auto& param_info) { return param_info.param.label; });

}  // namespace
}  // namespace ddns
