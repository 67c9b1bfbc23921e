// Building RFC 2136 UPDATE messages from typed values with ldns, then signing them (tsig.cpp).
// RRs are assembled from wire-format rdfs, never from text, so no input can inject syntax.
#include "ddns/nsupdate/update_message.hpp"

#include <ldns/ldns.h>

#include <cstdlib>
#include <memory>

#include "dns_wire.hpp"
#include "update_encoding.hpp"

namespace ddns {
namespace detail {
namespace {

struct PktDeleter {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RrListDeleter {
    void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};
struct RrDeleter {
    void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktDeleter>;
using RrListPtr = std::unique_ptr<ldns_rr_list, RrListDeleter>;
using RrPtr = std::unique_ptr<ldns_rr, RrDeleter>;

constexpr std::uint16_t kTypeAny = 255;
constexpr std::size_t kMaxMessage = 65535;

enum class Klass : std::uint16_t { IN = 1, NONE = 254, ANY = 255 };

ldns_rdf* dname_rdf(const DnsName& name) {
    const auto wire = name_to_wire(name);
    return ldns_dname_new_frm_data(static_cast<std::uint16_t>(wire.size()), wire.data());
}

std::vector<ldns_rdf*> rdata_rdfs(const ResourceRecord& record) {
    struct Visitor {
        std::vector<ldns_rdf*> operator()(const IpAddress& a) const {
            const auto b = a.bytes();
            return {ldns_rdf_new_frm_data(a.is_v4() ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA,
                                          b.size(), b.data())};
        }
        std::vector<ldns_rdf*> operator()(const DnsName& n) const { return {dname_rdf(n)}; }
        std::vector<ldns_rdf*> operator()(const MxData& mx) const {
            std::vector<std::uint8_t> pref;
            put_u16(pref, mx.preference);
            return {ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16, pref.size(), pref.data()),
                    dname_rdf(mx.exchange)};
        }
        std::vector<ldns_rdf*> operator()(const TxtData& txt) const {
            std::vector<ldns_rdf*> out;
            for (const auto& s : txt.strings) {
                std::vector<std::uint8_t> buf;
                buf.push_back(static_cast<std::uint8_t>(s.size()));
                buf.insert(buf.end(), s.begin(), s.end());
                out.push_back(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, buf.size(), buf.data()));
            }
            return out;
        }
    };
    return std::visit(Visitor{}, record.data());
}

std::size_t rdata_size(const ResourceRecord& record) {
    struct Visitor {
        std::size_t operator()(const IpAddress& a) const { return a.bytes().size(); }
        std::size_t operator()(const DnsName& n) const { return n.str().size() + 2; }
        std::size_t operator()(const MxData& mx) const { return 2 + mx.exchange.str().size() + 2; }
        std::size_t operator()(const TxtData& txt) const {
            std::size_t total = 0;
            for (const auto& s : txt.strings) total += 1 + s.size();
            return total;
        }
    };
    return std::visit(Visitor{}, record.data());
}

// Collects RRs for one section and an upper bound of their uncompressed size.
class SectionBuilder {
public:
    SectionBuilder() : list_(ldns_rr_list_new()) {}

    void add(const DnsName& owner, std::uint16_t type, Klass klass, std::uint32_t ttl,
             const ResourceRecord* rdata_from = nullptr) {
        RrPtr rr(ldns_rr_new());
        ldns_rr_set_owner(rr.get(), dname_rdf(owner));
        ldns_rr_set_type(rr.get(), static_cast<ldns_rr_type>(type));
        ldns_rr_set_class(rr.get(), static_cast<ldns_rr_class>(klass));
        ldns_rr_set_ttl(rr.get(), ttl);
        size_ += owner.str().size() + 2 + 10;
        if (rdata_from != nullptr) {
            for (ldns_rdf* rdf : rdata_rdfs(*rdata_from)) ldns_rr_push_rdf(rr.get(), rdf);
            size_ += rdata_size(*rdata_from);
        }
        ldns_rr_list_push_rr(list_.get(), rr.release());  // the list owns the RR now
    }

    ldns_rr_list* list() const { return list_.get(); }
    std::size_t size() const { return size_; }

private:
    RrListPtr list_;
    std::size_t size_ = 0;
};

std::uint16_t type_code(RecordType t) {
    return static_cast<std::uint16_t>(t);
}

}  // namespace

Expected<std::vector<std::uint8_t>, std::string> encode_unsigned_update(
    const UpdateRequest& request, std::uint16_t id, std::size_t reserve) {
    const auto& zone = request.zone;
    auto outside = [&](const DnsName& owner) -> Unexpected<std::string> {
        return Unexpected{"name " + owner.str() + " is outside zone " + zone.str()};
    };

    SectionBuilder prereq;
    for (const auto& p : request.prerequisites) {
        const DnsName& owner = std::visit(
            [](const auto& v) -> const DnsName& {
                if constexpr (requires { v.record; }) {
                    return v.record.owner();
                } else {
                    return v.owner;
                }
            },
            p);
        if (!owner.is_at_or_below(zone)) return outside(owner);
        if (const auto* v = std::get_if<RRsetExistsValue>(&p)) {
            prereq.add(owner, type_code(v->record.type()), Klass::IN, 0, &v->record);
        } else if (const auto* e = std::get_if<RRsetExists>(&p)) {
            prereq.add(owner, type_code(e->type), Klass::ANY, 0);
        } else if (const auto* a = std::get_if<RRsetAbsent>(&p)) {
            prereq.add(owner, type_code(a->type), Klass::NONE, 0);
        } else if (std::holds_alternative<NameInUse>(p)) {
            prereq.add(owner, kTypeAny, Klass::ANY, 0);
        } else {
            prereq.add(owner, kTypeAny, Klass::NONE, 0);
        }
    }

    SectionBuilder updates;
    for (const auto& op : request.operations) {
        if (const auto* add = std::get_if<AddRecord>(&op)) {
            const auto& rr = add->record;
            if (!rr.owner().is_at_or_below(zone)) return outside(rr.owner());
            updates.add(rr.owner(), type_code(rr.type()), Klass::IN, rr.ttl(), &rr);
        } else if (const auto* del = std::get_if<DeleteRRset>(&op)) {
            if (!del->owner.is_at_or_below(zone)) return outside(del->owner);
            updates.add(del->owner, type_code(del->type), Klass::ANY, 0);
        } else if (const auto* one = std::get_if<DeleteRecord>(&op)) {
            const auto& rr = one->record;
            if (!rr.owner().is_at_or_below(zone)) return outside(rr.owner());
            updates.add(rr.owner(), type_code(rr.type()), Klass::NONE, 0, &rr);
        } else {
            const auto& name = std::get<DeleteName>(op).owner;
            if (!name.is_at_or_below(zone)) return outside(name);
            updates.add(name, kTypeAny, Klass::ANY, 0);
        }
    }

    // Upper bound (no compression). ldns aborts on packets over 64 KiB, so check before encoding.
    const std::size_t bound =
        kHeaderSize + zone.str().size() + 2 + 4 + prereq.size() + updates.size() + reserve;
    if (bound > kMaxMessage) {
        return Unexpected{"UPDATE message too large (" + std::to_string(bound) + " octets)"};
    }

    // ldns_update_pkt_new takes ownership of the zone rdf and copies the RR lists.
    PktPtr pkt(ldns_update_pkt_new(dname_rdf(zone), LDNS_RR_CLASS_IN, prereq.list(), updates.list(),
                                   nullptr));
    if (!pkt) return Unexpected{std::string("ldns could not build the UPDATE packet")};
    ldns_pkt_set_id(pkt.get(), id);

    std::uint8_t* wire = nullptr;
    std::size_t size = 0;
    if (ldns_pkt2wire(&wire, pkt.get(), &size) != LDNS_STATUS_OK || wire == nullptr) {
        std::free(wire);  // NOLINT(cppcoreguidelines-no-malloc): ldns allocates with malloc
        return Unexpected{std::string("ldns could not encode the UPDATE packet")};
    }
    std::vector<std::uint8_t> out(wire, wire + size);
    std::free(wire);  // NOLINT(cppcoreguidelines-no-malloc)
    return out;
}

Expected<SignedMessage, std::string> encode_and_sign_update(const UpdateRequest& request,
                                                            const TsigKey& key, std::uint16_t id,
                                                            std::uint64_t time_signed,
                                                            std::uint16_t fudge) {
    // TSIG RR: owner + 10, algorithm name, time/fudge/mac size (10), MAC (<= 64), id/error/len (6).
    const std::size_t tsig_size = key.name.str().size() + 2 + 10 + 13 + 10 + 64 + 6;
    auto message = encode_unsigned_update(request, id, tsig_size);
    if (!message) return Unexpected{message.error()};
    auto signed_message = sign_message(*message, key, TsigParams{time_signed, fudge, 0, {}, true});
    if (!signed_message) return Unexpected{std::string("could not sign the UPDATE message")};
    return std::move(*signed_message);
}

}  // namespace detail

Expected<std::vector<std::uint8_t>, std::string> encode_signed_update(const UpdateRequest& request,
                                                                      const TsigKey& key,
                                                                      std::uint16_t id,
                                                                      std::uint64_t time_signed,
                                                                      std::uint16_t fudge) {
    auto out = detail::encode_and_sign_update(request, key, id, time_signed, fudge);
    if (!out) return Unexpected{out.error()};
    return std::move(out->wire);
}

}  // namespace ddns
