// QueryClient: a TSIG-signed QUERY for one RRset over TCP, the reply verified by classify_reply
// (as for UPDATE replies), then the answer section read into typed records.
#include <array>
#include <string>

#include "ddns/nsupdate/rrset_reader.hpp"
#include "dns_wire.hpp"
#include "message_id.hpp"
#include "rdata_read.hpp"
#include "transport.hpp"
#include "tsig.hpp"

namespace ddns {
namespace detail {

std::vector<std::uint8_t> encode_query(std::uint16_t id, const DnsName& owner,
                                       std::uint16_t qtype) {
    std::vector<std::uint8_t> out;
    put_u16(out, id);
    put_u16(out, 0);  // QUERY, no recursion desired: only the server's own data
    put_u16(out, 1);  // QDCOUNT
    for (int i = 0; i < 3; ++i) put_u16(out, 0);
    const auto name = name_to_wire(owner);
    out.insert(out.end(), name.begin(), name.end());
    put_u16(out, qtype);
    put_u16(out, kClassIn);
    return out;
}

std::optional<DnsName> name_from_wire(const std::vector<std::uint8_t>& wire) {
    std::string text;
    std::size_t at = 0;
    while (at < wire.size() && wire[at] != 0) {
        const std::size_t len = wire[at];
        if (!text.empty()) text += '.';
        text.append(reinterpret_cast<const char*>(wire.data() + at + 1), len);
        at += len + 1;
    }
    return DnsName::parse(text);
}

std::optional<Rdata> read_rdata(WireReader& r, RecordType type, std::size_t length) {
    const std::size_t end = r.position() + length;
    std::optional<Rdata> data;
    if (type == RecordType::A && length == 4) {
        std::array<std::uint8_t, 4> b{};
        const auto in = r.bytes(4);
        std::copy(in.begin(), in.end(), b.begin());
        data = IpAddress::v4(b);
    } else if (type == RecordType::AAAA && length == 16) {
        std::array<std::uint8_t, 16> b{};
        const auto in = r.bytes(16);
        std::copy(in.begin(), in.end(), b.begin());
        data = IpAddress::v6(b);
    } else if (type == RecordType::CNAME || type == RecordType::NS) {
        if (auto n = name_from_wire(r.name())) data = *n;
    } else if (type == RecordType::MX) {
        const std::uint16_t preference = r.u16();
        if (auto n = name_from_wire(r.name())) data = MxData{preference, *n};
    } else if (type == RecordType::TXT) {
        TxtData txt;
        while (r.ok() && r.position() < end) {
            const auto s = r.bytes(r.u8());
            txt.strings.emplace_back(s.begin(), s.end());
        }
        data = std::move(txt);
    }
    if (!r.ok() || r.position() > end) return std::nullopt;
    r.skip(end - r.position());
    return data;
}

}  // namespace detail

namespace {

// Reads the answer section of a reply classify_reply() accepted (so its layout is sound).
std::vector<ResourceRecord> answer_rrset(std::span<const std::uint8_t> reply, const DnsName& owner,
                                         RecordType type) {
    const auto owner_wire = detail::name_to_wire(owner);
    std::vector<ResourceRecord> records;
    detail::for_each_answer(reply, [&](detail::WireReader& r, const detail::AnswerRecord& rr) {
        if (rr.name != owner_wire || rr.type != static_cast<std::uint16_t>(type) ||
            rr.klass != detail::kClassIn) {
            r.skip(rr.length);
            return true;
        }
        auto data = detail::read_rdata(r, type, rr.length);
        if (!data) return true;
        if (auto record = ResourceRecord::make(owner, type, rr.ttl, std::move(*data))) {
            records.push_back(std::move(*record));
        }
        return true;
    });
    return records;
}

}  // namespace

QueryClient::QueryClient(QueryClientOptions options) : options_(std::move(options)) {
    if (!options_.clock) options_.clock = detail::system_seconds;
}

RRsetRead QueryClient::read(const DnsName& owner, RecordType type, const TsigKey& key,
                            const ServerEndpoint& server) {
    const std::uint16_t id = detail::random_id();
    detail::TsigParams params;
    params.time_signed = options_.clock();
    params.fudge = options_.fudge;
    const auto signed_query = detail::sign_message(
        detail::encode_query(id, owner, static_cast<std::uint16_t>(type)), key, params);
    if (!signed_query) return {{UpdateStatus::EncodeError, "query could not be signed"}, {}};

    const auto exchange = detail::tcp_exchange(server, signed_query->wire, options_.timeout);
    if (!exchange.replied) {
        return {{exchange.status, exchange.detail + " (server " + server.to_string() + ")"}, {}};
    }
    auto result = detail::classify_reply(signed_query->mac, id, exchange.reply, key,
                                         options_.clock(), detail::kOpcodeQuery);
    // NXDOMAIN, signed: the name holds nothing, so neither does the RRset.
    if (result.status == UpdateStatus::NxDomain) return {{UpdateStatus::Success, {}}, {}};
    if (!result.ok()) return {std::move(result), {}};
    return {std::move(result), answer_rrset(exchange.reply, owner, type)};
}

}  // namespace ddns
