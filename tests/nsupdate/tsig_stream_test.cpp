// TsigStreamVerifier with crafted multi-message replies (RFC 8945 §5.3.1): a signed first message,
// unsigned ones in between, later signed ones over the running MAC and the TSIG timers only. A
// changed octet in any message, a wrong running MAC, a foreign id and a stream that ends unsigned
// are all refused; the correct stream passes.
#include <gtest/gtest.h>

#include <vector>

#include "dns_wire.hpp"
#include "tsig.hpp"

namespace ddns {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kTime = 1700000000;
constexpr std::uint16_t kId = 0x4242;

TsigKey key() {
    return make_tsig_key("xfr-key", "hmac-sha256", "WQYfU4JXWinQ7GwOrAfM6c3ByGHQ82RfAMmXuLIu3Sc=")
        .value();
}

// A reply header with no records (QR set, opcode QUERY, NOERROR); `tag` tells messages apart.
Bytes reply(std::uint8_t tag, std::uint16_t id = kId) {
    Bytes m;
    detail::put_u16(m, id);
    detail::put_u16(m, static_cast<std::uint16_t>(0x8400 | (tag << 4)));  // QR, AA; Z bits differ
    for (int i = 0; i < 4; ++i) detail::put_u16(m, 0);
    return m;
}

// Signs a later message of the stream as a server does: the MAC covers the prior MAC, the
// unsigned messages since, the message and the timers. sign_message lays out the TSIG RR; its
// MAC (same length) is then replaced by the stream MAC.
Bytes sign_next(const Bytes& message, const Bytes& prior_mac, const Bytes& unsigned_since,
                const TsigKey& k, Bytes& mac_out) {
    Bytes input;
    detail::put_u16(input, static_cast<std::uint16_t>(prior_mac.size()));
    input.insert(input.end(), prior_mac.begin(), prior_mac.end());
    input.insert(input.end(), unsigned_since.begin(), unsigned_since.end());
    input.insert(input.end(), message.begin(), message.end());
    detail::put_u48(input, kTime);
    detail::put_u16(input, 300);
    mac_out = detail::tsig_hmac(k.algorithm, k.secret, input);
    auto laid_out = detail::sign_message(message, k, {kTime, 300, 0, {}, true}).value();
    const std::size_t mac_at = laid_out.wire.size() - 6 - mac_out.size();
    std::copy(mac_out.begin(), mac_out.end(),
              laid_out.wire.begin() + static_cast<std::ptrdiff_t>(mac_at));
    return laid_out.wire;
}

struct Stream {
    Bytes request_mac;
    std::vector<Bytes> messages;
};

// Request, then: signed, unsigned, signed.
Stream good_stream(const TsigKey& k) {
    Stream s;
    s.request_mac = Bytes(32, 0xab);
    auto first = detail::sign_message(reply(1), k, {kTime, 300, 0, s.request_mac, true}).value();
    s.messages.push_back(first.wire);
    const Bytes middle = reply(2);
    s.messages.push_back(middle);
    Bytes mac;
    s.messages.push_back(sign_next(reply(3), first.mac, middle, k, mac));
    return s;
}

std::vector<UpdateStatus> run(const Stream& s, const TsigKey& k, bool* ends_signed = nullptr) {
    detail::TsigStreamVerifier verifier(k, s.request_mac, kId);
    std::vector<UpdateStatus> out;
    for (const auto& m : s.messages) out.push_back(verifier.next(m, kTime).status);
    if (ends_signed) *ends_signed = verifier.ends_signed();
    return out;
}

constexpr auto kOk = UpdateStatus::Success;

TEST(TsigStream, ACorrectStreamVerifiesAndEndsSigned) {
    const auto k = key();
    bool ends_signed = false;
    EXPECT_EQ(run(good_stream(k), k, &ends_signed), (std::vector{kOk, kOk, kOk}));
    EXPECT_TRUE(ends_signed);
}

TEST(TsigStream, AChangedOctetInAnUnsignedMessageFailsTheNextSignature) {
    const auto k = key();
    auto s = good_stream(k);
    s.messages[1][3] ^= 0x10;
    EXPECT_EQ(run(s, k), (std::vector{kOk, kOk, UpdateStatus::BadReply}));
}

TEST(TsigStream, AChangedOctetInASignedMessageFails) {
    const auto k = key();
    auto s = good_stream(k);
    s.messages[2][3] ^= 0x10;
    EXPECT_EQ(run(s, k).back(), UpdateStatus::BadReply);
    s = good_stream(k);
    s.messages[0][3] ^= 0x10;
    EXPECT_EQ(run(s, k).front(), UpdateStatus::BadReply);
}

TEST(TsigStream, ALaterMessageSignedOverAnotherRunningMacFails) {
    const auto k = key();
    auto s = good_stream(k);
    Bytes mac;
    s.messages[2] = sign_next(reply(3), Bytes(32, 0x00), s.messages[1], k, mac);
    EXPECT_EQ(run(s, k).back(), UpdateStatus::BadReply);
}

TEST(TsigStream, AStreamEndingUnsignedIsNotComplete) {
    const auto k = key();
    auto s = good_stream(k);
    s.messages.push_back(reply(4));
    bool ends_signed = true;
    EXPECT_EQ(run(s, k, &ends_signed), (std::vector{kOk, kOk, kOk, kOk}));
    EXPECT_FALSE(ends_signed);
}

TEST(TsigStream, AMessageWithAnotherIdFails) {
    const auto k = key();
    auto s = good_stream(k);
    s.messages[1] = reply(2, kId + 1);
    EXPECT_EQ(run(s, k)[1], UpdateStatus::BadReply);
}

TEST(TsigStream, AnotherKeyFailsAtTheFirstMessage) {
    const auto k = key();
    const auto other =
        make_tsig_key("xfr-key", "hmac-sha256", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0").value();
    EXPECT_EQ(run(good_stream(other), k).front(), UpdateStatus::BadReply);
}

}  // namespace
}  // namespace ddns
