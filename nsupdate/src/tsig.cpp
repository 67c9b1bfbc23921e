// TSIG (RFC 8945) computed with OpenSSL so that the signing time is injectable and every
// algorithm works (ldns 1.8.3 breaks hmac-sha384 and does not check the time window).
#include "tsig.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <string>

#include "dns_wire.hpp"

namespace ddns::detail {
namespace {

const EVP_MD* digest_for(TsigAlgorithm algorithm) {
    switch (algorithm) {
        case TsigAlgorithm::HmacSha1:
            return EVP_sha1();
        case TsigAlgorithm::HmacSha224:
            return EVP_sha224();
        case TsigAlgorithm::HmacSha256:
            return EVP_sha256();
        case TsigAlgorithm::HmacSha384:
            return EVP_sha384();
        case TsigAlgorithm::HmacSha512:
            return EVP_sha512();
    }
    return EVP_sha256();
}

// The thread's HMAC context for `algorithm`, its digest set once; nullptr when OpenSSL cannot
// make one (tsig_hmac then falls back to HMAC()). HMAC() fetched the MAC and the digest by name
// on every call, which cost more instructions than hashing the message (issue #13). A context
// is used by one thread at a time and keyed again by each call.
EVP_MAC_CTX* thread_hmac(TsigAlgorithm algorithm) {
    struct Contexts {
        std::array<EVP_MAC_CTX*, 5> ctx{};
        std::array<bool, 5> tried{};
        Contexts() = default;
        Contexts(const Contexts&) = delete;
        Contexts& operator=(const Contexts&) = delete;
        ~Contexts() {
            for (EVP_MAC_CTX* c : ctx) EVP_MAC_CTX_free(c);
        }
    };
    thread_local Contexts contexts;
    const auto i = static_cast<std::size_t>(algorithm);
    if (i >= contexts.ctx.size()) return nullptr;
    if (!contexts.tried[i]) {
        contexts.tried[i] = true;
        EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        if (!mac) return nullptr;
        EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
        EVP_MAC_free(mac);  // the context holds its own reference
        const char* name = EVP_MD_get0_name(digest_for(algorithm));
        const OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(name), 0),
            OSSL_PARAM_construct_end()};
        if (ctx && name && EVP_MAC_CTX_set_params(ctx, params) == 1)
            contexts.ctx[i] = ctx;
        else
            EVP_MAC_CTX_free(ctx);
    }
    return contexts.ctx[i];
}

std::vector<std::uint8_t> algorithm_wire(TsigAlgorithm algorithm) {
    // Algorithm names are fixed, valid names.
    return name_to_wire(*DnsName::parse(to_string(algorithm)));
}

// The "TSIG variables" of RFC 8945 §4.3.3 that follow the message in the MAC input.
void append_variables(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> key_name,
                      std::uint32_t ttl, std::span<const std::uint8_t> algorithm,
                      std::uint64_t time_signed, std::uint16_t fudge, std::uint16_t error,
                      std::span<const std::uint8_t> other) {
    out.insert(out.end(), key_name.begin(), key_name.end());
    put_u16(out, kClassAny);
    put_u32(out, ttl);
    out.insert(out.end(), algorithm.begin(), algorithm.end());
    put_u48(out, time_signed);
    put_u16(out, fudge);
    put_u16(out, error);
    put_u16(out, static_cast<std::uint16_t>(other.size()));
    out.insert(out.end(), other.begin(), other.end());
}

UpdateResult result(UpdateStatus status, std::string detail) {
    return UpdateResult{status, std::move(detail)};
}

}  // namespace

std::vector<std::uint8_t> tsig_hmac(TsigAlgorithm algorithm, const Secret& secret,
                                    std::span<const std::uint8_t> data) {
    static const std::uint8_t kEmpty = 0;
    const auto key = secret.expose_bytes();
    const std::uint8_t* key_bytes = key.empty() ? &kEmpty : key.data();
    const std::uint8_t* data_bytes = data.empty() ? &kEmpty : data.data();
    std::vector<std::uint8_t> mac(EVP_MAX_MD_SIZE);
    std::size_t len = 0;
    if (EVP_MAC_CTX* ctx = thread_hmac(algorithm)) {
        if (EVP_MAC_init(ctx, key_bytes, key.size(), nullptr) != 1 ||
            EVP_MAC_update(ctx, data_bytes, data.size()) != 1 ||
            EVP_MAC_final(ctx, mac.data(), &len, mac.size()) != 1)
            return {};
    } else {
        unsigned int n = 0;
        if (HMAC(digest_for(algorithm), key_bytes, static_cast<int>(key.size()), data_bytes,
                 data.size(), mac.data(), &n) == nullptr)
            return {};
        len = n;
    }
    mac.resize(len);
    return mac;
}

std::optional<SignedMessage> sign_message(std::span<const std::uint8_t> message, const TsigKey& key,
                                          const TsigParams& params) {
    if (message.size() < kHeaderSize) return std::nullopt;
    const auto key_name = name_to_wire(key.name);
    const auto algorithm = algorithm_wire(key.algorithm);
    const std::uint16_t id = get_u16(message, 0);

    SignedMessage out;
    if (params.with_mac) {
        std::vector<std::uint8_t> input;
        input.reserve(message.size() + 256);
        if (params.request_mac) {
            put_u16(input, static_cast<std::uint16_t>(params.request_mac->size()));
            input.insert(input.end(), params.request_mac->begin(), params.request_mac->end());
        }
        input.insert(input.end(), message.begin(), message.end());
        append_variables(input, key_name, 0, algorithm, params.time_signed, params.fudge,
                         params.error, {});
        out.mac = tsig_hmac(key.algorithm, key.secret, input);
        if (out.mac.empty()) return std::nullopt;
    }

    std::vector<std::uint8_t> rdata;
    rdata.insert(rdata.end(), algorithm.begin(), algorithm.end());
    put_u48(rdata, params.time_signed);
    put_u16(rdata, params.fudge);
    put_u16(rdata, static_cast<std::uint16_t>(out.mac.size()));
    rdata.insert(rdata.end(), out.mac.begin(), out.mac.end());
    put_u16(rdata, id);
    put_u16(rdata, params.error);
    put_u16(rdata, 0);  // other len

    const std::size_t total = message.size() + key_name.size() + 10 + rdata.size();
    const std::uint16_t arcount = get_u16(message, 10);
    if (total > 65535 || arcount == 0xffff) return std::nullopt;

    out.wire.reserve(total);
    out.wire.assign(message.begin(), message.end());
    out.wire[10] = static_cast<std::uint8_t>((arcount + 1) >> 8);
    out.wire[11] = static_cast<std::uint8_t>(arcount + 1);
    out.wire.insert(out.wire.end(), key_name.begin(), key_name.end());
    put_u16(out.wire, kTypeTsig);
    put_u16(out.wire, kClassAny);
    put_u32(out.wire, 0);
    put_u16(out.wire, static_cast<std::uint16_t>(rdata.size()));
    out.wire.insert(out.wire.end(), rdata.begin(), rdata.end());
    return out;
}

UpdateStatus status_for_rcode(unsigned rcode) noexcept {
    switch (rcode) {
        case 0:
            return UpdateStatus::Success;
        case 1:
            return UpdateStatus::FormErr;
        case 2:
            return UpdateStatus::ServFail;
        case 3:
            return UpdateStatus::NxDomain;
        case 4:
            return UpdateStatus::NotImp;
        case 5:
            return UpdateStatus::Refused;
        case 6:
            return UpdateStatus::YxDomain;
        case 7:
            return UpdateStatus::YxRrset;
        case 8:
            return UpdateStatus::NxRrset;
        case 9:
            return UpdateStatus::NotAuth;
        case 10:
            return UpdateStatus::NotZone;
        default:
            return UpdateStatus::BadReply;
    }
}

TsigScan scan_tsig(std::span<const std::uint8_t> message) {
    TsigScan out;
    WireReader r(message);
    r.skip(4);
    const std::uint16_t counts[4] = {r.u16(), r.u16(), r.u16(), r.u16()};
    for (std::uint16_t i = 0; i < counts[0]; ++i) {
        (void)r.name();
        r.skip(4);
    }
    const unsigned records = unsigned{counts[1]} + counts[2] + counts[3];
    std::optional<std::size_t> tsig_start;
    for (unsigned i = 0; i < records && r.ok(); ++i) {
        const std::size_t start = r.position();
        (void)r.name();
        const std::uint16_t type = r.u16();
        r.skip(6);
        r.skip(r.u16());
        if (type == kTypeTsig) {
            if (i + 1 != records || counts[3] == 0) {
                out.malformed = "TSIG record is not the last record";
                return out;
            }
            tsig_start = start;
        }
    }
    if (message.size() < kHeaderSize || !r.ok() || r.position() != message.size()) {
        out.malformed = "malformed reply";
        return out;
    }
    if (!tsig_start) return out;

    WireReader t(message);
    t.skip(*tsig_start);
    TsigView v;
    v.start = *tsig_start;
    v.arcount = counts[3];
    v.owner = t.name();
    t.skip(2);  // type
    const std::uint16_t klass = t.u16();
    v.ttl = t.u32();
    t.skip(2);  // rdlength (already validated by the walk above)
    v.algorithm = t.name();
    v.time_signed = t.u48();
    v.fudge = t.u16();
    v.mac = t.bytes(t.u16());
    v.original_id = t.u16();
    v.error = t.u16();
    v.other = t.bytes(t.u16());
    if (!t.ok() || t.position() != message.size() || klass != kClassAny) {
        out.malformed = "malformed TSIG record";
        return out;
    }
    out.tsig = std::move(v);
    return out;
}

namespace {

// The key, algorithm and TSIG error of a found TSIG; nullopt when they are acceptable.
std::optional<UpdateResult> tsig_refusal(const TsigView& v, const TsigKey& key,
                                         const std::string& rcode_text) {
    if (v.owner != name_to_wire(key.name) || v.algorithm != algorithm_wire(key.algorithm)) {
        return result(UpdateStatus::BadReply, "reply signed with another key or algorithm");
    }
    switch (v.error) {
        case 0:
            break;
        case kTsigBadSig:
            return result(UpdateStatus::BadSig, rcode_text + ", TSIG error BADSIG");
        case kTsigBadKey:
            return result(UpdateStatus::BadKey, rcode_text + ", TSIG error BADKEY");
        case kTsigBadTime:
            return result(UpdateStatus::BadTime, rcode_text + ", TSIG error BADTIME");
        default:
            return result(UpdateStatus::BadReply, "TSIG error " + std::to_string(v.error));
    }
    if (v.mac.empty()) return result(UpdateStatus::BadReply, "reply TSIG has no MAC");
    return std::nullopt;
}

// The MAC input up to the TSIG variables: the prior MAC, `before` (earlier unsigned messages of a
// stream), then the message without its TSIG, with the original id and ARCOUNT less one.
std::vector<std::uint8_t> mac_input(std::span<const std::uint8_t> prior_mac,
                                    std::span<const std::uint8_t> before,
                                    std::span<const std::uint8_t> message, const TsigView& v) {
    std::vector<std::uint8_t> input;
    input.reserve(2 + prior_mac.size() + before.size() + v.start + 64);
    put_u16(input, static_cast<std::uint16_t>(prior_mac.size()));
    input.insert(input.end(), prior_mac.begin(), prior_mac.end());
    input.insert(input.end(), before.begin(), before.end());
    const std::size_t message_at = input.size();
    input.insert(input.end(), message.begin(),
                 message.begin() + static_cast<std::ptrdiff_t>(v.start));
    input[message_at] = static_cast<std::uint8_t>(v.original_id >> 8);
    input[message_at + 1] = static_cast<std::uint8_t>(v.original_id);
    const auto arcount = static_cast<std::uint16_t>(v.arcount - 1);
    input[message_at + 10] = static_cast<std::uint8_t>(arcount >> 8);
    input[message_at + 11] = static_cast<std::uint8_t>(arcount);
    return input;
}

std::optional<UpdateResult> check_mac(std::span<const std::uint8_t> input, const TsigView& v,
                                      const TsigKey& key, std::uint64_t now) {
    const auto expected = tsig_hmac(key.algorithm, key.secret, input);
    if (expected.empty() || !constant_time_equal(expected, v.mac)) {
        return result(UpdateStatus::BadReply, "reply TSIG MAC does not verify");
    }
    const std::uint64_t skew = now > v.time_signed ? now - v.time_signed : v.time_signed - now;
    if (skew > v.fudge) return result(UpdateStatus::BadReply, "reply TSIG time outside the fudge");
    return std::nullopt;
}

// QR, opcode, id and TC of a reply header; nullopt when they fit.
std::optional<UpdateResult> header_refusal(std::span<const std::uint8_t> reply,
                                           std::uint16_t request_id, unsigned opcode) {
    if (reply.size() < kHeaderSize) return result(UpdateStatus::BadReply, "reply too short");
    const std::uint16_t flags = get_u16(reply, 2);
    if (get_u16(reply, 0) != request_id)
        return result(UpdateStatus::BadReply, "reply id does not match");
    if ((flags & 0x8000) == 0) return result(UpdateStatus::BadReply, "not a response");
    if (((flags >> 11) & 0xfu) != opcode)
        return result(UpdateStatus::BadReply, "unexpected opcode");
    if ((flags & 0x0200) != 0) return result(UpdateStatus::BadReply, "reply truncated");
    return std::nullopt;
}

}  // namespace

UpdateResult classify_reply(std::span<const std::uint8_t> request_mac, std::uint16_t request_id,
                            std::span<const std::uint8_t> reply, const TsigKey& key,
                            std::uint64_t now, unsigned opcode) {
    if (auto refusal = header_refusal(reply, request_id, opcode)) return std::move(*refusal);
    const unsigned rcode = get_u16(reply, 2) & 0xfu;
    const std::string rcode_text = "rcode " + std::to_string(rcode);
    const TsigScan scan = scan_tsig(reply);
    if (!scan.malformed.empty()) return result(UpdateStatus::BadReply, scan.malformed);
    if (!scan.tsig) {
        if (rcode == 0) return result(UpdateStatus::BadReply, "unsigned NOERROR reply");
        // An unsigned failure cannot be trusted as proof of anything, but it is a failure either
        // way; report what the server said.
        return result(status_for_rcode(rcode), rcode_text + " (unsigned reply)");
    }
    const TsigView& v = *scan.tsig;
    if (auto refusal = tsig_refusal(v, key, rcode_text)) return std::move(*refusal);
    auto input = mac_input(request_mac, {}, reply, v);
    append_variables(input, v.owner, v.ttl, v.algorithm, v.time_signed, v.fudge, v.error, v.other);
    if (auto refusal = check_mac(input, v, key, now)) return std::move(*refusal);
    if (rcode == 0) return result(UpdateStatus::Success, "NOERROR");
    return result(status_for_rcode(rcode), rcode_text);
}

TsigStreamVerifier::TsigStreamVerifier(const TsigKey& key,
                                       std::span<const std::uint8_t> request_mac,
                                       std::uint16_t request_id)
    : key_(key), prior_mac_(request_mac.begin(), request_mac.end()), id_(request_id) {}

UpdateResult TsigStreamVerifier::next(std::span<const std::uint8_t> message, std::uint64_t now) {
    if (first_) {
        auto verdict = classify_reply(prior_mac_, id_, message, key_, now, kOpcodeQuery);
        if (!verdict.ok()) return verdict;
        const auto mac = scan_tsig(message).tsig->mac;  // classify_reply verified it exists
        prior_mac_.assign(mac.begin(), mac.end());
        first_ = false;
        return verdict;
    }
    if (auto refusal = header_refusal(message, id_, kOpcodeQuery)) return std::move(*refusal);
    const unsigned rcode = get_u16(message, 2) & 0xfu;
    if (rcode != 0) {
        return result(status_for_rcode(rcode), "rcode " + std::to_string(rcode) + " mid-stream");
    }
    const TsigScan scan = scan_tsig(message);
    if (!scan.malformed.empty()) return result(UpdateStatus::BadReply, scan.malformed);
    if (!scan.tsig) {
        // RFC 8945 §5.3.1: up to 99 unsigned messages, covered by the next signed one.
        if (++unsigned_run_ > 99)
            return result(UpdateStatus::BadReply, "too many unsigned messages");
        pending_.insert(pending_.end(), message.begin(), message.end());
        return result(UpdateStatus::Success, "unsigned, covered by the next TSIG");
    }
    const TsigView& v = *scan.tsig;
    if (auto refusal = tsig_refusal(v, key_, "rcode 0")) return std::move(*refusal);
    auto input = mac_input(prior_mac_, pending_, message, v);
    put_u48(input, v.time_signed);  // later messages: the TSIG timers only
    put_u16(input, v.fudge);
    if (auto refusal = check_mac(input, v, key_, now)) return std::move(*refusal);
    prior_mac_.assign(v.mac.begin(), v.mac.end());
    pending_.clear();
    unsigned_run_ = 0;
    return result(UpdateStatus::Success, "NOERROR");
}

}  // namespace ddns::detail
