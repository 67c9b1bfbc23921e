// Private: reading rows of the records table into typed records (pg_record_store.cpp), shared
// with the reconciler's store.
#pragma once

#include <string>
#include <vector>

#include "connection.hpp"
#include "ddns/auth/record_store.hpp"

namespace ddns::sql {

// SELECT of every record of a zone ($1: zone id), in the column order stored_records_from reads.
const std::string& zone_records_sql();
std::vector<auth::StoredRecord> stored_records_from(const Result& r);

// SELECT of a zone's RRsets in doubt ($1: zone id), ordered by name, then type, in the column
// order rrsets_in_doubt_from reads.
const std::string& rrsets_in_doubt_sql();
std::vector<auth::RRsetInDoubt> rrsets_in_doubt_from(const Result& r);

}  // namespace ddns::sql
