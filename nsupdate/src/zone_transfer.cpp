// QueryClient::transfer: a TSIG-signed AXFR (RFC 5936) over one TCP connection. Every message of
// the reply goes through TsigStreamVerifier (RFC 8945 §5.3.1: the first verified like a query
// reply, later signed ones over the running MAC, at most 99 unsigned ones in between, the last one
// signed), so no record of an unverified message is ever returned. The transfer is complete at
// the SOA that closes it; records after it, a missing opening SOA or a stream cut short make the
// whole read a failure rather than a partial zone.
#include <chrono>
#include <string>

#include "ddns/nsupdate/rrset_reader.hpp"
#include "dns_wire.hpp"
#include "message_id.hpp"
#include "rdata_read.hpp"
#include "transport.hpp"
#include "tsig.hpp"

namespace ddns {
namespace {

constexpr std::uint16_t kTypeSoa = 6;
constexpr std::uint16_t kTypeAxfr = 252;

bool gateway_type(std::uint16_t type) {
    switch (static_cast<RecordType>(type)) {
        case RecordType::A:
        case RecordType::AAAA:
        case RecordType::CNAME:
        case RecordType::MX:
        case RecordType::NS:
        case RecordType::TXT:
            return true;
    }
    return false;
}

// The state of one transfer while its messages are read.
class TransferReader {
public:
    TransferReader(const DnsName& zone, std::size_t max_records)
        : zone_wire_(detail::name_to_wire(zone)), max_records_(max_records) {}

    // Reads the answer section of one verified message. Empty on success, else why the transfer
    // cannot be used.
    std::string read(std::span<const std::uint8_t> message, std::vector<ResourceRecord>& out) {
        std::string error;
        const bool well_formed = detail::for_each_answer(
            message, [&](detail::WireReader& r, const detail::AnswerRecord& rr) {
                error = take(r, rr, out);
                return error.empty();
            });
        if (!error.empty()) return error;
        if (!well_formed) return "malformed message";
        return {};
    }
    bool complete() const { return complete_; }

private:
    // One answer record: kept, skipped, or why the transfer cannot be used.
    std::string take(detail::WireReader& r, const detail::AnswerRecord& rr,
                     std::vector<ResourceRecord>& out) {
        if (complete_) return "records after the closing SOA";
        if (rr.type == kTypeSoa) {
            if (rr.name != zone_wire_) return "SOA of another zone";
            ++soa_seen_;
            complete_ = soa_seen_ == 2;
            r.skip(rr.length);
            return {};
        }
        if (soa_seen_ == 0) return "transfer does not begin with the zone's SOA";
        if (rr.klass != detail::kClassIn || !gateway_type(rr.type)) {
            r.skip(rr.length);
            return {};
        }
        const auto rtype = static_cast<RecordType>(rr.type);
        auto data = detail::read_rdata(r, rtype, rr.length);
        auto owner = detail::name_from_wire(rr.name);
        if (!data || !owner) return {};  // not representable: as if absent (see query_client)
        if (auto record = ResourceRecord::make(*owner, rtype, rr.ttl, std::move(*data))) {
            if (out.size() >= max_records_) return "zone larger than the transfer limit";
            out.push_back(std::move(*record));
        }
        return {};
    }

    std::vector<std::uint8_t> zone_wire_;
    std::size_t max_records_;
    int soa_seen_ = 0;
    bool complete_ = false;
};

ZoneRead failed(UpdateStatus status, std::string detail, std::size_t messages) {
    return {{status, std::move(detail)}, {}, messages};
}

}  // namespace

ZoneRead QueryClient::transfer(const DnsName& zone, const TsigKey& key,
                               const ServerEndpoint& server) {
    const std::uint16_t id = detail::random_id();
    detail::TsigParams params;
    params.time_signed = options_.clock();
    params.fudge = options_.fudge;
    const auto signed_query =
        detail::sign_message(detail::encode_query(id, zone, kTypeAxfr), key, params);
    if (!signed_query) return failed(UpdateStatus::EncodeError, "AXFR could not be signed", 0);

    detail::TcpStream stream(std::chrono::steady_clock::now() + options_.transfer_timeout);
    detail::Exchange err;
    const std::string where = " (AXFR of " + zone.str() + " from " + server.to_string() + ")";
    if (!stream.open(server, signed_query->wire, err))
        return failed(err.status, err.detail + where, 0);

    detail::TsigStreamVerifier verifier(key, signed_query->mac, id);
    TransferReader reader(zone, options_.max_transfer_records);
    ZoneRead out;
    while (!reader.complete()) {
        auto message = stream.next();
        if (!message.replied) {
            return failed(
                message.status,
                message.detail + " after " + std::to_string(out.messages) + " message(s)" + where,
                out.messages);
        }
        ++out.messages;
        auto verdict = verifier.next(message.reply, options_.clock());
        if (!verdict.ok()) {
            return failed(verdict.status,
                          verdict.detail + " in message " + std::to_string(out.messages) + where,
                          out.messages);
        }
        const std::string problem = reader.read(message.reply, out.records);
        if (!problem.empty()) return failed(UpdateStatus::BadReply, problem + where, out.messages);
    }
    if (!verifier.ends_signed()) {
        return failed(UpdateStatus::BadReply, "the last message is unsigned" + where, out.messages);
    }
    out.result = {UpdateStatus::Success, "NOERROR"};
    return out;
}

}  // namespace ddns
