// Fuzzes the classification of UPDATE replies, TSIG verification included (classify_reply).
// The first input byte picks the mode:
//   even: the remaining bytes are the reply as it came off the wire. No crash, and without the
//         key nobody can forge a verified NOERROR: the answer is never Success.
//   odd:  the remaining bytes describe a reply that is then signed with the key, as BIND would:
//         [rcode] [tsig error] [time skew hi, lo] [flip at hi, lo] [flip mask] [section bytes...]
//         The header says an UPDATE response with the request's id and no records; the section
//         bytes are appended as the zone section with ZOCOUNT 1 when present. A signed reply
//         classifies by its RCODE and TSIG error, a time outside the fudge is refused, and a reply
//         with any byte changed after signing (beyond the case of a name) is never Success.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ddns/nsupdate/tsig_key.hpp"
#include "ddns/nsupdate/update_client.hpp"
#include "fuzz_check.hpp"
#include "tsig.hpp"

namespace {

using ddns::UpdateStatus;

constexpr std::uint16_t kRequestId = 0x1234;
constexpr std::uint64_t kNow = 1'800'000'000;
constexpr std::uint16_t kFudge = 300;
const std::vector<std::uint8_t> kRequestMac(32, 0xa5);

const ddns::TsigKey& key() {
    static const ddns::TsigKey k =
        ddns::make_tsig_key("ddns-key", "hmac-sha256", "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==")
            .value();
    return k;
}

UpdateStatus classify(std::span<const std::uint8_t> reply) {
    return ddns::detail::classify_reply(kRequestMac, kRequestId, reply, key(), kNow).status;
}

std::vector<std::uint8_t> reply_body(std::uint8_t rcode, std::span<const std::uint8_t> zone) {
    std::vector<std::uint8_t> body = {
        kRequestId >> 8, kRequestId & 0xff, 0xa8, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    body[3] = rcode & 0xf;
    if (!zone.empty()) {
        body[5] = 1;
        body.insert(body.end(), zone.begin(), zone.end());
    }
    return body;
}

std::uint8_t lower(std::uint8_t c) {
    return c >= 'A' && c <= 'Z' ? static_cast<std::uint8_t>(c + 32) : c;
}

void signed_mode(std::span<const std::uint8_t> in) {
    if (in.size() < 7) return;
    const std::uint8_t rcode = in[0] & 0xf;
    const std::uint16_t tsig_error =
        in[1] % 4 == 0 ? 0 : static_cast<std::uint16_t>(15 + in[1] % 4);
    const auto skew = static_cast<std::int16_t>(in[2] << 8 | in[3]);
    const std::size_t flip_at = static_cast<std::size_t>(in[4] << 8 | in[5]);
    const std::uint8_t flip_mask = in[6];
    const auto zone = in.subspan(7);

    ddns::detail::TsigParams params;
    params.time_signed = static_cast<std::uint64_t>(static_cast<std::int64_t>(kNow) + skew);
    params.fudge = kFudge;
    params.error = tsig_error;
    params.request_mac = std::span<const std::uint8_t>(kRequestMac);
    params.with_mac = tsig_error == 0;
    auto message = ddns::detail::sign_message(reply_body(rcode, zone), key(), params);
    if (!message) return;
    const auto status = classify(message->wire);

    if (zone.empty()) {
        if (tsig_error == ddns::detail::kTsigBadSig)
            DDNS_FUZZ_CHECK(status == UpdateStatus::BadSig);
        if (tsig_error == ddns::detail::kTsigBadKey)
            DDNS_FUZZ_CHECK(status == UpdateStatus::BadKey);
        if (tsig_error == ddns::detail::kTsigBadTime)
            DDNS_FUZZ_CHECK(status == UpdateStatus::BadTime);
        const bool in_time = skew >= -kFudge && skew <= kFudge;
        if (tsig_error == 0 && in_time)
            DDNS_FUZZ_CHECK(status == ddns::detail::status_for_rcode(rcode));
        if (tsig_error == 0 && !in_time) DDNS_FUZZ_CHECK(status == UpdateStatus::BadReply);
    }
    if (status == UpdateStatus::Success) DDNS_FUZZ_CHECK(tsig_error == 0 && rcode == 0);

    // The key and algorithm names enter the MAC in canonical (lower-case) form (RFC 8945 4.3.3),
    // so changing the case of a letter is no tampering; any other change is.
    auto& byte = message->wire[flip_at % message->wire.size()];
    const auto flipped = static_cast<std::uint8_t>(byte ^ flip_mask);
    if (flip_mask != 0 && lower(byte) != lower(flipped)) {
        byte = flipped;
        DDNS_FUZZ_CHECK(classify(message->wire) != UpdateStatus::Success);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::span<const std::uint8_t> in(data + 1, size - 1);
    if (data[0] % 2 == 0) {
        DDNS_FUZZ_CHECK(classify(in) != UpdateStatus::Success);
    } else {
        signed_mode(in);
    }
    return 0;
}
