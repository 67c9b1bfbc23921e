// PgStore's RecordStore half: the records domain accounts manage, one row per RR, and the zone
// lock that serialises record changes to one zone across requests and gateway instances.
#include <string>
#include <variant>

#include "codec.hpp"
#include "connection.hpp"
#include "ddns/sql/pg_store.hpp"
#include "record_rows.hpp"

namespace ddns::sql {
namespace {

// Every record query selects id, name, type, ttl and the rdata columns in this order. TXT
// strings travel as comma-separated hex so that any octet survives the text protocol.
constexpr std::string_view kSelectRecords = R"sql(
SELECT id, name, type, ttl, host(address), target, preference,
       array_to_string(ARRAY(SELECT encode(s, 'hex')
                             FROM unnest(txt) WITH ORDINALITY AS u(s, n) ORDER BY n), ',')
FROM records )sql";

const std::string& records_at_sql() {
    static const std::string sql = std::string(kSelectRecords) +
                                   "WHERE zone_id = $1::bigint AND name = $2 "
                                   "ORDER BY type, address, preference, target, txt";
    return sql;
}

const std::string& list_records_sql() {
    static const std::string sql = std::string(kSelectRecords) +
                                   "WHERE zone_id = $1::bigint "
                                   "ORDER BY name, type, address, preference, target, txt";
    return sql;
}

constexpr std::string_view kLockZone = "SELECT id FROM zones WHERE id = $1::bigint FOR UPDATE";

// $1 the name; $2 the host whose wildcard mirror it would be ('' unless the name is *.<host>).
// The mirror's name is the host's while it mirrors, or may start to (the zone allows it).
constexpr std::string_view kHostNamed = R"sql(
SELECT EXISTS (SELECT 1 FROM hosts WHERE name = $1)
    OR EXISTS (SELECT 1 FROM hosts h JOIN zones z ON z.id = h.zone_id
                WHERE h.name = $2 AND (h.wildcard OR z.wildcard_allowed)))sql";

constexpr std::string_view kInsertRecord = R"sql(
INSERT INTO records (zone_id, name, type, ttl, address, target, preference, txt)
VALUES ($1::bigint, $2, $3, $4::integer, $5::inet, $6, $7::integer, $8::bytea[]))sql";

constexpr std::string_view kEraseRecord =
    "DELETE FROM records WHERE id = $1::bigint AND zone_id = $2::bigint";

constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const std::string& octets) {
    std::string out;
    out.reserve(octets.size() * 2);
    for (const char c : octets) {
        const auto b = static_cast<unsigned char>(c);
        out += kHex[b >> 4];
        out += kHex[b & 0xf];
    }
    return out;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw auth::StoreError("database: stored TXT string is not hex");
}

// "6869,,7468" -> {"hi", "", "th"}: one string per element, empty ones included.
std::vector<std::string> txt_from_hex(std::string_view text) {
    std::vector<std::string> strings(1);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ',') {
            strings.emplace_back();
            continue;
        }
        if (i + 1 >= text.size()) throw auth::StoreError("database: stored TXT string is odd");
        strings.back() += static_cast<char>(hex_digit(text[i]) * 16 + hex_digit(text[i + 1]));
        ++i;
    }
    return strings;
}

// The bytea[] literal of TXT strings: {"\\x6869","\\x"}.
std::string txt_param(const TxtData& txt) {
    std::string out = "{";
    for (std::size_t i = 0; i < txt.strings.size(); ++i)
        out += std::string(i ? "," : "") + "\"\\\\x" + to_hex(txt.strings[i]) + "\"";
    return out + "}";
}

// The type and rdata columns of one RR: type, address, target, preference, txt.
Params rdata_params(const ResourceRecord& rr) {
    Params p{std::string(to_string(rr.type())), std::nullopt, std::nullopt, std::nullopt,
             std::nullopt};
    struct Visitor {
        Params& p;
        void operator()(const IpAddress& a) const { p[1] = a.to_string(); }
        void operator()(const DnsName& n) const { p[2] = n.str(); }
        void operator()(const MxData& mx) const {
            p[2] = mx.exchange.str();
            p[3] = std::to_string(mx.preference);
        }
        void operator()(const TxtData& txt) const { p[4] = txt_param(txt); }
    };
    std::visit(Visitor{p}, rr.data());
    return p;
}

auth::StoredRecord record_from_row(const Result& r, int row) {
    const auto type = parse_record_type(r.text(row, 2));
    if (!type) throw auth::StoreError("database: stored record type is unknown");
    Rdata data;
    switch (*type) {
        case RecordType::A:
        case RecordType::AAAA:
            data = *stored_address(r.text(row, 4));
            break;
        case RecordType::CNAME:
        case RecordType::NS:
            data = stored_name(r.text(row, 5));
            break;
        case RecordType::MX: {
            const auto preference = r.int64(row, 6);
            if (preference < 0 || preference > 65535)
                throw auth::StoreError("database: stored MX preference out of range");
            data = MxData{static_cast<std::uint16_t>(preference), stored_name(r.text(row, 5))};
            break;
        }
        case RecordType::TXT:
            data = TxtData{txt_from_hex(r.text(row, 7))};
            break;
    }
    auto record = ResourceRecord::make(stored_name(r.text(row, 1)), *type,
                                       stored_ttl(r.int64(row, 3)), std::move(data));
    if (!record) throw auth::StoreError("database: stored record does not fit its type");
    return auth::StoredRecord{r.int64(row, 0), *std::move(record)};
}

std::vector<auth::StoredRecord> records_from(const Result& r) {
    std::vector<auth::StoredRecord> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row) out.push_back(record_from_row(r, row));
    return out;
}

// A transaction holding the zone's row lock. Member order matters: the transaction (rolled
// back unless committed) ends before the lease returns the connection.
class PgRecordChange final : public auth::RecordChange {
public:
    PgRecordChange(Database::Lease lease, std::int64_t zone_id)
        : lease_(std::move(lease)), transaction_(*lease_), zone_id_(id_param(zone_id)) {
        // Host inserts into this zone wait too: their foreign-key check needs a share lock
        // on the same row, which keeps `host_named` true until commit.
        if (lease_->exec_prepared("lock_zone", kLockZone, {zone_id_}).rows() == 0)
            throw auth::StoreError("database: zone " + zone_id_ + " no longer exists");
    }

    std::vector<auth::StoredRecord> records_at(const DnsName& name) override {
        return records_from(
            lease_->exec_prepared("records_at", records_at_sql(), {zone_id_, name.str()}));
    }

    bool host_named(const DnsName& name) override {
        const std::string& n = name.str();
        const std::string mirrored = n.starts_with("*.") ? n.substr(2) : std::string();
        return lease_->exec_prepared("host_named", kHostNamed, {n, mirrored}).boolean(0, 0);
    }

    void insert(const ResourceRecord& record) override {
        Params params{zone_id_, record.owner().str()};
        Params rdata = rdata_params(record);
        params.push_back(rdata[0]);
        params.emplace_back(std::to_string(record.ttl()));
        params.insert(params.end(), rdata.begin() + 1, rdata.end());
        lease_->exec_prepared("insert_record", kInsertRecord, params);
    }

    void erase(std::int64_t record_id) override {
        lease_->exec_prepared("erase_record", kEraseRecord, {id_param(record_id), zone_id_});
    }

    void commit() override { transaction_.commit(); }

private:
    Database::Lease lease_;
    Transaction transaction_;
    std::string zone_id_;
};

}  // namespace

const std::string& zone_records_sql() {
    return list_records_sql();
}

std::vector<auth::StoredRecord> stored_records_from(const Result& r) {
    return records_from(r);
}

const std::string& rrsets_in_doubt_sql() {
    static const std::string sql = R"sql(
SELECT name, type, (extract(epoch FROM since) * 1000000)::bigint
FROM record_rrsets_in_doubt WHERE zone_id = $1::bigint ORDER BY name, type)sql";
    return sql;
}

std::vector<auth::RRsetInDoubt> rrsets_in_doubt_from(const Result& r) {
    std::vector<auth::RRsetInDoubt> out;
    for (int row = 0; row < r.rows(); ++row) {
        const auto type = parse_record_type(r.text(row, 1));
        if (!type) throw auth::StoreError("database: stored record type is unknown");
        out.push_back({stored_name(r.text(row, 0)), *type, time_from_micros(r.int64(row, 2))});
    }
    return out;
}

std::unique_ptr<auth::RecordChange> PgStore::begin_record_change(std::int64_t zone_id) {
    return std::make_unique<PgRecordChange>(db_.lease(), zone_id);
}

std::vector<auth::StoredRecord> PgStore::list_records(std::int64_t zone_id) {
    auto conn = db_.lease();
    return records_from(
        conn->exec_prepared("list_records", list_records_sql(), {id_param(zone_id)}));
}

namespace {

// record_rrsets_in_doubt (migration 012); the earliest mark of an RRset is kept. now(): the
// mark is the database's own fact, like created_at.
constexpr std::string_view kMarkRRsetInDoubt = R"sql(
INSERT INTO record_rrsets_in_doubt (zone_id, name, type, since)
VALUES ($1::bigint, $2, $3, now()) ON CONFLICT DO NOTHING)sql";

}  // namespace

void PgStore::mark_rrset_in_doubt(std::int64_t zone_id, const DnsName& name, RecordType type) {
    auto conn = db_.lease();
    conn->exec_prepared("mark_rrset_in_doubt", kMarkRRsetInDoubt,
                        {id_param(zone_id), name.str(), std::string(to_string(type))});
}

std::vector<auth::RRsetInDoubt> PgStore::rrsets_in_doubt(std::int64_t zone_id) {
    auto conn = db_.lease();
    return rrsets_in_doubt_from(
        conn->exec_prepared("rrsets_in_doubt", rrsets_in_doubt_sql(), {id_param(zone_id)}));
}

}  // namespace ddns::sql
