// Private: TSIG signing (RFC 8945) with an injectable time, and classification of UPDATE replies.
// Kept apart from the transport so that reply verification can be tested without a network.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ddns/nsupdate/tsig_key.hpp"
#include "ddns/nsupdate/update_client.hpp"

namespace ddns::detail {

constexpr std::uint16_t kTsigBadSig = 16;
constexpr std::uint16_t kTsigBadKey = 17;
constexpr std::uint16_t kTsigBadTime = 18;
constexpr unsigned kOpcodeQuery = 0;
constexpr unsigned kOpcodeUpdate = 5;

struct SignedMessage {
    std::vector<std::uint8_t> wire;  // the message with the TSIG RR appended
    std::vector<std::uint8_t> mac;   // the MAC in that TSIG RR
};

// Raw HMAC of `data` with the key's algorithm and secret.
std::vector<std::uint8_t> tsig_hmac(TsigAlgorithm algorithm, const Secret& secret,
                                    std::span<const std::uint8_t> data);

struct TsigParams {
    std::uint64_t time_signed = 0;
    std::uint16_t fudge = 300;
    std::uint16_t error = 0;
    // Set when signing a reply: the request's MAC, which the reply's MAC covers first.
    std::optional<std::span<const std::uint8_t>> request_mac;
    // False appends a TSIG RR with an empty MAC (how servers answer BADSIG/BADKEY).
    bool with_mac = true;
};

// Appends a TSIG RR to `message` (a complete DNS message without one) and increments ARCOUNT.
// The TSIG's original id is the message's id. Returns nullopt if `message` is shorter than a
// header or the result would exceed 65535 octets.
std::optional<SignedMessage> sign_message(std::span<const std::uint8_t> message, const TsigKey& key,
                                          const TsigParams& params);

// RCODE -> status (TSIG errors are handled by classify_reply, not here).
UpdateStatus status_for_rcode(unsigned rcode) noexcept;

// Classifies a reply (to an UPDATE, or with `opcode` to a query) to a request with id `request_id`
// whose TSIG carried `request_mac`: checks QR/opcode/id, finds the TSIG RR, maps TSIG errors
// (BADSIG/BADKEY/BADTIME), verifies the MAC (request MAC + reply, RFC 8945 §5.3) and the time
// window against `now`, then maps the RCODE. Unsigned NOERROR, a wrong MAC, key or id, or a time
// outside the fudge -> BadReply.
UpdateResult classify_reply(std::span<const std::uint8_t> request_mac, std::uint16_t request_id,
                            std::span<const std::uint8_t> reply, const TsigKey& key,
                            std::uint64_t now, unsigned opcode = kOpcodeUpdate);

// Where a message's TSIG is and what it says (the spans point into the message).
struct TsigView {
    std::size_t start = 0;      // offset of the TSIG RR
    std::uint16_t arcount = 0;  // the message's ARCOUNT, TSIG included
    std::vector<std::uint8_t> owner;
    std::uint32_t ttl = 0;
    std::vector<std::uint8_t> algorithm;
    std::uint64_t time_signed = 0;
    std::uint16_t fudge = 0;
    std::span<const std::uint8_t> mac;
    std::uint16_t original_id = 0;
    std::uint16_t error = 0;
    std::span<const std::uint8_t> other;
};
struct TsigScan {
    std::string malformed;         // non-empty: the message does not parse, or TSIG is misplaced
    std::optional<TsigView> tsig;  // unset: unsigned
};
// Walks a whole message and finds its TSIG RR, which must be the last record.
TsigScan scan_tsig(std::span<const std::uint8_t> message);

// Verifies the messages of a multi-message reply (a zone transfer) in order, RFC 8945 §5.3.1:
// the first like classify_reply (opcode QUERY), each later signed one over the prior MAC, the
// unsigned messages since (at most 99) and itself, with the TSIG timers only. A stream is
// trustworthy only when every call succeeded and the last message was signed (ends_signed()).
class TsigStreamVerifier {
public:
    TsigStreamVerifier(const TsigKey& key, std::span<const std::uint8_t> request_mac,
                       std::uint16_t request_id);
    UpdateResult next(std::span<const std::uint8_t> message, std::uint64_t now);
    bool ends_signed() const noexcept { return !first_ && unsigned_run_ == 0; }

private:
    const TsigKey& key_;
    std::vector<std::uint8_t> prior_mac_;
    std::uint16_t id_;
    bool first_ = true;
    std::size_t unsigned_run_ = 0;
    std::vector<std::uint8_t> pending_;  // unsigned messages since the last signed one
};

}  // namespace ddns::detail
